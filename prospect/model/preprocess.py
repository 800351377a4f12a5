"""Turn a canonical frame into the float matrix XGBoost and the samplers consume.

One output column per input column (categoricals become integer codes that XGBoost splits
natively), so every SHAP contribution maps straight back to a column a person can read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

logger = logging.getLogger(__name__)

MISSING_CATEGORY = "(missing)"


def require_frame(X: object, columns: Sequence[str], what: str = "X") -> pd.DataFrame:
    """Check ``X`` is a DataFrame holding ``columns``; name the missing ones otherwise."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame with named columns; got {type(X)}.")
    absent = [c for c in columns if c not in X.columns]
    if absent:
        raise ValueError(f"{what} lacks feature columns {absent}.")
    return X


class FramePreparer(TransformerMixin, BaseEstimator):
    """Select feature columns, mark sentinels missing, code categoricals, optionally impute.

    Parameters
    ----------
    numeric_features, categorical_features, boolean_features : sequence of str
        Columns by role; output order is numeric, boolean, categorical.
    missing_values : mapping of str to sequence of float, optional
        Numeric sentinels that mean "unknown" (e.g. ``{"pdays": [-1]}``), turned into NaN so
        the trees learn a missing branch instead of a fake extreme value.
    impute : bool
        Fill numeric NaN with the training median and boolean NaN with the mode; needed only
        by samplers (SMOTENC) that cannot interpolate NaN. XGBoost itself handles NaN.

    Attributes
    ----------
    categories_ : dict of str to list of str
        Training categories per categorical column; the last one is the missing category.
    medians_ : dict of str to float
        Training medians of numeric and boolean columns (for imputation and "high"/"low").
    feature_names_out_ : list of str
    feature_types_ : list of str
        ``"q"`` (quantitative) or ``"c"`` (categorical) per output column, for XGBoost.
    """

    def __init__(
        self,
        *,
        numeric_features: Sequence[str] = (),
        categorical_features: Sequence[str] = (),
        boolean_features: Sequence[str] = (),
        missing_values: Mapping[str, Sequence[float]] | None = None,
        impute: bool = False,
    ) -> None:
        self.numeric_features = numeric_features
        self.categorical_features = categorical_features
        self.boolean_features = boolean_features
        self.missing_values = missing_values
        self.impute = impute

    def fit(self, X: pd.DataFrame, y: object = None) -> FramePreparer:
        """Learn categories, medians and modes from the training rows only."""
        quantitative = [*self.numeric_features, *self.boolean_features]
        names = [*quantitative, *self.categorical_features]
        require_frame(X, names)
        unknown = set(self.missing_values or {}) - set(self.numeric_features)
        if unknown:
            raise ValueError(f"missing_values names non-numeric columns {sorted(unknown)}.")
        numeric = self._numeric_block(X)
        self.medians_ = dict(zip(quantitative, np.nanmedian(numeric, axis=0), strict=True))
        self.categories_ = {
            col: [*sorted(X[col].dropna().astype(str).unique()), MISSING_CATEGORY]
            for col in self.categorical_features
        }
        self.feature_names_out_ = names
        self.feature_types_ = ["q"] * len(quantitative) + ["c"] * len(self.categorical_features)
        self.n_features_in_ = len(names)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Float matrix; unseen categories become NaN (XGBoost's missing branch)."""
        check_is_fitted(self, "categories_")
        require_frame(X, self.feature_names_out_)
        numeric = self._numeric_block(X)
        if self.impute and numeric.size:
            fill = np.array([self.medians_[c] for c in self._quantitative()], dtype=float)
            modes = np.round(fill[len(self.numeric_features) :])
            fill[len(self.numeric_features) :] = modes
            numeric = np.where(np.isnan(numeric), fill, numeric)
        codes = [self._codes(X[col], self.categories_[col]) for col in self.categorical_features]
        return np.column_stack([numeric, *codes]) if codes else numeric

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_out_")
        return np.asarray(self.feature_names_out_, dtype=object)

    def _quantitative(self) -> list[str]:
        return [*self.numeric_features, *self.boolean_features]

    def _numeric_block(self, X: pd.DataFrame) -> np.ndarray:
        cols = self._quantitative()
        frame = X[cols]
        if not all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
            frame = frame.apply(pd.to_numeric, errors="coerce")
        block = frame.to_numpy(dtype=float, copy=True)
        for col, sentinels in (self.missing_values or {}).items():
            j = cols.index(col)
            block[np.isin(block[:, j], np.asarray(sentinels, dtype=float)), j] = np.nan
        return block.reshape(len(X), len(cols))

    @staticmethod
    def _codes(values: pd.Series, categories: list[str]) -> np.ndarray:
        """Training-category codes as floats, via each distinct value once (fast on 1M rows)."""
        row_code, uniques = pd.factorize(values, use_na_sentinel=True)
        known = pd.Index(categories[:-1]).get_indexer([str(u) for u in uniques])
        lookup = np.append(np.where(known < 0, np.nan, known), len(categories) - 1)
        return lookup[row_code]
