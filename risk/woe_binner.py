"""WOEBinner: optimal binning of every feature against a binary target, as an estimator."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from risk._validation import (
    BinaryTargetMixin,
    as_frame,
    binary_target,
    check_width,
    require_columns,
)
from risk.binning import TRENDS
from risk.feature_bins import FeatureBins, SolverOptions, fit_categorical, fit_numeric

logger = logging.getLogger(__name__)


class WOEBinner(BinaryTargetMixin, TransformerMixin, BaseEstimator):
    """Bin each feature for a binary target and replace values by their bin's WOE.

    Parameters
    ----------
    features : list of str, optional
        Columns to bin; all columns of ``X`` by default.
    categorical_features : list of str, optional
        Columns binned as categories; by default the non-numeric columns of ``X``.
    max_n_prebins : int, default=200
        Quantile pre-bins per numeric feature before merging. Fine pre-bins leave the
        grouping to the trend and the minimum bin size rather than to the quantile grid: on
        german-credit 200 measured better than 50 (ROC-AUC 0.7954 against 0.7943), on
        give-me-some-credit the same (0.8613 against 0.8611).
    min_bin_share : float, default=0.005
        Smallest share of all rows a regular bin may hold (missing and special bins exempt);
        small by default because fine bins measured best on both benchmark datasets.
    min_bin_count : int, default=20
        Smallest number of rows a regular bin may hold, whatever the share: keeps bins of a
        small sample from fitting noise. Binding only on small samples (below 4,000 rows the
        share gives fewer than 20): on german-credit (800 training rows) 20 measured better
        than 50 (ROC-AUC 0.794 against 0.792); on give-me-some-credit the share decides.
    max_n_bins : int, optional
        Cap on regular bins per feature.
    monotonic_trend : str or dict, default="auto"
        Event-rate shape, one of "auto", "ascending", "descending", "peak", "valley",
        "none"; a dict gives it per feature (others use "auto").
    special_values : dict, optional
        Feature -> values (e.g. sentinel codes 96, 98) that keep bins of their own.
    smoothing : float, default=1.0
        Pseudo-count added to every bin so that pure bins get a finite WOE; 1.0 also pulls
        the WOE of the small bins of a small sample towards 0.
    """

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        categorical_features: Sequence[str] | None = None,
        max_n_prebins: int = 200,
        min_bin_share: float = 0.005,
        min_bin_count: int = 20,
        max_n_bins: int | None = None,
        monotonic_trend: str | Mapping[str, str] = "auto",
        special_values: Mapping[str, Sequence[float]] | None = None,
        smoothing: float = 1.0,
    ) -> None:
        self.features = features
        self.categorical_features = categorical_features
        self.max_n_prebins = max_n_prebins
        self.min_bin_share = min_bin_share
        self.min_bin_count = min_bin_count
        self.max_n_bins = max_n_bins
        self.monotonic_trend = monotonic_trend
        self.special_values = special_values
        self.smoothing = smoothing

    def fit(self, X: pd.DataFrame, y: ArrayLike) -> WOEBinner:
        """Bin every feature of ``X`` against ``y`` (1 = event, e.g. default)."""
        frame = as_frame(X)
        target = binary_target(y, len(frame), type(self).__name__)
        self._check_params()
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.shape[1]
        self.features_ = list(self.features) if self.features is not None else list(frame.columns)
        require_columns(frame, self.features_, "features")
        self.categorical_ = self._categorical(frame)
        min_count = max(self.min_bin_share * len(frame), self.min_bin_count)
        opts = SolverOptions(self.max_n_prebins, min_count, self.max_n_bins, self.smoothing)
        self.bins_: dict[str, FeatureBins] = {
            f: self._fit_feature(f, frame[f], target, opts) for f in self.features_
        }
        self.iv_ = pd.Series({f: b.iv for f, b in self.bins_.items()}, name="iv")
        self.trends_ = {f: b.trend for f, b in self.bins_.items()}
        return self

    def _check_params(self) -> None:
        if not isinstance(self.max_n_prebins, int | np.integer) or self.max_n_prebins < 2:
            raise ValueError(f"max_n_prebins must be an int >= 2; got {self.max_n_prebins!r}.")
        if not 0 < self.min_bin_share <= 0.5:
            raise ValueError(f"min_bin_share must be in (0, 0.5]; got {self.min_bin_share!r}.")
        if not isinstance(self.min_bin_count, int | np.integer) or self.min_bin_count < 1:
            raise ValueError(f"min_bin_count must be an int >= 1; got {self.min_bin_count!r}.")
        if self.max_n_bins is not None and self.max_n_bins < 2:
            raise ValueError(f"max_n_bins must be None or >= 2; got {self.max_n_bins!r}.")
        if self.smoothing < 0:
            raise ValueError(f"smoothing must be >= 0; got {self.smoothing!r}.")
        trends = self.monotonic_trend
        for t in trends.values() if isinstance(trends, Mapping) else [trends]:
            if t not in TRENDS:
                raise ValueError(f"monotonic_trend must be one of {TRENDS}; got {t!r}.")

    def _categorical(self, frame: pd.DataFrame) -> list[str]:
        if self.categorical_features is not None:
            require_columns(frame, list(self.categorical_features), "categorical_features")
            return [f for f in self.features_ if f in set(self.categorical_features)]
        return [f for f in self.features_ if not pd.api.types.is_numeric_dtype(frame[f])]

    def _fit_feature(
        self, name: str, x: pd.Series, y: np.ndarray, opts: SolverOptions
    ) -> FeatureBins:
        if name in self.categorical_:
            return fit_categorical(name, x, y, opts)
        specials = tuple(float(v) for v in (self.special_values or {}).get(name, ()))
        trend = self.monotonic_trend
        trend = trend.get(name, "auto") if isinstance(trend, Mapping) else trend
        bins = fit_numeric(name, x, y, specials, trend, opts)
        logger.debug("binned %s: %d bins, trend %s, IV %.4f", name, len(bins.labels),
                     bins.trend, bins.iv)  # fmt: skip
        return bins

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """WOE of every binned feature (columns in ``features_`` order)."""
        check_is_fitted(self, "bins_")
        frame = self._checked(X)
        data = {f: self.bins_[f].transform(frame[f]) for f in self.features_}
        return pd.DataFrame(data, index=frame.index, columns=self.features_)

    def bin_indices(self, X: pd.DataFrame) -> pd.DataFrame:
        """Bin index of every value (-1 = a value unseen in training)."""
        check_is_fitted(self, "bins_")
        frame = self._checked(X)
        data = {f: self.bins_[f].assign(frame[f]) for f in self.features_}
        return pd.DataFrame(data, index=frame.index, columns=self.features_)

    def _checked(self, X: pd.DataFrame) -> pd.DataFrame:
        check_width(X, self.n_features_in_, type(self).__name__)
        frame = as_frame(X)
        require_columns(frame, self.features_, "the fitted binner")
        return frame

    def binning_table(self, feature: str) -> pd.DataFrame:
        """Counts, event rate, WOE and IV per bin of ``feature``, with a totals row."""
        check_is_fitted(self, "bins_")
        if feature not in self.bins_:
            raise ValueError(f"feature must be one of the binned features; got {feature!r}.")
        return self.bins_[feature].table()

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        check_is_fitted(self, "bins_")
        return np.asarray(self.features_, dtype=object)
