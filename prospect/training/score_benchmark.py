""" "Your current score vs ours": the table's own score (``labels.score``) against our models.

A bank or operator usually ranks customers already (a bureau or in-house score). Before it
trusts a new model it wants to know whether that model ranks better than what it has, on the
same held-out month and rows. Neither the score's scale nor its direction is assumed: its
ROC-AUC is taken the way round that ranks better, and the card says which way that was.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from prospect.spec import DatasetSpec
from prospect.training.config import TrainingConfig

OUTCOMES = {"demand": "to take the offer", "risk": "to default"}


def score_benchmark(
    test: pd.DataFrame, spec: DatasetSpec, config: TrainingConfig,
    p_demand: np.ndarray | None, pd_: np.ndarray | None,
) -> dict[str, Any] | None:  # fmt: skip
    """The existing score beside our propensity (``p_demand``) and PD (``pd_``) on the test
    month's labelled rows; None when the spec names no score."""
    column = spec.labels.score
    if column is None:
        return None
    theirs = pd.to_numeric(test[column], errors="coerce").to_numpy(dtype=float)
    section: dict[str, Any] = {
        "column": column, "title": spec.column(column).readable,
        "rows_with_score": int(np.isfinite(theirs).sum()),
    }  # fmt: skip
    for target, label, ours in (("demand", config.demand_label, p_demand),
                                ("risk", config.risk_label, pd_)):  # fmt: skip
        section[target] = _compare(test, label, ours, theirs, column, OUTCOMES[target])
    return section


def _compare(
    test: pd.DataFrame, label: str, ours: np.ndarray | None, theirs: np.ndarray, column: str,
    outcome: str,
) -> dict[str, Any] | None:  # fmt: skip
    """ROC-AUC of ours and of the existing score on the rows with the label and a score, and
    their rank correlation; None without a label, a model or two classes to rank."""
    if not label or ours is None:
        return None
    y = pd.to_numeric(test[label], errors="coerce").to_numpy(dtype=float)
    rows = np.isfinite(y) & np.isfinite(theirs) & np.isfinite(ours)
    if len(np.unique(y[rows])) < 2:
        return None
    auc_theirs = float(roc_auc_score(y[rows], theirs[rows]))
    higher = auc_theirs >= 0.5
    auc_ours = float(roc_auc_score(y[rows], ours[rows]))
    best_theirs = auc_theirs if higher else 1.0 - auc_theirs
    return {
        "rows": int(rows.sum()),
        "ours_roc_auc": auc_ours,
        "theirs_roc_auc": best_theirs,
        "difference": auc_ours - best_theirs,
        "theirs_direction": f"{'higher' if higher else 'lower'} {column} means more likely "
        f"{outcome}",
        "rank_correlation": float(spearmanr(ours[rows], theirs[rows]).statistic),
    }
