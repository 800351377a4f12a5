"""Scorecard: a WOE binner and a linear classifier composed, scaled to points.

Total score = ``base_points_`` + the points of each selected feature's bin, where a bin's
points are ``-factor`` times its contribution to the event log-odds (``coef * WOE`` with WOE
coding, the bin's own coefficient with indicator coding) and
``base_points_ = offset - factor * intercept``.
Dimension sub-scores are sums of feature points, so they add up to the total minus
``base_points_`` (the base is reported as its own column).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from risk import grades, reasons
from risk._validation import as_frame, binary_target
from risk.coding import CODINGS, bin_coefficients, design_matrix
from risk.exceptions import ScorecardError
from risk.scaling import PDOScaling
from risk.selection import select_features
from risk.woe_binner import WOEBinner

OTHER = "other"


class Scorecard(ClassifierMixin, BaseEstimator):
    """Points scorecard with reason codes, dimension sub-scores and A-E grades.

    Parameters
    ----------
    binner : WOEBinner, optional
        Unfitted binner (cloned in ``fit``); ``WOEBinner()`` by default.
    estimator : classifier with ``coef_`` and ``intercept_``, optional
        Fitted on the coded bins; ``LogisticRegression(C=0.1, max_iter=2000)`` by default
        (the mild penalty keeps per-bin coefficients stable on small samples).
    coding : {"woe", "indicator"}, default="indicator"
        One WOE column per feature, or one indicator column per bin (see ``risk.coding``).
    scaling : PDOScaling, optional
        Points scaling; 600 points at 50:1, 20 points to double the odds by default.
    min_iv, max_correlation : float
        Feature selection: minimum IV, maximum absolute WOE correlation with a kept feature.
    dimensions : dict of str to list of str, optional
        Dimension name -> features, for :meth:`score_by_dimension`.
    n_grades : int, default=5
        Number of risk grades (A is the best).
    """

    def __init__(
        self,
        *,
        binner: WOEBinner | None = None,
        estimator: BaseEstimator | None = None,
        coding: str = "indicator",
        scaling: PDOScaling | None = None,
        min_iv: float = 0.02,
        max_correlation: float = 0.8,
        dimensions: Mapping[str, Sequence[str]] | None = None,
        n_grades: int = 5,
    ) -> None:
        self.binner = binner
        self.estimator = estimator
        self.coding = coding
        self.scaling = scaling
        self.min_iv = min_iv
        self.max_correlation = max_correlation
        self.dimensions = dimensions
        self.n_grades = n_grades

    def fit(self, X: pd.DataFrame, y: ArrayLike) -> Scorecard:
        """Bin, select features, fit the estimator on the coded bins, scale, band grades."""
        frame = as_frame(X)
        target = binary_target(y, len(frame))
        self._check_params()
        self.binner_ = clone(self.binner) if self.binner is not None else WOEBinner()
        woe = self.binner_.fit(frame, target).transform(frame)
        self.feature_names_in_ = self.binner_.feature_names_in_
        self.n_features_in_ = self.binner_.n_features_in_
        self.selected_ = select_features(woe, self.binner_.iv_, min_iv=self.min_iv,
                                         max_correlation=self.max_correlation)  # fmt: skip
        if not self.selected_:
            raise ScorecardError(f"no feature has IV >= min_iv={self.min_iv}; lower min_iv.")
        tables = {f: self.binner_.bins_[f].woe for f in self.selected_}
        idx = self.binner_.bin_indices(frame)[self.selected_]
        self.estimator_ = self._fit_estimator(design_matrix(idx, tables, self.coding), target)
        self.classes_ = np.array([0, 1])
        self.scaling_ = self.scaling if self.scaling is not None else PDOScaling()
        contrib = bin_coefficients(self.estimator_.coef_.ravel(), tables, self.coding)
        self.bin_points_ = {f: -self.scaling_.factor * c for f, c in contrib.items()}
        self.base_points_ = float(self.scaling_.score(-self.estimator_.intercept_[0]))
        self.points_table_ = self._points_table()
        scores = self.score(frame)
        self.grade_cuts_ = grades.fit_grade_cuts(scores, self.n_grades)
        self.grade_table_ = grades.grade_table(scores, target, self.grade_cuts_)
        return self

    def _check_params(self) -> None:
        if self.coding not in CODINGS:
            raise ValueError(f"coding must be 'woe' or 'indicator'; got {self.coding!r}.")
        if self.scaling is not None and not isinstance(self.scaling, PDOScaling):
            raise TypeError(f"scaling must be a PDOScaling; got {type(self.scaling).__name__}.")
        if not 0 < self.max_correlation <= 1:
            raise ValueError(f"max_correlation must be in (0, 1]; got {self.max_correlation!r}.")
        if self.min_iv < 0:
            raise ValueError(f"min_iv must be >= 0; got {self.min_iv!r}.")
        grades.grade_labels(self.n_grades)

    def _fit_estimator(self, design: object, y: np.ndarray) -> BaseEstimator:
        default = LogisticRegression(C=0.1, max_iter=2000)
        base = self.estimator if self.estimator is not None else default
        est = clone(base).fit(design, y)
        if not (hasattr(est, "coef_") and hasattr(est, "intercept_")):
            raise TypeError(
                f"estimator must be a linear classifier with coef_ and intercept_; "
                f"got {type(base).__name__}."
            )
        return est

    def _points_table(self) -> pd.DataFrame:
        rows = []
        for feature in self.selected_:
            table = self.binner_.bins_[feature]
            points = self.bin_points_[feature]
            for label, woe, pts in zip(table.labels, table.woe, points, strict=True):
                rows.append({"feature": feature, "bin": label, "woe": woe, "points": pts})
        return pd.DataFrame(rows)

    def feature_points(self, X: pd.DataFrame) -> pd.DataFrame:
        """Points of each selected feature for each row (the total less the base points)."""
        check_is_fitted(self, "estimator_")
        idx = self.binner_.bin_indices(as_frame(X))[self.selected_]
        data = {f: np.append(self.bin_points_[f], 0.0)[idx[f].to_numpy()] for f in idx.columns}
        return pd.DataFrame(data, index=idx.index, columns=self.selected_)

    def score(self, X: pd.DataFrame) -> np.ndarray:  # type: ignore[override]
        """Total points of each row (higher = safer)."""
        check_is_fitted(self, "estimator_")
        return self.base_points_ + self.feature_points(X).sum(axis=1).to_numpy()

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the event (bad)."""
        return (self.scaling_.offset - self.score(X)) / self.scaling_.factor

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Columns P(good), P(bad); the second is the PD."""
        pd_ = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - pd_, pd_])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)

    def grade(self, X: pd.DataFrame) -> np.ndarray:
        """Risk grade letter (A best) of each row, from the training score bands."""
        return grades.assign_grades(self.score(X), self.grade_cuts_)

    def reason_codes(
        self, X: pd.DataFrame, n: int = 4, descriptions: Mapping[str, str] | None = None
    ) -> pd.DataFrame:
        """The ``n`` features costing each row most points against their best bin, as text."""
        frame = as_frame(X)
        points = self.feature_points(frame)
        best = self.points_table_.groupby("feature")["points"].max()
        idx = self.binner_.bin_indices(frame)[self.selected_]
        labels = pd.DataFrame(
            {f: np.append(self.binner_.bins_[f].labels, "unseen")[idx[f]] for f in idx},
            index=frame.index,
        )
        return reasons.reason_codes(points, best, labels, n=n, descriptions=descriptions)

    def score_by_dimension(
        self, X: pd.DataFrame, dimensions: Mapping[str, Sequence[str]] | None = None
    ) -> pd.DataFrame:
        """Points per dimension plus ``base`` and ``total`` columns (dimensions + base = total).

        Selected features in no dimension are summed in an ``other`` column.
        """
        groups = self._dimension_groups(dimensions if dimensions is not None else self.dimensions)
        points = self.feature_points(X)
        out = pd.DataFrame(index=points.index)
        for name, features in groups.items():
            out[name] = points[features].sum(axis=1)
        out["base"] = self.base_points_
        out["total"] = self.base_points_ + points.sum(axis=1)
        return out

    def _dimension_groups(
        self, dimensions: Mapping[str, Sequence[str]] | None
    ) -> dict[str, list[str]]:
        check_is_fitted(self, "estimator_")
        if not dimensions:
            raise ValueError("dimensions must map dimension names to features; got none.")
        listed = [f for fs in dimensions.values() for f in fs]
        unknown = sorted(set(listed) - set(self.binner_.features_))
        if unknown:
            raise ValueError(f"dimensions name features the scorecard never saw: {unknown}.")
        if len(listed) != len(set(listed)):
            raise ValueError("dimensions must not list a feature in two dimensions.")
        chosen = set(self.selected_)
        groups = {d: [f for f in fs if f in chosen] for d, fs in dimensions.items()}
        rest = [f for f in self.selected_ if f not in set(listed)]
        if rest:
            groups[OTHER] = rest
        return groups
