"""Reject inference: the scorecard trained with and without labels inferred for the rejects,
judged on the whole prospect population against the oracle.

Default outcomes exist only for subscribers a past policy accepted for a card; prospects are
the others, so a scorecard fitted on the accepted alone meets them only by extrapolation.
Method: **parcelling** by score band. The accepted-only scorecard bands the accepted by score
(deciles); each reject draws a default label (seeded) at its band's accepted default rate
times an inflation factor (rejects are usually worse than accepted applicants of the same
score: the past policy saw more than we do), and the scorecard is refitted on accepted plus
rejects. Parcelling needs nothing from the scorecard but ``fit(X, y)``; fuzzy augmentation
would need weighted binning, which ``WOEBinner`` does not offer.

Candidates (no inference, parcelling x1.0, x1.5) are scored on the prospects of the test
month against the oracle's true PD: expected ROC-AUC, calibration per grade (mean PD the
model expects against the true mean PD) and the list's default-rate error (mean PD expected
minus true, over the prospects a campaign with ``max_pd`` 0.20 would keep). The choice: the
smallest absolute list error among candidates within ``MAX_AUC_LOSS`` of the best ROC-AUC;
no inference wins ties.

Where the data label everyone (today's generated world), the past policy of
:mod:`prospect.synth.acceptance` is simulated on the oracle to hide the rejects' labels, so the
comparison still shows what the selection costs; the bundle then keeps the scorecard fitted
on every label. Where labels are really missing, the chosen scorecard is the bundle's.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from prospect.riskmodel import build_scorecard
from prospect.spec import DatasetSpec
from prospect.synth.acceptance import past_policy_accepts
from prospect.training.config import TrainingConfig
from risk import Scorecard

logger = logging.getLogger(__name__)

NONE = "none"
INFLATIONS = {"parcelling x1.0": 1.0, "parcelling x1.5": 1.5}
N_BANDS = 10
LIST_MAX_PD = 0.20  # the default campaign's max_pd (prospect/configs/default_campaign.yaml)
MAX_AUC_LOSS = 0.002
NO_ORACLE = "no oracle file for these months: nothing to judge the candidates against"


def read_oracle(data_dir: Path, month: str) -> pd.DataFrame | None:
    path = Path(data_dir) / "oracle" / f"oracle_{month}.parquet"
    return pd.read_parquet(path) if path.is_file() else None


def _truth(rows: pd.DataFrame, spec: DatasetSpec, data_dir: Path) -> pd.DataFrame | None:
    """The oracle rows of ``rows`` (all its months), aligned with ``rows``; None if absent."""
    parts = []
    for month in sorted(rows[str(spec.month_column)].unique()):
        oracle = read_oracle(data_dir, str(month))
        if oracle is None:
            return None
        parts.append(oracle.assign(month=str(month)))
    truth = pd.concat(parts, ignore_index=True).set_index(["month", "user_id"])
    keys = pd.MultiIndex.from_arrays([rows[str(spec.month_column)].astype(str),
                                      rows[spec.id_column]])  # fmt: skip
    aligned = truth.reindex(keys)
    return None if aligned["p_default"].isna().any() else aligned.reset_index(drop=True)


def simulated_accepted(
    rows: pd.DataFrame, truth: pd.DataFrame, spec: DatasetSpec, config: TrainingConfig
) -> np.ndarray:
    """Whom the past policy accepted: the oracle's record, else the simulated policy."""
    if "accepted" in truth:
        return truth["accepted"].fillna(False).to_numpy(bool)
    return past_policy_accepts(rows[spec.id_column].reset_index(drop=True),
                               truth["p_default"].to_numpy(), truth["p_took_card"].to_numpy(),
                               seed=config.seed)  # fmt: skip


def parcel(
    model: Scorecard, accepted: pd.DataFrame, y: np.ndarray, rejects: pd.DataFrame,
    inflation: float, seed: int,
) -> np.ndarray:  # fmt: skip
    """Default labels drawn for the rejects at their score band's accepted rate x inflation."""
    scores = model.points(accepted)
    edges = np.unique(np.quantile(scores, np.linspace(0, 1, N_BANDS + 1)[1:-1]))
    band = np.searchsorted(edges, scores, side="right")
    rates = np.bincount(band, weights=y, minlength=len(edges) + 1) / np.maximum(
        np.bincount(band, minlength=len(edges) + 1), 1)  # fmt: skip
    reject_band = np.searchsorted(edges, model.points(rejects), side="right")
    p = np.clip(rates[reject_band] * inflation, 0.0, 1.0)
    return (np.random.default_rng(seed).random(len(p)) < p).astype(float)


def expected_roc_auc(score: np.ndarray, p_true: np.ndarray) -> float:
    """ROC-AUC against outcomes drawn from ``p_true``, in expectation (each row counted as a
    default with weight p and as a non-default with weight 1 - p)."""
    y = np.r_[np.ones(len(score)), np.zeros(len(score))]
    return float(roc_auc_score(y, np.r_[score, score], sample_weight=np.r_[p_true, 1 - p_true]))


def judge(model: Scorecard, X: pd.DataFrame, p_true: np.ndarray) -> dict[str, Any]:
    """A scorecard on the prospects against the oracle: ROC-AUC, calibration, list error."""
    pd_ = model.predict_proba(X)[:, 1]
    grades = pd.DataFrame({"grade": model.grade(X), "expected": pd_, "true": p_true})
    per_grade = grades.groupby("grade").agg(count=("true", "size"), expected=("expected", "mean"),
                                            true=("true", "mean")).reset_index()  # fmt: skip
    gap = np.average(np.abs(per_grade["expected"] - per_grade["true"]), weights=per_grade["count"])
    kept = pd_ <= LIST_MAX_PD
    expected = float(pd_[kept].mean()) if kept.any() else None
    true = float(p_true[kept].mean()) if kept.any() else None
    listed = {
        "rows": int(kept.sum()), "expected_default_rate": expected, "true_default_rate": true,
        "error": expected - true if expected is not None and true is not None else None,
    }  # fmt: skip
    return {
        "roc_auc": expected_roc_auc(pd_, p_true),
        "calibration": per_grade.to_dict("records"),
        "calibration_error": float(gap),
        "list": listed,
    }


def choose(results: dict[str, dict[str, Any]]) -> str:
    """Smallest absolute list error within ``MAX_AUC_LOSS`` of the best ROC-AUC; ties: none."""
    best_auc = max(r["roc_auc"] for r in results.values())
    fair = {n: r for n, r in results.items() if r["roc_auc"] >= best_auc - MAX_AUC_LOSS}

    def cost(name: str) -> tuple[float, int]:
        error = fair[name]["list"]["error"]
        return (abs(error) if error is not None else np.inf, name != NONE)

    return min(fair, key=cost)


def compare(
    train: pd.DataFrame, test: pd.DataFrame, spec: DatasetSpec, config: TrainingConfig,
    data_dir: Path,
) -> tuple[dict[str, Any], Scorecard | None]:  # fmt: skip
    """The card's ``reject_inference`` section, and the chosen scorecard when the data's own
    labels are selected (None otherwise: the bundle keeps its scorecard)."""
    config = config.resolved(spec)  # label names from the spec where the config names none
    observed = bool(train[config.risk_label].isna().any())
    train_truth, test_truth = _truth(train, spec, data_dir), _truth(test, spec, data_dir)
    if test_truth is None or (train_truth is None and not observed):
        return {"available": False, "reason": NO_ORACLE}, None
    features = spec.feature_columns
    if observed:
        accepted = train[config.risk_label].notna().to_numpy()
        prospects = test[config.risk_label].isna().to_numpy()
    else:
        accepted = simulated_accepted(train, train_truth, spec, config)
        prospects = ~simulated_accepted(test, test_truth, spec, config)
    X_acc = train.loc[accepted, features]
    y_acc = train.loc[accepted, config.risk_label].to_numpy(float)
    rejects = train.loc[~accepted, features]
    if len(rejects) == 0 or prospects.sum() < 2 or len(np.unique(y_acc)) < 2:
        reason = (
            f"{len(rejects)} rejected training rows, {int(prospects.sum())} prospects and "
            f"{len(np.unique(y_acc))} default class(es) among the accepted: nothing to infer"
        )
        return {"available": False, "reason": reason}, None
    models = {NONE: build_scorecard(spec, n_grades=config.n_grades).fit(X_acc, y_acc)}
    for name, inflation in INFLATIONS.items():
        y_rej = parcel(models[NONE], X_acc, y_acc, rejects, inflation, config.seed)
        X_all = pd.concat([X_acc, rejects], ignore_index=True)
        models[name] = build_scorecard(spec, n_grades=config.n_grades).fit(
            X_all, np.r_[y_acc, y_rej])  # fmt: skip
    X_pro, p_true = test.loc[prospects, features], test_truth["p_default"].to_numpy()[prospects]
    results = {name: judge(model, X_pro, p_true) for name, model in models.items()}
    chosen = choose(results)
    reference = None
    if not observed:  # what the selection costs: the same scorecard fitted on every label
        labelled = train[config.risk_label].notna().to_numpy()
        every = build_scorecard(spec, n_grades=config.n_grades).fit(
            train.loc[labelled, features], train.loc[labelled, config.risk_label].to_numpy(float)
        )
        reference = judge(every, X_pro, p_true)
    logger.info("reject inference: chose %s (%s labels)", chosen,
                "observed" if observed else "simulated")  # fmt: skip
    section = {
        "available": True,
        "labels": "observed" if observed else "simulated past policy",
        "method": "parcelling by score decile (inflation x1.0, x1.5)",
        "accepted_rows": int(accepted.sum()), "rejected_rows": int((~accepted).sum()),
        "accepted_default_rate": float(y_acc.mean()),
        "prospect_rows": int(prospects.sum()),
        "oracle_roc_auc": expected_roc_auc(p_true, p_true),
        "list_max_pd": LIST_MAX_PD, "max_auc_loss": MAX_AUC_LOSS,
        "results": results, "chosen": chosen, "every_label_reference": reference,
        "bundle_uses": chosen if observed else "every observed label (no selection to correct)",
    }  # fmt: skip
    return section, (models[chosen] if observed else None)
