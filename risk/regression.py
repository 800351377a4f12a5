"""ScoreRegressor: predicts a DCIC-style credit score (a number, not a default flag).

WOE needs a binary target, so this mode is plain gradient boosting with an absolute-error
objective (the DCIC 2019 metric is MAE); categorical columns are ordinal-coded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.preprocessing import OrdinalEncoder
from sklearn.utils.validation import check_is_fitted
from xgboost import XGBRegressor

from risk._validation import as_frame, check_width


class ScoreRegressor(RegressorMixin, BaseEstimator):
    """Gradient-boosted regressor of a credit score, scored by MAE.

    Parameters
    ----------
    categorical_features : list of str, optional
        Ordinal-coded columns; by default the non-numeric columns.
    n_estimators, learning_rate, max_depth : XGBoost settings.
    random_state : int, default=0
    """

    def __init__(
        self,
        *,
        categorical_features: Sequence[str] | None = None,
        n_estimators: int = 400,
        learning_rate: float = 0.05,
        max_depth: int = 5,
        random_state: int = 0,
    ) -> None:
        self.categorical_features = categorical_features
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: ArrayLike) -> ScoreRegressor:
        frame = as_frame(X)
        target = np.asarray(y if y is not None else [], dtype=float).ravel()
        if y is None:
            raise ValueError("ScoreRegressor requires y to be passed, but the target y is None.")
        if np.isnan(target).any() or len(target) != len(frame):
            raise ValueError("y must have one non-missing score per row of X.")
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.shape[1]
        cats = self.categorical_features
        self.categorical_ = list(cats) if cats is not None else [
            c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
        ]  # fmt: skip
        self.encoder_ = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                       encoded_missing_value=np.nan)  # fmt: skip
        if self.categorical_:
            self.encoder_.fit(frame[self.categorical_].astype(object))
        self.booster_ = XGBRegressor(
            n_estimators=self.n_estimators, learning_rate=self.learning_rate,
            max_depth=self.max_depth, objective="reg:absoluteerror",
            random_state=self.random_state, n_jobs=1, tree_method="hist",
        )  # fmt: skip
        self.booster_.fit(self._matrix(frame), target)
        return self

    def _matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[list(self.feature_names_in_)].copy()
        if self.categorical_:
            out[self.categorical_] = self.encoder_.transform(out[self.categorical_].astype(object))
        return out.astype(float)

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn's Tags type
        """Missing values go to XGBoost's default branch, not refused."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "booster_")
        check_width(X, self.n_features_in_, type(self).__name__)
        return self.booster_.predict(self._matrix(as_frame(X)))
