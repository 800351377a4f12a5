"""Fitting the learnable parts on the training months of a canonical frame.

The propensity model learns from rows whose demand label is known (existing card holders have
none), the scorecard and its challenger from the same rows with a known default outcome, the
segmenter from a sample. The challenger is fitted only to be reported beside the scorecard.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from prospect.model import PropensityModel
from prospect.personas import build_segmenter
from prospect.riskmodel import build_challenger, build_scorecard, labelled
from prospect.spec import DatasetSpec
from prospect.training.config import TrainingConfig
from prospect.training.exceptions import TrainingDataError
from risk import Challenger, Scorecard
from segmentation import PersonaSegmenter

logger = logging.getLogger(__name__)


def labelled_rows(frame: pd.DataFrame, label: str) -> tuple[pd.DataFrame, pd.Series]:
    """Rows whose ``label`` is known, and that label; both classes must be present."""
    known = frame[frame[label].notna()]
    if known[label].nunique() < 2:
        raise TrainingDataError(
            f"label {label!r} needs both classes among the training rows; "
            f"got {len(known)} labelled rows with values {sorted(known[label].unique())}."
        )
    return known, known[label]


def fit_segmenter(
    train: pd.DataFrame, spec: DatasetSpec, config: TrainingConfig
) -> PersonaSegmenter:
    """Personas fitted on a seeded sample of the training rows."""
    params: dict[str, Any] = {
        "n_clusters": config.n_personas,
        "k_range": tuple(config.k_range),
        "sample_size": config.segment_sample,
        "selection_size": min(4_000, config.segment_sample),
        "random_state": config.seed,
    }
    return build_segmenter(spec, **params).fit(train)


def fit_propensity(
    train: pd.DataFrame, spec: DatasetSpec, config: TrainingConfig
) -> PropensityModel:
    """Calibrated card-demand model on the rows with a known demand label."""
    rows, y = labelled_rows(train, config.demand_label)
    model = PropensityModel.from_spec(
        spec,
        strategy=config.strategy,
        calibration=config.calibration,
        calibration_cv=config.calibration_cv,
        xgb_params=config.xgb_params or None,
        random_state=config.seed,
    )
    return model.fit(rows[spec.feature_columns], y)


def fit_scorecard(train: pd.DataFrame, spec: DatasetSpec, config: TrainingConfig) -> Scorecard:
    """Points scorecard on the rows with a known default outcome."""
    rows, y = labelled_rows(train, config.risk_label)
    scorecard = build_scorecard(spec, n_grades=config.n_grades)
    return scorecard.fit(rows[spec.feature_columns], y.to_numpy(float))


def fit_challenger(train: pd.DataFrame, spec: DatasetSpec, config: TrainingConfig) -> Challenger:
    """Monotone XGBoost challenger on the scorecard's rows, label and seed (never bundled)."""
    X, y = labelled(train, spec, config.risk_label)
    return build_challenger(spec, random_state=config.seed).fit(X, y)
