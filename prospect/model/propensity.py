"""Card-demand propensity: preprocessing, an imbalance strategy and XGBoost, calibrated.

The parts sit in an ``imblearn.pipeline.Pipeline`` so resampling happens only in ``fit``;
calibration is fitted on held-out folds because reweighting and resampling distort the
probabilities that budgets and expected yields are computed from.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from xgboost import XGBClassifier

from prospect.model import calibration as cal
from prospect.model import explain as ex
from prospect.model import strategies
from prospect.model.preprocess import FramePreparer, require_frame
from prospect.spec import DatasetSpec

logger = logging.getLogger(__name__)

# Tuned on bank-marketing (bench/bench_propensity.py): slow learning, shallow trees.
DEFAULT_XGB_PARAMS: dict[str, Any] = {
    "n_estimators": 250,
    "learning_rate": 0.05,
    "max_depth": 4,
    "min_child_weight": 3,
    "subsample": 0.8,
    "colsample_bytree": 0.7,
    "tree_method": "hist",
    "n_jobs": 2,
}


class PropensityModel(ClassifierMixin, BaseEstimator):
    """Calibrated probability that a subscriber takes a card, with SHAP "why" drivers.

    Parameters
    ----------
    numeric_features, categorical_features, boolean_features : sequence of str
        Feature columns by role (canonical frame: numeric and boolean as float, categoricals
        as str). Categoricals are split natively by XGBoost; unseen values count as missing.
    excluded_columns : sequence of str
        Columns that must never be features (labels, ids, PII); naming one as a feature
        raises ValueError in ``fit``. :meth:`from_spec` fills it from the spec.
    missing_values : mapping of str to sequence of float, optional
        Numeric sentinels meaning "unknown" (e.g. ``{"pdays": [-1]}``).
    strategy : {"scale_pos_weight", "undersample", "smotenc", "none"}
        How the minority class is weighted during training.
    calibration : {"auto", "isotonic", "sigmoid"} or None
        Post-hoc calibration fitted on ``calibration_cv`` held-out folds; ``"auto"`` first
        picks one of them or none on a held-out quarter of the rows by Brier and log-loss
        (:func:`prospect.model.calibration.choose_calibration`).
    calibration_cv : int
    xgb_params : dict, optional
        Overrides of :data:`DEFAULT_XGB_PARAMS`.
    random_state : int or None

    Attributes
    ----------
    pipeline_ : imblearn Pipeline
        Preparer, sampler and XGBoost refitted on all training rows (explanations use it).
    calibrator_ : CalibratedClassifierCV or None
    calibration_report_ : dict or None
        With ``calibration="auto"``: what was chosen, why, and every candidate's held-out
        Brier and log-loss; None otherwise.
    feature_names_in_ : ndarray of str
        The feature columns, in model order.
    classes_ : ndarray, ``[0, 1]``
    """

    def __init__(
        self,
        *,
        numeric_features: Sequence[str] = (),
        categorical_features: Sequence[str] = (),
        boolean_features: Sequence[str] = (),
        excluded_columns: Sequence[str] = (),
        missing_values: Mapping[str, Sequence[float]] | None = None,
        strategy: str = "none",
        calibration: str | None = "sigmoid",
        calibration_cv: int = 3,
        xgb_params: Mapping[str, Any] | None = None,
        random_state: int | None = 0,
    ) -> None:
        self.numeric_features = numeric_features
        self.categorical_features = categorical_features
        self.boolean_features = boolean_features
        self.excluded_columns = excluded_columns
        self.missing_values = missing_values
        self.strategy = strategy
        self.calibration = calibration
        self.calibration_cv = calibration_cv
        self.xgb_params = xgb_params
        self.random_state = random_state

    @classmethod
    def from_spec(
        cls,
        spec: DatasetSpec,
        *,
        strategy: str = "none",
        calibration: str | None = "sigmoid",
        calibration_cv: int = 3,
        xgb_params: Mapping[str, Any] | None = None,
        random_state: int | None = 0,
    ) -> PropensityModel:
        """A model over the spec's feature columns; labels, ids and PII are excluded, and each
        column's ``missing_values`` sentinels are read as missing."""
        features = set(spec.feature_columns)
        excluded = [c.name for c in spec.columns if c.name not in features]
        return cls(
            numeric_features=tuple(spec.numeric_features),
            categorical_features=tuple(spec.categorical_features),
            boolean_features=tuple(spec.boolean_features),
            excluded_columns=tuple(excluded),
            missing_values=spec.missing_value_map or None,
            strategy=strategy,
            calibration=calibration,
            calibration_cv=calibration_cv,
            xgb_params=xgb_params,
            random_state=random_state,
        )

    def fit(self, X: pd.DataFrame, y: object) -> PropensityModel:
        """Fit preprocessing, sampler and booster (and the calibrator) on these rows only."""
        strategy = strategies.check_strategy(self.strategy)
        method = cal.check_calibration(self.calibration)
        features = self._check_features(y)
        require_frame(X, features)
        target = _binary_target(y, len(X))
        self.calibration_report_: dict[str, Any] | None = None
        if method == "auto":
            self.calibration_report_ = cal.choose_calibration(
                lambda y_fit: self._pipeline(strategy, y_fit), X, target, self.random_state
            )
            chosen = self.calibration_report_["chosen"]
            method = None if chosen == "none" else chosen
            logger.info("calibration: %s", self.calibration_report_["reason"])
        pipeline = self._pipeline(strategy, target)
        if method is None:
            self.calibrator_ = None
            self.pipeline_ = pipeline.fit(X, target)
        else:
            cv = cal.check_cv(self.calibration_cv)
            self.calibrator_ = cal.calibrated(pipeline, method, cv, self.random_state)
            self.calibrator_.fit(X, target)
            self.pipeline_ = cal.refitted_estimator(self.calibrator_)
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.asarray(features, dtype=object)
        self.n_features_in_ = len(features)
        logger.info("fitted propensity model on %d rows (%d positive)", len(X), target.sum())
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated ``[P(no card), P(card)]`` per row; no resampling happens here."""
        check_is_fitted(self, "pipeline_")
        require_frame(X, list(self.feature_names_in_))
        model = self.calibrator_ if self.calibrator_ is not None else self.pipeline_
        return np.asarray(model.predict_proba(X), dtype=float)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated booster margin (log-odds); SHAP contributions plus bias sum to it."""
        check_is_fitted(self, "pipeline_")
        matrix = self._prepare(X)
        return np.asarray(self.pipeline_[-1].predict(matrix, output_margin=True), dtype=float)

    def contributions(self, X: pd.DataFrame, *, approximate: bool = False) -> pd.DataFrame:
        """Per-row SHAP contributions by feature column, plus ``bias``, in margin units.

        ``approximate=True`` uses XGBoost's fast Saabas attribution instead of exact TreeSHAP.
        """
        check_is_fitted(self, "pipeline_")
        values = self._contribs(self._prepare(X), approximate)
        columns = [*self.feature_names_in_, "bias"]
        return pd.DataFrame(values, index=X.index, columns=columns)

    def explain(
        self, X: pd.DataFrame, n: int = 3, *, approximate: bool = False,
        labels: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:  # fmt: skip
        """Top ``n`` drivers per row as text, e.g. ``"app_finance_count high (+0.42)"``.

        Columns ``driver_1`` .. ``driver_n`` (largest push towards a card first), indexed
        like ``X``; names are the original columns (or their ``labels``, column -> readable
        name, as the scorecard's reasons are worded), never encoded ones. Exact TreeSHAP is
        costly: explain the selected list, or pass ``approximate=True`` for whole months.
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"n must be a positive int; got {n!r}.")
        check_is_fitted(self, "pipeline_")
        indices, values = ex.top_drivers(self._contribs(self._prepare(X), approximate), int(n))
        preparer = self.pipeline_[0]
        return ex.describe_drivers(
            X, preparer.feature_names_out_, self._kinds(), preparer.medians_, indices, values,
            labels=labels,
        )  # fmt: skip

    def proba_and_drivers(
        self, X: pd.DataFrame, n: int = 3, labels: Mapping[str, str] | None = None
    ) -> tuple[np.ndarray, pd.DataFrame]:
        """``P(card)`` and the top ``n`` drivers from one pass of the booster, for whole months.

        Approximate contributions plus bias sum to the booster's margin, so the uncalibrated
        probability is its sigmoid; the fitted calibrator then maps it as ``predict_proba``
        does. Drivers are :meth:`explain` with ``approximate=True``.
        """
        check_is_fitted(self, "pipeline_")
        contribs = self._contribs(self._prepare(X), approximate=True)
        proba = 1.0 / (1.0 + np.exp(-contribs.sum(axis=1, dtype=np.float64)))
        if self.calibrator_ is not None:
            proba = self.calibrator_.calibrated_classifiers_[0].calibrators[0].predict(proba)
        indices, values = ex.top_drivers(contribs, int(n))
        preparer = self.pipeline_[0]
        drivers = ex.describe_drivers(
            X, preparer.feature_names_out_, self._kinds(), preparer.medians_, indices, values,
            labels=labels,
        )  # fmt: skip
        return np.asarray(proba, dtype=float), drivers

    def _prepare(self, X: pd.DataFrame) -> np.ndarray:
        require_frame(X, list(self.feature_names_in_))
        return self.pipeline_[0].transform(X)

    def _contribs(self, matrix: np.ndarray, approximate: bool) -> np.ndarray:
        booster = self.pipeline_[-1].get_booster()
        types = self.pipeline_[0].feature_types_
        return ex.contributions(booster, matrix, types, approximate=approximate)

    def _kinds(self) -> dict[str, str]:
        kinds = dict.fromkeys(self.numeric_features, "numeric")
        kinds.update(dict.fromkeys(self.boolean_features, "boolean"))
        kinds.update(dict.fromkeys(self.categorical_features, "categorical"))
        return kinds

    def _check_features(self, y: object) -> list[str]:
        features = [*self.numeric_features, *self.boolean_features, *self.categorical_features]
        if not features:
            raise ValueError("at least one of numeric/categorical/boolean_features is needed.")
        duplicated = sorted({c for c in features if features.count(c) > 1})
        if duplicated:
            raise ValueError(f"feature columns listed more than once: {duplicated}.")
        leaked = [c for c in features if c in set(self.excluded_columns)]
        if leaked:
            raise ValueError(f"columns {leaked} are labels, ids or PII and cannot be features.")
        name = getattr(y, "name", None)
        if name is not None and name in features:
            raise ValueError(f"the label {name!r} is also listed as a feature.")
        return features

    def _pipeline(self, strategy: str, target: np.ndarray) -> Pipeline:
        n_quant = len(self.numeric_features)
        n_cat = len(self.boolean_features) + len(self.categorical_features)
        preparer = FramePreparer(
            numeric_features=self.numeric_features,
            categorical_features=self.categorical_features,
            boolean_features=self.boolean_features,
            missing_values=self.missing_values,
            impute=strategies.needs_imputation(strategy),
        )
        cat_idx = list(range(n_quant, n_quant + n_cat))
        sampler = strategies.build_sampler(strategy, cat_idx, self.random_state)
        feature_types = ["q"] * (n_quant + len(self.boolean_features))
        feature_types += ["c"] * len(self.categorical_features)
        params = {**DEFAULT_XGB_PARAMS, **(self.xgb_params or {})}
        params.update(strategies.xgb_overrides(strategy, target))
        booster = XGBClassifier(
            **params,
            feature_types=feature_types,
            enable_categorical=True,
            random_state=self.random_state,
        )
        steps = [("prepare", preparer), ("sample", sampler), ("classify", booster)]
        return Pipeline([s for s in steps if s[1] is not None])


def _binary_target(y: object, n_rows: int) -> np.ndarray:
    """``y`` as an int 0/1 array; unknown labels must be dropped by the caller, not guessed."""
    try:
        values = np.asarray(y, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise TypeError(f"y must be numeric 0/1 labels; got {type(y).__name__}.") from exc
    if len(values) != n_rows:
        raise ValueError(f"y has {len(values)} labels but X has {n_rows} rows.")
    if np.isnan(values).any():
        raise ValueError(f"y has {int(np.isnan(values).sum())} missing labels; drop them first.")
    if not np.isin(values, (0.0, 1.0)).all() or len(np.unique(values)) < 2:
        raise ValueError(f"y must hold both classes 0 and 1; got values {np.unique(values)}.")
    return values.astype(int)
