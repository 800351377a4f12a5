"""Assembling the model card's dict: data, test metrics, folds, months, oracle, charts.

Kept apart from fitting so that the evaluation of a bundle can be read in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from prospect.model import PropensityModel, metrics
from prospect.riskmodel import reason_labels
from prospect.spec import DatasetSpec
from prospect.training import evaluate as ev
from prospect.training.charts import calibration_chart, lift_gain_chart
from prospect.training.config import TrainingConfig
from prospect.training.data import TrainingData
from prospect.training.fit import fit_challenger, fit_propensity, fit_scorecard
from prospect.training.score_benchmark import score_benchmark
from risk import Challenger, Scorecard
from risk.scorecard import points_follow_risk

LIFT_GAIN_PNG = "lift_gain.png"
POINTS_CSV, POINTS_XLSX, POINTS_SQL = (
    "scorecard_points.csv",
    "scorecard_points.xlsx",
    "scorecard.sql",
)
CALIBRATION_PNG = "calibration.png"


@dataclass(frozen=True)
class CardModels:
    """The models a card measures: the bundle's propensity model and scorecard, and the
    challenger, which is fitted only to be reported beside the scorecard (never bundled).
    Without a risk label there is neither (both None) and the card's risk figures are empty."""

    propensity: PropensityModel | None
    scorecard: Scorecard | None
    challenger: Challenger | None

    def pd_models(self) -> dict[str, Scorecard | Challenger]:
        """The PD models present, by the name the card reports them under."""
        named = {"scorecard": self.scorecard, "challenger": self.challenger}
        return {name: model for name, model in named.items() if model is not None}

    def pd_metrics(self, rows: pd.DataFrame, label: str) -> dict[str, dict[str, Any]]:
        """:func:`~prospect.training.evaluate.pd_metrics` of the scorecard and the challenger,
        empty figures for a model the bundle has not, or without a risk label to measure by
        (a scorecard taken from another bundle)."""
        models = self.pd_models()
        return {
            name: ev.pd_metrics(models[name], rows, label)
            if name in models and label
            else dict.fromkeys(ev.RISK_KEYS)
            for name in ("scorecard", "challenger")
        }


def fit_card_models(train: pd.DataFrame, spec: DatasetSpec, config: TrainingConfig) -> CardModels:
    """Propensity model, scorecard and challenger refitted on one fold's training months."""
    risk = config.has_risk_label
    return CardModels(
        fit_propensity(train, spec, config) if config.has_demand_label else None,
        fit_scorecard(train, spec, config) if risk else None,
        fit_challenger(train, spec, config) if risk else None,
    )


def check_folds(config: TrainingConfig, months: list[str]) -> None:
    """Each fold needs a month to train on before its test month."""
    if config.n_folds > len(months) - 1:
        raise ValueError(
            f"n_folds must be at most {len(months) - 1} for {len(months)} months; "
            f"got {config.n_folds}."
        )


def time_folds(
    models: CardModels, data: TrainingData, spec: DatasetSpec, config: TrainingConfig,
    on_fold: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Fold ``i`` tests one of the last ``n_folds`` months on models fitted on the months
    before it; the last fold is the bundle's own models on the test month (no refit)."""
    months = data.months
    check_folds(config, months)
    month_col = str(spec.month_column)
    folds = []
    for i, test_month in enumerate(months[-config.n_folds :], start=1):
        train_months = [m for m in months if m < test_month]
        fold = models
        if test_month != data.test_month:
            if on_fold is not None:
                on_fold(test_month)
            train = data.frame[data.frame[month_col].isin(train_months)]
            fold = fit_card_models(train, spec, config)
        test = data.frame[data.frame[month_col] == test_month]
        folds.append({
            "fold": i, "train_months": train_months, "test_month": test_month,
            "propensity": ev.propensity_metrics(fold.propensity, test, config.demand_label),
            **fold.pd_metrics(test, config.risk_label),
        })  # fmt: skip
    return folds


def test_month_card(
    models: CardModels, data: TrainingData, spec: DatasetSpec, config: TrainingConfig,
    data_dir: Path, chart_dir: Path,
) -> dict[str, Any]:  # fmt: skip
    """Test-month metrics, oracle comparison, lift/gain and calibration tables and charts."""
    test = data.test(str(spec.month_column))
    pds = {
        name: model.predict_proba(test[spec.feature_columns])[:, 1]
        for name, model in models.pd_models().items()
    }
    demand = _demand_card(models.propensity, test, config, chart_dir)
    p_demand = demand.pop("p_demand")
    return {
        "metrics": {
            "propensity": demand.pop("propensity"),
            **models.pd_metrics(test, config.risk_label),
            "oracle": None
            if p_demand is None
            else ev.oracle_comparison(data_dir, test, spec, config, p_demand, pds),
        },
        "score_benchmark": score_benchmark(test, spec, config, p_demand, pds.get("scorecard")),
        **demand,
        "top_features": {
            "propensity": []
            if models.propensity is None
            else ev.top_propensity_features(models.propensity, test, config.seed),
            "scorecard": []
            if models.scorecard is None
            else ev.top_scorecard_features(models.scorecard),
        },
        "scorecard": None
        if models.scorecard is None
        else scorecard_section(models.scorecard, test, spec, chart_dir),
    }


def _demand_card(
    propensity: PropensityModel | None, test: pd.DataFrame, config: TrainingConfig, out: Path
) -> dict[str, Any]:
    """The propensity model's test-month figures, lift/gain and calibration tables and charts;
    empty for a scorecard-only bundle (its table has no demand label)."""
    if propensity is None:
        return {"p_demand": None, "propensity": dict.fromkeys(ev.PROPENSITY_KEYS),
                "lift_gain": [], "calibration": [],
                "charts": {"lift_gain": None, "calibration": None}}  # fmt: skip
    p_demand = propensity.predict_proba(test)[:, 1]
    known = test[config.demand_label].notna().to_numpy()
    y = test[config.demand_label].to_numpy()[known]
    lift_gain = ev.lift_gain_table(y, p_demand[known])
    calibration = metrics.reliability_table(y, p_demand[known]).to_dict("records")
    return {
        "p_demand": p_demand,
        "propensity": metrics.summary(y, p_demand[known]),
        "lift_gain": lift_gain,
        "calibration": calibration,
        "charts": {
            "lift_gain": lift_gain_chart(lift_gain, out / LIFT_GAIN_PNG).name,
            "calibration": calibration_chart(calibration, out / CALIBRATION_PNG).name,
        },
    }


def scorecard_section(
    scorecard: Scorecard, test: pd.DataFrame, spec: DatasetSpec, out_dir: Path
) -> dict[str, Any]:
    """What a model-risk team signs: points per bin (also written as CSV, Excel and SQL beside
    the card), whether points follow the risk, and how first reasons spread on the test month."""
    labels = reason_labels(spec)
    scorecard.export_points_table(str(out_dir / POINTS_CSV), labels=labels)
    scorecard.export_points_table(str(out_dir / POINTS_XLSX), labels=labels)
    (out_dir / POINTS_SQL).write_text(scorecard.export_sql(table="subscribers") + "\n",
                                      encoding="utf-8")  # fmt: skip
    shares = scorecard.first_reason_shares(test[spec.feature_columns])
    monotone = all(points_follow_risk(scorecard.binner_.bins_[f], scorecard.bin_points_[f])
                   for f in scorecard.selected_)  # fmt: skip
    return {
        "coding": scorecard.coding, "points_follow_risk": monotone,
        "base_points": scorecard.base_points_,
        "reason_reference": scorecard.reason_reference,
        "reason_min_share": scorecard.reason_min_share,
        "first_reasons": [{"feature": str(f), "label": labels.get(str(f), str(f)),
                           "share": float(v)} for f, v in shares.items()],
        "points_table": _records(scorecard.deployment_table(labels)),
        "files": {"csv": POINTS_CSV, "excel": POINTS_XLSX, "sql": POINTS_SQL},
    }  # fmt: skip


def data_section(data: TrainingData, spec: DatasetSpec, config: TrainingConfig) -> dict:
    """What the models were fitted and tested on: files, checksums, months and label counts."""
    month_col = str(spec.month_column)
    labels: dict[str, tuple[str, str]] = {}
    if config.has_demand_label:
        labels |= {"demand_labelled": (config.demand_label, "count"),
                   "demand_rate": (config.demand_label, "mean")}  # fmt: skip
    if config.has_risk_label:
        labels |= {"risk_labelled": (config.risk_label, "count"),
                   "default_rate": (config.risk_label, "mean")}  # fmt: skip
    counts = data.frame.groupby(month_col).agg(rows=(spec.id_column, "size"), **labels)
    return {
        "files": data.files, "checksum": data.checksum, "train_months": data.train_months,
        "test_month": data.test_month, "rows": int(len(data.frame)),
        "months": _records(counts.reset_index()),
    }  # fmt: skip


def persona_records(segmenter: Any) -> list[dict[str, Any]]:
    """The segmenter's persona profiles as JSON-ready records (none without a segmenter)."""
    return [] if segmenter is None else _records(segmenter.profiles_)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): _plain(v) for k, v in row.items()} for row in clean.to_dict("records")]


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
