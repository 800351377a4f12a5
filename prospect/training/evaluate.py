"""Model-card metrics: by time fold, by month, against the oracle, top features.

All figures come from months the models were scored on after fitting; the test month is never
seen in training. The oracle (true probabilities of generated data) is read only here, to say
how far the models are from the best attainable score, and never for fitting.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

from prospect.model import PropensityModel, metrics
from prospect.spec import DatasetSpec
from prospect.training.config import TrainingConfig
from risk import Scorecard

logger = logging.getLogger(__name__)
TOP_FEATURES = 10
SHAP_SAMPLE = 5_000


def ks_statistic(y_true: object, y_score: object) -> float:
    """Kolmogorov-Smirnov separation: the largest gap between the classes' score CDFs."""
    fpr, tpr, _ = roc_curve(np.asarray(y_true, float), np.asarray(y_score, float))
    return float(np.max(tpr - fpr))


PROPENSITY_KEYS = ("roc_auc", "pr_auc", "lift_at_top", "recall_at_top", "brier", "positive_rate")
RISK_KEYS = ("roc_auc", "gini", "ks", "brier", "default_rate")


class PDModel(Protocol):
    """A fitted probability-of-default model: the scorecard, or the challenger beside it."""

    feature_names_in_: Any

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray: ...


def _one_class(known: pd.DataFrame, label: str) -> bool:
    """Ranking metrics are undefined on a month whose labels are all one class."""
    if known[label].nunique() < 2:
        logger.warning("label %r has one class on %d rows; metrics left empty", label, len(known))
        return True
    return False


def propensity_metrics(
    model: PropensityModel | None, rows: pd.DataFrame, label: str
) -> dict[str, float | None]:
    """Headline ranking and calibration figures on the rows with a known demand label (empty
    for a scorecard-only bundle, which has no propensity model)."""
    if model is None:
        return dict.fromkeys(PROPENSITY_KEYS)
    known = rows[rows[label].notna()]
    if _one_class(known, label):
        return dict.fromkeys(PROPENSITY_KEYS)
    return dict(metrics.summary(known[label], model.predict_proba(known)[:, 1]))


def pd_metrics(model: PDModel, rows: pd.DataFrame, label: str) -> dict[str, float | None]:
    """ROC-AUC, Gini, KS and Brier of a model's PD on the rows with a known default outcome.

    Any fitted PD model (scorecard or challenger) is measured by this one function, so the
    champion and the challenger are compared on exactly the same rows and figures.
    """
    known = rows[rows[label].notna()]
    if _one_class(known, label):
        return dict.fromkeys(RISK_KEYS)
    y = known[label].to_numpy(float)
    pd_ = model.predict_proba(known[list(model.feature_names_in_)])[:, 1]
    auc = float(roc_auc_score(y, pd_))
    return {"roc_auc": auc, "gini": 2 * auc - 1, "ks": ks_statistic(y, pd_),
            "brier": float(brier_score_loss(y, pd_)), "default_rate": float(y.mean())}  # fmt: skip


def by_month(
    models: Any, frame: pd.DataFrame, spec: DatasetSpec, config: TrainingConfig, test: str
) -> list[dict[str, Any]]:
    """The final models on every month; training months are in-sample and flagged so."""
    month_col = str(spec.month_column)
    rows = []
    for month, part in frame.groupby(month_col, sort=True):
        rows.append({
            "month": month, "role": "test" if month == test else "train", "rows": len(part),
            "propensity": propensity_metrics(models.propensity, part, config.demand_label),
            "scorecard": dict.fromkeys(RISK_KEYS)
            if models.scorecard is None or not config.has_risk_label
            else pd_metrics(models.scorecard, part, config.risk_label),
        })  # fmt: skip
    return rows


def oracle_comparison(
    data_dir: Path, test: pd.DataFrame, spec: DatasetSpec, config: TrainingConfig,
    p_demand: np.ndarray, pds: Mapping[str, np.ndarray],
) -> dict[str, Any] | None:  # fmt: skip
    """The models' test-month figures next to the oracle's, or None without an oracle file.

    ``pds`` maps each PD model's name (``scorecard``, ``challenger``) to its PD on ``test``;
    each gets its own section with the oracle's ROC-AUC and KS on the same rows.
    """
    month = str(test[spec.month_column].iloc[0])
    path = Path(data_dir) / "oracle" / f"oracle_{month}.parquet"
    if not path.is_file():
        return None
    oracle = pd.read_parquet(path, columns=["user_id", "p_took_card", "p_default"])
    ids = test[spec.id_column].to_numpy()
    truth = oracle.set_index("user_id").reindex(ids)
    demand = test[config.demand_label].notna().to_numpy() & truth["p_took_card"].notna().to_numpy()
    y = test[config.demand_label].to_numpy()[demand]
    model_pr = metrics.summary(y, p_demand[demand])["pr_auc"]
    oracle_pr = metrics.summary(y, truth["p_took_card"].to_numpy()[demand])["pr_auc"]
    against = {}
    if pds and config.has_risk_label:  # the PD models, where the month has a default label
        risk = test[config.risk_label].notna().to_numpy() & truth["p_default"].notna().to_numpy()
        yr = test[config.risk_label].to_numpy()[risk]
        oracle_pd = truth["p_default"].to_numpy()[risk]
        against = {name: _against_oracle(yr, pd_[risk], oracle_pd) for name, pd_ in pds.items()}
    return {
        "month": month, "file": path.name,
        "propensity": {"pr_auc": model_pr, "oracle_pr_auc": oracle_pr,
                       "ratio": model_pr / oracle_pr if oracle_pr else None},
        **against,
    }  # fmt: skip


def _against_oracle(y: np.ndarray, pd_: np.ndarray, oracle_pd: np.ndarray) -> dict[str, float]:
    """A PD model's ROC-AUC and KS beside the oracle's on the same rows."""
    return {
        "roc_auc": float(roc_auc_score(y, pd_)),
        "oracle_roc_auc": float(roc_auc_score(y, oracle_pd)),
        "ks": ks_statistic(y, pd_),
        "oracle_ks": ks_statistic(y, oracle_pd),
    }


def top_propensity_features(
    model: PropensityModel, rows: pd.DataFrame, seed: int
) -> list[dict[str, Any]]:
    """Mean absolute SHAP contribution per feature on a seeded sample of ``rows``."""
    sample = rows.sample(n=min(SHAP_SAMPLE, len(rows)), random_state=seed)
    contrib = model.contributions(sample).drop(columns="bias").abs().mean()
    top = contrib.sort_values(ascending=False).head(TOP_FEATURES)
    return [{"feature": str(f), "mean_abs_shap": float(v)} for f, v in top.items()]


def top_scorecard_features(scorecard: Scorecard) -> list[dict[str, Any]]:
    """Information value of the features the scorecard kept, highest first."""
    iv = scorecard.binner_.iv_[list(scorecard.selected_)].sort_values(ascending=False)
    return [{"feature": str(f), "iv": float(v)} for f, v in iv.head(TOP_FEATURES).items()]


def lift_gain_table(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> list[dict[str, float]]:
    """Per score decile (best first): share contacted, cumulative gain and lift."""
    order = np.argsort(-p, kind="stable")
    hits = np.asarray(y, float)[order]
    edges = np.linspace(0, len(hits), n_bins + 1).round().astype(int)[1:]
    total, base = hits.sum(), hits.mean()
    starts = np.concatenate([[0], edges[:-1]])
    rows = []
    for i, (start, end) in enumerate(zip(starts, edges, strict=True), start=1):
        found = hits[:end].sum()
        rows.append({
            "decile": i, "contacted": end / len(hits), "gain": found / total,
            "lift": (found / end) / base, "rate": float(hits[start:end].mean()),
        })  # fmt: skip
    return rows
