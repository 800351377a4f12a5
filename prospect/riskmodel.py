"""Risk scoring wired to a dataset spec: the scorecard's features, categorical columns,
dimension groups and readable reason texts all come from the spec, so the ``risk`` library
never sees a column name of its own.
"""

from __future__ import annotations

from collections.abc import Mapping

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


def reason_labels(spec: DatasetSpec, labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """Readable name of every column for adverse-action reasons: the given ``labels``
    (feature -> label), else the column's readable name in the spec (title, else
    description, else name)."""
    given = labels or {}
    return {c.name: str(given.get(c.name) or c.readable) for c in spec.columns}


def score_frame(
    scorecard: Scorecard, frame: pd.DataFrame, spec: DatasetSpec, *, n_reasons: int = 4,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Per subscriber: id, ``pd``, ``score_points``, ``grade``, ``reasons`` (list of str) and
    ``points_<dimension>`` columns (dimension points + ``points_base`` = total; only
    ``points_base`` for a spec without dimensions). The scorecard's :meth:`Scorecard.assess`
    is the one scoring path; the bundle and the monthly run call it too."""
    X = frame[spec.feature_columns]
    out = pd.DataFrame({spec.id_column: frame[spec.id_column].to_numpy()}, index=frame.index)
    scored = scorecard.assess(X, n_reasons=n_reasons, labels=reason_labels(spec, labels),
                              dimensions=spec.dimensions() or None)  # fmt: skip
    return pd.concat([out, scored], axis=1)


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
    points = scorecard.points(reference[spec.feature_columns])
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
    points = scorecard.points(current[spec.feature_columns])
    return profile.report(stability_counts(profile, current, points))
