"""Risk scoring wired to a dataset spec: the scorecard's features, categorical columns,
dimension groups and readable reason texts all come from the spec, so the ``risk`` library
never sees a column name of its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prospect.spec import DatasetSpec
from risk import Challenger, Scorecard, ScoreRegressor, StabilityProfile, WOEBinner
from risk.monitoring import SCORE, Counts

RISK_LABEL = "defaulted"


def build_binner(spec: DatasetSpec) -> WOEBinner:
    """Binner over the spec's feature columns, with its categorical columns as categories and
    each column's missing-value sentinels and special values in bins of their own."""
    return WOEBinner(
        features=spec.feature_columns,
        categorical_features=spec.categorical_features,
        special_values=spec.special_value_map or None,
    )


def build_scorecard(spec: DatasetSpec, *, n_grades: int = 5) -> Scorecard:
    """Unfitted scorecard whose dimension sub-scores follow ``spec.dimensions()``."""
    return Scorecard(binner=build_binner(spec), dimensions=spec.dimensions(), n_grades=n_grades)


def build_challenger(spec: DatasetSpec, *, random_state: int = 0) -> Challenger:
    """Unfitted monotone XGBoost challenger over the same features."""
    return Challenger(binner=build_binner(spec), random_state=random_state)


def labelled(
    frame: pd.DataFrame, spec: DatasetSpec, label: str = RISK_LABEL
) -> tuple[pd.DataFrame, np.ndarray]:
    """Feature columns and the 0/1 label of the rows whose label is known."""
    if label not in spec.label_columns:
        raise ValueError(f"label must be one of {spec.label_columns}; got {label!r}.")
    known = frame[label].notna()
    return frame.loc[known, spec.feature_columns], frame.loc[known, label].to_numpy(float)


def fit_scorecard(frame: pd.DataFrame, spec: DatasetSpec, label: str = RISK_LABEL) -> Scorecard:
    """Fit the spec's scorecard on the labelled rows of a canonical frame."""
    X, y = labelled(frame, spec, label)
    return build_scorecard(spec).fit(X, y)


def fit_score_regressor(
    frame: pd.DataFrame, spec: DatasetSpec, label: str = "credit_score", *, random_state: int = 0
) -> ScoreRegressor:
    """Fit the credit-score regressor (DCIC-style score label) on rows whose score is known."""
    known = frame[label].notna()
    model = ScoreRegressor(categorical_features=spec.categorical_features,
                           random_state=random_state)  # fmt: skip
    return model.fit(frame.loc[known, spec.feature_columns], frame.loc[known, label])


def score_frame(
    scorecard: Scorecard, frame: pd.DataFrame, spec: DatasetSpec, *, n_reasons: int = 4
) -> pd.DataFrame:
    """Per subscriber: ``pd``, ``score_points``, ``risk_grade``, ``reasons`` (texts joined by
    "; ") and ``points_<dimension>`` columns (dimension points + ``points_base`` = total)."""
    X = frame[spec.feature_columns]
    descriptions = {c.name: c.description or c.name for c in spec.columns}
    reasons = scorecard.reason_codes(X, n=n_reasons, descriptions=descriptions)
    dims = scorecard.score_by_dimension(X).add_prefix("points_")
    out = pd.DataFrame({spec.id_column: frame[spec.id_column].to_numpy()}, index=frame.index)
    out["pd"] = scorecard.predict_proba(X)[:, 1]
    out["score_points"] = dims.pop("points_total")
    out["risk_grade"] = scorecard.grade(X)
    out["reasons"] = reasons.apply(lambda r: "; ".join(t for t in r if t), axis=1)
    return pd.concat([out, dims], axis=1)


def stability_frame(
    frame: pd.DataFrame, score_points: np.ndarray, features: list[str]
) -> pd.DataFrame:
    """The monitored columns of a month: ``features`` and the score points as ``score``."""
    out = pd.DataFrame({f: frame[f] for f in features}, index=frame.index)
    out[SCORE] = np.asarray(score_points, dtype=float)
    return out


def stability_profile(
    scorecard: Scorecard, reference: pd.DataFrame, spec: DatasetSpec
) -> StabilityProfile:
    """Reference profile of the scorecard's population: the score points and the features the
    scorecard selected, binned on ``reference`` (its training rows), so a run can tell whether
    the population it scores has moved away from the one the points were fitted on."""
    features = list(scorecard.selected_)
    points = scorecard.score(reference[spec.feature_columns])
    return StabilityProfile.build(stability_frame(reference, points, features), [SCORE, *features])


def stability_counts(
    profile: StabilityProfile, frame: pd.DataFrame, score_points: np.ndarray
) -> Counts:
    """Counts of a scored month (or partition) in the profile's bins; they add up."""
    features = [n for n in profile.names if n != SCORE]
    return profile.count(stability_frame(frame, score_points, features))


def stability(
    scorecard: Scorecard, reference: pd.DataFrame, current: pd.DataFrame, spec: DatasetSpec
) -> pd.DataFrame:
    """PSI of the score and of every scorecard feature between a reference frame and a new
    month (score first, then worst first)."""
    profile = stability_profile(scorecard, reference, spec)
    points = scorecard.score(current[spec.feature_columns])
    return profile.report(stability_counts(profile, current, points))
