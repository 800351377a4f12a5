"""Scorecard: a WOE binner and a linear classifier composed, scaled to points.

Total score = ``base_points_`` + the points of each selected feature's bin, where a bin's
points are ``-factor`` times its contribution to the event log-odds and
``base_points_ = offset - factor * intercept``. With the default step coding and
:class:`~risk.stepwise_regression.StepwiseLogisticRegression`, a bin with a higher default
rate (lower WOE) never scores more points than a bin with a lower one, on every feature.
Every scoring method goes through one :class:`~risk.points_lookup.PointsLookup`, so points,
PD, grades, reasons and dimension sub-scores always agree, and
:meth:`Scorecard.export_sql` gives the same points in a database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from risk import export, grades, reasons
from risk._validation import BinaryTargetMixin, as_frame, binary_target
from risk.coding import CODINGS, bin_coefficients, design_matrix, event_rates
from risk.exceptions import ScorecardError
from risk.feature_bins import FeatureBins
from risk.points_lookup import PointsLookup
from risk.scaling import PDOScaling
from risk.selection import select_features
from risk.stepwise_regression import StepwiseLogisticRegression
from risk.woe_binner import WOEBinner

OTHER = "other"
MONOTONE_TOLERANCE = 1e-9  # points; rounding noise of the cumulative sums


class Scorecard(BinaryTargetMixin, ClassifierMixin, BaseEstimator):
    """Points scorecard with reason codes, dimension sub-scores and A-E grades.

    Parameters
    ----------
    binner : WOEBinner, optional
        Unfitted binner (cloned in ``fit``); ``WOEBinner()`` by default.
    estimator : classifier with ``coef_`` and ``intercept_``, optional
        Fitted on the coded bins. By default ``StepwiseLogisticRegression(C=0.3)`` for step
        coding (points follow the bins' risk) and ``LogisticRegression(C=0.1)`` otherwise.
    coding : {"step", "woe", "indicator"}, default="step"
        Cumulative steps in order of risk, one WOE column per feature, or one indicator per
        bin (see ``risk.coding``). Only "step" guarantees points that follow the risk on
        every feature; "indicator" lets a riskier bin score more points.
    scaling : PDOScaling, optional
        Points scaling; 600 points at 50:1, 20 points to double the odds by default.
    min_iv, max_correlation : float
        Feature selection: minimum IV, maximum absolute WOE correlation with a kept feature.
    dimensions : dict of str to list of str, optional
        Dimension name -> features, for :meth:`score_by_dimension` and :meth:`assess`.
    n_grades : int, default=5
        Number of risk grades (A is the best).
    reason_reference : {"best", "average"}, default="best"
        What a reason's lost points are measured against (see ``risk.reasons``).
    reason_min_share : float, default=0.05
        With ``"best"``: the smallest training share a bin needs to be the reference.
    """

    def __init__(
        self,
        *,
        binner: WOEBinner | None = None,
        estimator: BaseEstimator | None = None,
        coding: str = "step",
        scaling: PDOScaling | None = None,
        min_iv: float = 0.02,
        max_correlation: float = 0.8,
        dimensions: Mapping[str, Sequence[str]] | None = None,
        n_grades: int = 5,
        reason_reference: str = "best",
        reason_min_share: float = 0.05,
    ) -> None:
        self.binner = binner
        self.estimator = estimator
        self.coding = coding
        self.scaling = scaling
        self.min_iv = min_iv
        self.max_correlation = max_correlation
        self.dimensions = dimensions
        self.n_grades = n_grades
        self.reason_reference = reason_reference
        self.reason_min_share = reason_min_share

    def fit(self, X: pd.DataFrame, y: ArrayLike) -> Scorecard:
        """Bin, select features, fit the estimator on the coded bins, scale, band grades."""
        frame = as_frame(X)
        target = binary_target(y, len(frame), type(self).__name__)
        self._check_params()
        self.binner_ = clone(self.binner) if self.binner is not None else WOEBinner()
        woe = self.binner_.fit(frame, target).transform(frame)
        self.feature_names_in_ = self.binner_.feature_names_in_
        self.n_features_in_ = self.binner_.n_features_in_
        self.selected_ = select_features(woe, self.binner_.iv_, min_iv=self.min_iv,
                                         max_correlation=self.max_correlation)  # fmt: skip
        if not self.selected_:
            raise ScorecardError(f"no feature has IV >= min_iv={self.min_iv}; lower min_iv.")
        bins = {f: self.binner_.bins_[f] for f in self.selected_}
        idx = self.binner_.bin_indices(frame)[self.selected_]
        self.estimator_ = self._fit_estimator(design_matrix(idx, bins, self.coding), target)
        self.classes_ = np.array([0, 1])
        self.scaling_ = self.scaling if self.scaling is not None else PDOScaling()
        contrib = bin_coefficients(self.estimator_.coef_.ravel(), bins, self.coding)
        self.bin_points_ = {f: -self.scaling_.factor * c for f, c in contrib.items()}
        self._check_monotone()
        self.base_points_ = float(self.scaling_.score(-self.estimator_.intercept_[0]))
        self.reference_points_ = {
            f: reasons.reference_points(self.bin_points_[f], bins[f].counts,
                                        self.reason_reference, self.reason_min_share)
            for f in self.selected_
        }  # fmt: skip
        self.points_table_ = self._points_table()
        scores = self.points(frame)
        self.grade_cuts_ = grades.fit_grade_cuts(scores, self.n_grades)
        self.grade_table_ = grades.grade_table(scores, target, self.grade_cuts_)
        return self

    def _check_params(self) -> None:
        if self.coding not in CODINGS:
            raise ValueError(f"coding must be one of {CODINGS}; got {self.coding!r}.")
        if self.scaling is not None and not isinstance(self.scaling, PDOScaling):
            raise TypeError(f"scaling must be a PDOScaling; got {type(self.scaling).__name__}.")
        if not 0 < self.max_correlation <= 1:
            raise ValueError(f"max_correlation must be in (0, 1]; got {self.max_correlation!r}.")
        if self.min_iv < 0:
            raise ValueError(f"min_iv must be >= 0; got {self.min_iv!r}.")
        reasons.check_reference(self.reason_reference, self.reason_min_share)
        grades.grade_labels(self.n_grades)

    def _fit_estimator(self, design: object, y: np.ndarray) -> BaseEstimator:
        if self.estimator is not None:
            base = self.estimator
        elif self.coding == "step":
            base = StepwiseLogisticRegression(C=0.3)
        else:
            base = LogisticRegression(C=0.1, max_iter=2000)
        est = clone(base).fit(design, y)
        if not (hasattr(est, "coef_") and hasattr(est, "intercept_")):
            raise TypeError(
                f"estimator must be a linear classifier with coef_ and intercept_; "
                f"got {type(base).__name__}."
            )
        return est

    def _check_monotone(self) -> None:
        """With step coding, points must follow the risk; an estimator whose coefficients
        may turn positive (e.g. a plain LogisticRegression) breaks that promise."""
        if self.coding != "step":
            return
        bad = [
            f
            for f in self.selected_
            if not points_follow_risk(self.binner_.bins_[f], self.bin_points_[f])
        ]
        if bad:
            raise ScorecardError(
                f"coding='step' needs an estimator whose coefficients are <= 0 (such as "
                f"StepwiseLogisticRegression); {type(self.estimator_).__name__} gave a riskier "
                f"bin more points on {bad}."
            )

    def _points_table(self) -> pd.DataFrame:
        rows = []
        for feature in self.selected_:
            table = self.binner_.bins_[feature]
            rate = table.events / np.where(table.counts > 0, table.counts, 1)
            for j, label in enumerate(table.labels):
                rows.append({
                    "feature": feature, "bin": label, "count": int(table.counts[j]),
                    "event_rate": float(rate[j]) if table.counts[j] > 0 else np.nan,
                    "woe": float(table.woe[j]), "points": float(self.bin_points_[feature][j]),
                    "reference_points": self.reference_points_[feature],
                })  # fmt: skip
        return pd.DataFrame(rows)

    # --- the one scoring path -----------------------------------------------------------

    def lookup(self, labels: Mapping[str, str] | None = None) -> PointsLookup:
        """Flat points, shortfalls and reason texts (worded with ``labels``: feature ->
        readable name) through which every scoring method goes."""
        check_is_fitted(self, "bin_points_")
        return PointsLookup(self.binner_.bins_, self.bin_points_, self.reference_points_,
                            reasons.labels_for(self.selected_, labels))  # fmt: skip

    def _codes(self, X: pd.DataFrame, lookup: PointsLookup) -> np.ndarray:
        return lookup.codes(self.binner_._checked(X))

    def feature_points(self, X: pd.DataFrame) -> pd.DataFrame:
        """Points of each selected feature for each row (the total less the base points)."""
        lookup = self.lookup()
        points = lookup.feature_points(self._codes(X, lookup))
        return pd.DataFrame(points, index=as_frame(X).index, columns=self.selected_)

    def points(self, X: pd.DataFrame) -> np.ndarray:
        """Total points of each row (higher = safer)."""
        lookup = self.lookup()
        return lookup.total(self.base_points_, lookup.feature_points(self._codes(X, lookup)))

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Log-odds of the event (bad)."""
        return self._log_odds(self.points(X))

    def _log_odds(self, points: np.ndarray) -> np.ndarray:
        return (self.scaling_.offset - points) / self.scaling_.factor

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Columns P(good), P(bad); the second is the PD."""
        pd_ = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - pd_, pd_])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)

    def grade(self, X: pd.DataFrame) -> np.ndarray:
        """Risk grade letter (A best) of each row, from the training score bands."""
        return grades.assign_grades(self.points(X), self.grade_cuts_)

    def reason_codes(
        self, X: pd.DataFrame, n: int = 4, labels: Mapping[str, str] | None = None
    ) -> pd.DataFrame:
        """Columns ``reason_1 .. reason_n``: the features costing each row most points
        against their reference, as text (None where nothing more costs points)."""
        lookup = self.lookup(labels)
        texts = lookup.reasons(self._codes(X, lookup), n)
        return pd.DataFrame(texts, index=as_frame(X).index,
                            columns=[f"reason_{i + 1}" for i in range(n)])  # fmt: skip

    def first_reason_shares(self, X: pd.DataFrame) -> pd.Series:
        """Share of rows whose first reason is each feature (``(none)``: nothing cost
        points), largest first: how the reasons spread over a population."""
        lookup = self.lookup()
        codes = self._codes(X, lookup)
        shortfall = lookup.shortfall[codes]
        first = np.argmax(shortfall, axis=1)
        costly = shortfall[np.arange(len(codes)), first] > 1e-9
        names = np.where(costly, np.asarray(self.selected_, dtype=object)[first], "(none)")
        return pd.Series(names).value_counts(normalize=True).rename("share")

    def score_by_dimension(
        self, X: pd.DataFrame, dimensions: Mapping[str, Sequence[str]] | None = None
    ) -> pd.DataFrame:
        """Points per dimension plus ``base`` and ``total`` columns (dimensions + base = total).

        Selected features in no dimension are summed in an ``other`` column; without
        dimensions there are only ``base`` and ``total``.
        """
        out = self.assess(X, n_reasons=1, dimensions=dimensions)
        dims = out.filter(like="points_").drop(columns="points_base")
        dims.columns = [c.removeprefix("points_") for c in dims.columns]
        dims["base"] = self.base_points_
        dims["total"] = out["score_points"]
        return dims

    def assess(
        self, X: pd.DataFrame, *, n_reasons: int = 4, labels: Mapping[str, str] | None = None,
        dimensions: Mapping[str, Sequence[str]] | None = None,
    ) -> pd.DataFrame:  # fmt: skip
        """Everything a monthly run needs per row, in one pass over the bins.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``X``: ``pd``, ``score_points``, ``grade`` (A best), ``reasons``
            (list of str; None on every row with ``n_reasons=0``, for scoring whole months
            whose reasons only a shortlist needs) and ``points_<dimension>`` sub-scores with
            ``points_base`` (they sum to the score). ``dimensions`` defaults to the
            scorecard's own.
        """
        lookup = self.lookup(labels)
        codes = self._codes(X, lookup)
        points = lookup.feature_points(codes)
        total = lookup.total(self.base_points_, points)
        out = pd.DataFrame(index=as_frame(X).index)
        out["pd"] = 1.0 / (1.0 + np.exp(-self._log_odds(total)))
        out["score_points"] = total
        out["grade"] = grades.assign_grades(total, self.grade_cuts_)
        if n_reasons == 0:
            out["reasons"] = None
        else:
            texts = lookup.reasons(codes, n_reasons)
            out["reasons"] = [[t for t in row if t is not None] for row in texts.tolist()]
        groups = self._dimension_groups(dimensions if dimensions is not None else self.dimensions)
        position = {f: j for j, f in enumerate(self.selected_)}
        for name, features in groups.items():
            out[f"points_{name}"] = points[:, [position[f] for f in features]].sum(axis=1)
        out["points_base"] = self.base_points_
        return out

    def _dimension_groups(
        self, dimensions: Mapping[str, Sequence[str]] | None
    ) -> dict[str, list[str]]:
        check_is_fitted(self, "bin_points_")
        if not dimensions:
            return {}
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

    # --- deployment ----------------------------------------------------------------------

    def export_points_table(self, path: str, *, labels: Mapping[str, str] | None = None) -> None:
        """Write the points table (one row per feature and bin, with the base points) to
        ``path``: CSV for ``.csv``, Excel for ``.xlsx``."""
        check_is_fitted(self, "bin_points_")
        export.write_points_table(self.deployment_table(labels), path)

    def deployment_table(self, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
        """The points table a risk officer signs: base points first, then every bin."""
        check_is_fitted(self, "bin_points_")
        return export.deployment_table(self.points_table_, self.base_points_,
                                       reasons.labels_for(self.selected_, labels))  # fmt: skip

    def export_sql(self, *, table: str | None = None) -> str:
        """One SQL ``CASE`` expression per selected feature plus their sum (see
        ``risk.export``); run on a table of the raw columns it gives exactly :meth:`points`."""
        check_is_fitted(self, "bin_points_")
        return export.sql_points(self.binner_.bins_, self.bin_points_, self.base_points_,
                                 table=table)  # fmt: skip


def points_follow_risk(bins: FeatureBins, points: np.ndarray) -> bool:
    """Whether no bin with a higher training event rate scores more points than a bin with
    a lower one (bins of equal rate may score in any order)."""
    rate, pts = event_rates(bins), np.asarray(points, dtype=float)
    riskier = rate[:, None] > rate[None, :]
    return not np.any(riskier & (pts[:, None] > pts[None, :] + MONOTONE_TOLERANCE))
