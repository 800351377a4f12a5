"""Ranking and calibration metrics a campaign cares about, reusable for model cards.

A campaign contacts the top k% of scores, so lift and recall at k matter more than accuracy;
the probabilities feed expected-yield and budget figures, so Brier and reliability matter too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def _arrays(y_true: object, y_score: object) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true, dtype=float).ravel()
    p = np.asarray(y_score, dtype=float).ravel()
    if len(y) != len(p):
        raise ValueError(f"y_true has {len(y)} rows but y_score has {len(p)}.")
    if np.isnan(y).any() or np.isnan(p).any():
        raise ValueError("y_true and y_score must not contain NaN.")
    return y, p


def _top(p: np.ndarray, fraction: float) -> np.ndarray:
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1]; got {fraction}.")
    k = max(1, int(round(fraction * len(p))))
    return np.argsort(-p, kind="stable")[:k]


def lift_at(y_true: object, y_score: object, fraction: float = 0.1) -> float:
    """Positive rate in the top ``fraction`` of scores divided by the overall positive rate."""
    y, p = _arrays(y_true, y_score)
    base = y.mean()
    if base == 0:
        raise ValueError("lift is undefined when y_true has no positives.")
    return float(y[_top(p, fraction)].mean() / base)


def recall_at(y_true: object, y_score: object, fraction: float = 0.1) -> float:
    """Share of all positives found in the top ``fraction`` of scores."""
    y, p = _arrays(y_true, y_score)
    if y.sum() == 0:
        raise ValueError("recall is undefined when y_true has no positives.")
    return float(y[_top(p, fraction)].sum() / y.sum())


def reliability_table(y_true: object, y_score: object, n_bins: int = 10) -> pd.DataFrame:
    """Observed rate against mean predicted probability per quantile bin of the scores.

    Rows are bins from lowest to highest score with ``mean_predicted``, ``observed_rate`` and
    ``count``; a calibrated model has the first two close in every bin.
    """
    y, p = _arrays(y_true, y_score)
    bins = pd.qcut(p, q=n_bins, labels=False, duplicates="drop")
    grouped = pd.DataFrame({"p": p, "y": y, "bin": bins}).groupby("bin", sort=True)
    table = grouped.agg(
        mean_predicted=("p", "mean"), observed_rate=("y", "mean"), count=("y", "size")
    )
    return table.reset_index(drop=True)


def summary(y_true: object, y_score: object, fraction: float = 0.1) -> dict[str, float]:
    """The headline figures: ROC-AUC, PR-AUC, lift and recall at ``fraction``, Brier."""
    y, p = _arrays(y_true, y_score)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "lift_at_top": lift_at(y, p, fraction),
        "recall_at_top": recall_at(y, p, fraction),
        "brier": float(brier_score_loss(y, p)),
        "positive_rate": float(y.mean()),
    }
