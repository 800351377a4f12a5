"""Mixed-type preprocessing: numeric columns to a robust scaled matrix, categoricals to codes.

k-prototypes measures numeric distance in squared Euclidean units, so money and count columns
with long right tails would otherwise dominate every persona; they are log1p-transformed first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

MISSING = "missing"
SKEW_LIMIT = 1.0
logger = logging.getLogger(__name__)


class MixedPreprocessor:
    """Impute, log-transform skewed non-negative columns, scale; encode categoricals.

    Missing categoricals become their own level ``"missing"``; levels unseen in fit get code
    -1, which matches no centroid (as kmodes does for unknown values).
    """

    def __init__(self, numeric_columns: Sequence[str], categorical_columns: Sequence[str]):
        self.numeric_columns = list(numeric_columns)
        self.categorical_columns = list(categorical_columns)

    def fit(self, X: pd.DataFrame) -> MixedPreprocessor:
        num = X[self.numeric_columns].astype("float64")
        self.medians_ = num.median().fillna(0.0).to_numpy()
        filled = num.fillna(dict(zip(self.numeric_columns, self.medians_, strict=True)))
        nonneg = (filled.min() >= 0).to_numpy()
        many_values = (filled.nunique() > 2).to_numpy()
        skewed = (filled.skew().fillna(0.0) > SKEW_LIMIT).to_numpy()
        self.log_mask_ = nonneg & many_values & skewed
        logged = self._log(filled.to_numpy())
        self.means_ = logged.mean(axis=0)
        std = logged.std(axis=0)
        self.scales_ = np.where(std > 0, std, 1.0)
        self.levels_ = [np.unique(self._as_str(X[c])) for c in self.categorical_columns]
        logger.debug("log1p applied to %s", np.array(self.numeric_columns)[self.log_mask_])
        return self

    def transform(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Scaled numeric matrix (float64, C order) and categorical code matrix (int32)."""
        num = X[self.numeric_columns].to_numpy(dtype="float64", na_value=np.nan, copy=True)
        missing = np.isnan(num)
        num[missing] = np.broadcast_to(self.medians_, num.shape)[missing]
        logged = num[:, self.log_mask_]
        num[:, self.log_mask_] = np.log1p(logged, out=logged)
        num -= self.means_
        num /= self.scales_
        Xcat = np.empty((len(X), len(self.categorical_columns)), dtype=np.int32)
        for j, col in enumerate(self.categorical_columns):
            Xcat[:, j] = self._codes(X[col], self.levels_[j])
        return np.ascontiguousarray(num), Xcat

    def _codes(self, series: pd.Series, levels: np.ndarray) -> np.ndarray:
        """Codes of ``levels``; a fast path for string columns, ``str()`` only where needed."""
        codes = pd.Categorical(series, categories=levels).codes.astype(np.int32)
        missing = series.isna().to_numpy()
        codes[missing] = np.searchsorted(levels, MISSING) if MISSING in levels else -1
        unmatched = (codes < 0) & ~missing
        if unmatched.any():
            as_str = self._as_str(series[unmatched])
            codes[unmatched] = pd.Categorical(as_str, categories=levels).codes
        return codes

    def inverse_numeric(self, Xnum: np.ndarray) -> np.ndarray:
        """Scaled numeric values back to original units (for centroids a marketer reads)."""
        raw = np.asarray(Xnum) * self.scales_ + self.means_
        raw[:, self.log_mask_] = np.expm1(raw[:, self.log_mask_])
        return raw

    def decode_categorical(self, codes: np.ndarray) -> np.ndarray:
        """Category codes back to their string levels (column by column)."""
        out = np.empty(codes.shape, dtype=object)
        for j, levels in enumerate(self.levels_):
            out[:, j] = levels[codes[:, j]]
        return out

    def _log(self, values: np.ndarray) -> np.ndarray:
        out = values.copy()
        out[:, self.log_mask_] = np.log1p(out[:, self.log_mask_])
        return out

    @staticmethod
    def _as_str(series: pd.Series) -> np.ndarray:
        return series.astype(object).where(series.notna(), MISSING).astype(str).to_numpy()
