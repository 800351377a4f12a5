"""Post-hoc calibration on held-out folds: resampling and reweighting distort probabilities.

``CalibratedClassifierCV(ensemble=False)`` fits the calibrator on out-of-fold predictions
and refits one model on all rows, so scoring and SHAP explanations use a single booster.
"""

from __future__ import annotations

from typing import Any

from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold

CALIBRATIONS = ("isotonic", "sigmoid", None)


def check_calibration(calibration: object) -> str | None:
    """Return ``calibration`` if known, else raise naming the allowed values."""
    if calibration not in CALIBRATIONS:
        raise ValueError(f"calibration must be 'isotonic', 'sigmoid' or None; got {calibration!r}.")
    return calibration  # type: ignore[return-value]


def check_cv(cv: object) -> int:
    if isinstance(cv, bool) or not isinstance(cv, int):
        raise TypeError(f"calibration_cv must be an int; got {type(cv).__name__}.")
    if cv < 2:
        raise ValueError(f"calibration_cv must be at least 2; got {cv}.")
    return cv


def calibrated(estimator: Any, method: str, cv: int, random_state: int | None) -> Any:
    """Wrap ``estimator`` so its probabilities are calibrated on ``cv`` held-out folds."""
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    return CalibratedClassifierCV(estimator, method=method, cv=folds, ensemble=False)


def refitted_estimator(calibrated_model: Any) -> Any:
    """The single model refitted on all training rows inside a fitted calibrator."""
    return calibrated_model.calibrated_classifiers_[0].estimator
