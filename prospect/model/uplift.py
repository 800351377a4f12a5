"""Uplift: how much contacting a subscriber changes the chance of taking a card.

Learnt from campaign history (contacted rows and their random control). Several meta-learners
on XGBoost compete (two-model, X-learner, transformed outcome, S-learner and their average) and
the chosen one is refitted on everything. Held-out Qini on one month is too noisy to choose by
(the control is a fifth of a campaign), so each candidate is scored on several held-out folds:
rolling origins when months are given (each of the latest ``cv`` months held out in turn,
trained on the months before it, as the next campaign will be), stratified folds otherwise; the
default learner (:data:`PREFERENCE`) stays unless another beats it by more than the noise.
Uplift signals are weak and easy to overfit, so the boosters are shallow, need heavy leaves,
subsample rows and columns, and stop early on an inner split. Without history (no control or no
contacts) the model falls back to a propensity ranking and says so in ``learner_``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.utils.validation import check_array, check_is_fitted
from xgboost import XGBClassifier, XGBRegressor

from prospect.model.uplift_metrics import qini_coefficient

logger = logging.getLogger(__name__)

LEARNERS = (
    "proportional", "s_learner", "two_model", "shared_base", "x_learner",
    "transformed_outcome", "average",
)  # fmt: skip
# The incumbent order: the first candidate requested is the default, and another learner wins
# only when its mean held-out Qini beats the default's by more than one standard error of the
# gap. The S-learner comes first: its effect varies by subscriber, yet it borrows one outcome
# model's strength from both arms (the control is small). The constant-effect learner, which
# ranks like propensity, comes last: it has to show it is better, never just as good.
PREFERENCE = (
    "s_learner", "two_model", "x_learner", "shared_base", "average", "transformed_outcome",
    "proportional",
)  # fmt: skip
BASE_LEARNERS = LEARNERS[:-1]
# Compared by default: the meta-learners plus the two simplest (each costs fits per fold).
DEFAULT_LEARNERS = ("proportional", "s_learner", "two_model", "x_learner", "transformed_outcome")
_BOOTSTRAP_ROUNDS = 200
FALLBACK = "propensity"
MIN_GROUP_ROWS = 30  # fewer contacted or control rows than this: no history to learn from
_EARLY_STOPPING_ROUNDS = 30
_TREATMENT_COLUMN = "__contacted__"


class _Features:
    """Numeric matrix, or frame with categoricals: the same columns and categories as at fit."""

    def __init__(self, X: object) -> None:
        if isinstance(X, pd.DataFrame):
            self.columns: list[str] | None = [str(c) for c in X.columns]
            self.categories = {
                str(c): pd.Index(sorted(X[c].dropna().astype(str).unique()))
                for c in X.columns
                if not pd.api.types.is_numeric_dtype(X[c])
                or isinstance(X[c].dtype, pd.CategoricalDtype)
            }
            self.n_features = len(self.columns)
        else:
            self.columns = None
            self.categories = {}
            self.n_features = _matrix(X).shape[1]

    def transform(self, X: object) -> Any:
        if self.columns is None:
            if isinstance(X, pd.DataFrame):
                X = X.to_numpy()
            matrix = _matrix(X)
            if matrix.shape[1] != self.n_features:
                raise ValueError(
                    f"X has {matrix.shape[1]} features, but the model was fitted with "
                    f"{self.n_features} features."
                )
            return matrix
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"X must be a pandas DataFrame like at fit; got {type(X).__name__}.")
        missing = [c for c in self.columns if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks the columns {missing} the model was fitted with.")
        if len(X) == 0:
            raise ValueError("X has 0 rows; at least 1 is required.")
        out = {}
        for column in self.columns:
            values = X[column]
            if column in self.categories:
                as_text = values.astype(object).where(values.notna(), None)
                as_text = as_text.map(lambda v: None if v is None else str(v))
                out[column] = pd.Categorical(as_text, categories=self.categories[column])
            else:
                numbers = pd.to_numeric(values, errors="coerce").astype(float)
                bad = numbers.isna() & values.notna()
                if bad.any():
                    raise ValueError(f"X column {column!r} has non-numeric values.")
                if np.isinf(numbers.to_numpy()).any():
                    raise ValueError(f"X column {column!r} has infinite values.")
                out[column] = numbers.to_numpy()
        return pd.DataFrame(out, index=X.index)


def _matrix(X: object) -> np.ndarray:
    return check_array(X, dtype=float, ensure_all_finite="allow-nan", ensure_min_samples=1)


def _rows(data: Any, rows: np.ndarray) -> Any:
    return data.iloc[rows] if isinstance(data, pd.DataFrame) else data[rows]


def _with_treatment(data: Any, value: np.ndarray | float) -> Any:
    if isinstance(data, pd.DataFrame):
        out = data.copy()
        out[_TREATMENT_COLUMN] = value
        return out
    column = np.broadcast_to(np.asarray(value, dtype=float), (data.shape[0],))
    return np.column_stack([data, column])


class _Boosters:
    """Early-stopped XGBoost classifiers and regressors sharing one set of regularised settings."""

    def __init__(self, params: dict[str, Any], seed: int) -> None:
        self.params = params
        self.seed = seed
        self.calls = 0

    def fit(
        self,
        model_cls: type,
        X: Any,
        target: np.ndarray,
        stratify: np.ndarray | None,
        margin: np.ndarray | None = None,
    ):
        """Fit on 80% of the rows, stopping early on the other 20%; ``margin`` is a fixed
        starting log-odds per row that the booster learns a correction to."""
        self.calls += 1
        seed = (self.seed + 7919 * self.calls) % (2**31 - 1)
        model = model_cls(
            **self.params, random_state=seed, early_stopping_rounds=_EARLY_STOPPING_ROUNDS
        )
        rows = np.arange(target.shape[0])
        if stratify is not None and np.bincount(stratify.astype(int)).min() < 4:
            stratify = None
        fit_rows, stop_rows = train_test_split(
            rows, test_size=0.2, random_state=seed, stratify=stratify
        )
        margins = {}
        if margin is not None:
            margins = {"base_margin": margin[fit_rows], "base_margin_eval_set": [margin[stop_rows]]}
        model.fit(
            _rows(X, fit_rows),
            target[fit_rows],
            eval_set=[(_rows(X, stop_rows), target[stop_rows])],
            verbose=False,
            **margins,
        )
        return model

    def classifier(self, X: Any, y: np.ndarray, margin: np.ndarray | None = None) -> XGBClassifier:
        if y.min() == y.max():
            return _Constant(float(y[0]))  # type: ignore[return-value]
        return self.fit(XGBClassifier, X, y, y, margin)

    def regressor(self, X: Any, target: np.ndarray) -> XGBRegressor:
        return self.fit(XGBRegressor, X, target, None)


class _Constant:
    """A classifier for a group where every outcome is the same (tiny histories)."""

    def __init__(self, p: float) -> None:
        self.p = p

    def predict_proba(self, X: Any) -> np.ndarray:
        n = X.shape[0]
        return np.column_stack([np.full(n, 1.0 - self.p), np.full(n, self.p)])


def _proba(model: Any, X: Any, margin: np.ndarray | None = None) -> np.ndarray:
    if margin is None:
        return np.asarray(model.predict_proba(X), dtype=float)[:, 1]
    if isinstance(model, _Constant):
        return np.full(X.shape[0], model.p)
    return np.asarray(model.predict_proba(X, base_margin=margin), dtype=float)[:, 1]


def _logit(p: float) -> float:
    p = min(max(float(p), 1e-6), 1.0 - 1e-6)
    return float(np.log(p / (1.0 - p)))


def _margin(model: Any, X: Any) -> np.ndarray:
    if isinstance(model, _Constant):
        return np.full(X.shape[0], _logit(model.p))
    return np.asarray(model.predict(X, output_margin=True), dtype=float)


class _TwoModel:
    """Outcome model per arm; uplift is the difference of their chances."""

    def __init__(self, treated: Any, control: Any) -> None:
        self.treated, self.control = treated, control

    def __call__(self, X: Any) -> np.ndarray:
        return _proba(self.treated, X) - _proba(self.control, X)


class _SharedBase:
    """A pooled outcome model plus a small correction per arm, learnt from the pooled log-odds.

    The control arm is often small; its model borrows the pooled model's shape and only learns
    how the arm departs from it, which keeps the difference between arms from being noise.
    """

    def __init__(self, pooled: Any, treated: Any, control: Any) -> None:
        self.pooled, self.treated, self.control = pooled, treated, control

    def __call__(self, X: Any) -> np.ndarray:
        margin = _margin(self.pooled, X)
        return _proba(self.treated, X, margin) - _proba(self.control, X, margin)


class _Proportional:
    """One outcome model with a constant contact effect on the log-odds.

    Uplift then follows the chance of the outcome: the right shape when contact multiplies
    everyone's odds alike, and the steadiest estimate when the data show little more.
    """

    def __init__(self, model: Any, effect: float) -> None:
        self.model, self.effect = model, effect

    def __call__(self, X: Any) -> np.ndarray:
        n = X.shape[0]
        contacted = _proba(self.model, X, np.full(n, self.effect))
        return contacted - _proba(self.model, X, np.zeros(n))


class _XLearner:
    """Each arm's effect imputed with the other arm's model, regressed, blended by arm share."""

    def __init__(self, on_treated: Any, on_control: Any, share: float) -> None:
        self.on_treated, self.on_control, self.share = on_treated, on_control, share

    def __call__(self, X: Any) -> np.ndarray:
        tau0 = np.asarray(self.on_control.predict(X), dtype=float)
        tau1 = np.asarray(self.on_treated.predict(X), dtype=float)
        return self.share * tau0 + (1.0 - self.share) * tau1


class _Regression:
    """Transformed outcome: a regression whose expectation is the uplift itself."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, X: Any) -> np.ndarray:
        return np.asarray(self.model.predict(X), dtype=float)


class _SLearner:
    """One outcome model with contact as a feature; uplift flips that feature."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, X: Any) -> np.ndarray:
        contacted = _proba(self.model, _with_treatment(X, 1.0))
        return contacted - _proba(self.model, _with_treatment(X, 0.0))


class _Average:
    """Mean of several learners' uplift: steadier than any one on a weak signal."""

    def __init__(self, members: list[Any]) -> None:
        self.members = members

    def __call__(self, X: Any) -> np.ndarray:
        return np.mean([member(X) for member in self.members], axis=0)


class _Propensity:
    """The fallback without history: the chance of the outcome, to rank by."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, X: Any) -> np.ndarray:
        return _proba(self.model, X)


def _fit_learners(names: Sequence[str], boosters: _Boosters, X: Any, y: np.ndarray, t: np.ndarray):
    """Fit the named learners (``"average"`` fits all the others) sharing the per-arm models."""
    wanted = set(BASE_LEARNERS) if "average" in names else set(names)
    treated, control = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    x1, x0 = _rows(X, treated), _rows(X, control)
    share = float(treated.size / t.size)
    fitted: dict[str, Any] = {}
    if wanted & {"two_model", "x_learner"}:
        m1, m0 = boosters.classifier(x1, y[treated]), boosters.classifier(x0, y[control])
        fitted["two_model"] = _TwoModel(m1, m0)
        if "x_learner" in wanted:
            tau1 = boosters.regressor(x1, y[treated] - _proba(m0, x1))
            tau0 = boosters.regressor(x0, _proba(m1, x0) - y[control])
            fitted["x_learner"] = _XLearner(tau1, tau0, share)
    if "transformed_outcome" in wanted:
        z = y * (t - share) / (share * (1.0 - share))  # E[z | x] is the uplift
        fitted["transformed_outcome"] = _Regression(boosters.regressor(X, z))
    if "shared_base" in wanted:
        pooled = boosters.classifier(X, y)
        margin = _margin(pooled, X)
        fitted["shared_base"] = _SharedBase(
            pooled,
            boosters.classifier(x1, y[treated], margin[treated]),
            boosters.classifier(x0, y[control], margin[control]),
        )
    if "proportional" in wanted:
        effect = _logit(y[treated].mean()) - _logit(y[control].mean())
        model = boosters.classifier(X, y, effect * t)
        fitted["proportional"] = _Proportional(model, effect)
    if "s_learner" in wanted:
        model = boosters.fit(XGBClassifier, _with_treatment(X, t), y, 2 * y + t)
        fitted["s_learner"] = _SLearner(model)
    if "average" in names:
        fitted["average"] = _Average([fitted[name] for name in BASE_LEARNERS])
    return {name: fitted[name] for name in names}


class UpliftModel(BaseEstimator):
    """Change in the chance of the outcome if a subscriber is contacted, from campaign history.

    Parameters
    ----------
    learners : sequence of str
        Candidates among ``"proportional"`` (constant effect on the log-odds), ``"s_learner"``,
        ``"two_model"``, ``"shared_base"``, ``"x_learner"``, ``"transformed_outcome"`` and
        ``"average"`` (mean of the others). The first in :data:`PREFERENCE` order is the
        default; another wins only if its mean held-out Qini is above the default's by more
        than one (bootstrap) standard error of the gap.
    cv : int
        Held-out folds (at least 2): the latest ``cv`` months in turn when ``months`` is given
        to ``fit`` (fewer if fewer months can be held out), stratified folds otherwise.
    n_estimators : int
        Most boosting rounds per booster; early stopping on an inner 20% usually stops sooner.
    learning_rate, max_depth, min_child_weight, subsample, colsample_bytree, reg_lambda
        XGBoost settings shared by every booster (shallow and heavily regularised by default).
    n_jobs : int
    random_state : int or None

    Attributes
    ----------
    learner_ : str
        The chosen learner, or ``"propensity"`` when there was no history to learn from.
    fallback_reason_ : str or None
        Why there was no history to learn from (``learner_`` is ``"propensity"``), else None.
    qini_scores_ : dict of str to float
        Mean Qini coefficient of each candidate over the held-out folds; empty for the fallback.
    qini_folds_ : dict of str to list of float
        Each candidate's Qini coefficient per held-out fold (the spread behind the choice).
    qini_gap_se_ : dict of str to float
        Standard error of each candidate's mean Qini gap from the default learner.
    held_out_ : list of str
        The held-out months (rolling origins) or fold names.
    n_features_in_ : int
    feature_names_in_ : ndarray of str (only when fitted on a DataFrame)
    """

    def __init__(
        self,
        *,
        learners: Sequence[str] = DEFAULT_LEARNERS,
        cv: int = 3,
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        max_depth: int = 3,
        min_child_weight: float = 20.0,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 5.0,
        n_jobs: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.learners = learners
        self.cv = cv
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(
        self,
        X: object,
        y: object,
        treatment: object | None = None,
        *,
        months: object | None = None,
    ) -> UpliftModel:
        """Choose a learner by held-out Qini and refit it on all rows.

        ``treatment`` is 1 for contacted rows and 0 for their random control; ``months`` (one
        label per row, sortable like ``YYYY-MM``) makes the latest month the held-out one.
        Without both contacted and control rows the model ranks by propensity instead.
        """
        learners = self._check_learners()
        cv = self._check_cv()
        features = _Features(X)
        data = features.transform(X)
        n = data.shape[0]
        target = _binary(y, n, "y")
        seed = _seed(self.random_state)
        boosters = _Boosters(self._xgb_params(data), seed)
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(features.columns, dtype=object)
        self.n_features_in_ = features.n_features
        self.features_ = features
        self.qini_scores_: dict[str, float] = {}
        self.qini_folds_: dict[str, list[float]] = {}
        self.qini_gap_se_: dict[str, float] = {}
        self.held_out_: list[str] = []
        t = None if treatment is None else _binary(treatment, n, "treatment")
        reason = _no_history(target, t)
        if reason is not None:
            logger.info("uplift model: %s; ranking by propensity instead", reason)
            self.learner_ = FALLBACK
            self.fallback_reason_: str | None = reason
            self.model_ = _Propensity(boosters.classifier(data, target))
            return self
        assert t is not None
        self.fallback_reason_ = None
        folds, self.held_out_ = self._held_out(target, t, months, cv, seed)
        per_fold = []
        for fit_rows, test_rows in folds:
            fitted = _fit_learners(
                learners, boosters, _rows(data, fit_rows), target[fit_rows], t[fit_rows]
            )
            held = _rows(data, test_rows)
            scores = {name: model(held) for name, model in fitted.items()}
            per_fold.append((scores, target[test_rows], t[test_rows]))
        self.qini_scores_, self.qini_folds_, self.qini_gap_se_, self.learner_ = _choose(
            per_fold, learners, seed
        )
        logger.info("uplift model: held-out Qini %s; chose %s", self.qini_scores_, self.learner_)
        self.model_ = _fit_learners([self.learner_], boosters, data, target, t)[self.learner_]
        return self

    def predict(self, X: object) -> np.ndarray:
        """Uplift per row: chance of the outcome if contacted minus if not (propensity if
        ``learner_`` is ``"propensity"``)."""
        check_is_fitted(self, "model_")
        return np.asarray(self.model_(self.features_.transform(X)), dtype=float)

    def _held_out(self, y: np.ndarray, t: np.ndarray, months: object, cv: int, seed: int):
        """Held-out folds (fit rows, test rows) and their names: rolling origins over the
        latest ``cv`` months that can be held out, else stratified folds."""
        if months is not None:
            labels = np.asarray(months).ravel()
            if labels.shape[0] != y.shape[0]:
                raise ValueError(f"months has {labels.shape[0]} labels for {y.shape[0]} rows.")
            labels = labels.astype(str)
            rolling = []
            for month in np.sort(pd.unique(labels))[::-1]:
                test, earlier = labels == month, labels < month
                if _no_history(y[test], t[test]) is None and (
                    _no_history(y[earlier], t[earlier]) is None
                ):
                    rolling.append((month, np.flatnonzero(earlier), np.flatnonzero(test)))
                if len(rolling) == cv:
                    break
            if rolling:
                rolling.reverse()
                return [(a, b) for _, a, b in rolling], [str(m) for m, _, _ in rolling]
            logger.info("uplift model: no month can be held out after earlier ones; using folds")
        strata = (2 * t + y).astype(int)
        splits = min(cv, int(np.bincount(strata, minlength=4)[np.unique(strata)].min()))
        if splits < 2:
            fit_rows, test_rows = train_test_split(
                np.arange(y.shape[0]), test_size=0.3, random_state=seed, stratify=t
            )
            return [(fit_rows, test_rows)], ["split 1 of 1"]
        folds = StratifiedKFold(n_splits=splits, shuffle=True, random_state=seed)
        names = [f"fold {k + 1} of {splits}" for k in range(splits)]
        return list(folds.split(np.zeros(y.shape[0]), strata)), names

    def _xgb_params(self, data: Any) -> dict[str, Any]:
        return {
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "max_depth": self.max_depth,
            "min_child_weight": self.min_child_weight,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "reg_lambda": self.reg_lambda,
            "tree_method": "hist",
            "n_jobs": self.n_jobs,
            "enable_categorical": isinstance(data, pd.DataFrame),
        }

    def _check_learners(self) -> list[str]:
        learners = [self.learners] if isinstance(self.learners, str) else list(self.learners)
        unknown = [name for name in learners if name not in LEARNERS]
        if not learners or unknown:
            raise ValueError(
                f"learners must be a non-empty subset of {LEARNERS}; got {self.learners!r}."
            )
        return list(dict.fromkeys(learners))

    def _check_cv(self) -> int:
        if isinstance(self.cv, bool) or not isinstance(self.cv, int | np.integer) or self.cv < 2:
            raise ValueError(f"cv must be an int of at least 2; got {self.cv!r}.")
        return int(self.cv)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = True
        return tags


def _binary(values: object, n: int, name: str) -> np.ndarray:
    array = np.asarray(values).ravel()
    if array.shape[0] != n:
        raise ValueError(f"{name} has {array.shape[0]} values for {n} rows of X.")
    try:
        numbers = array.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be 0/1; got values like {array[:3].tolist()}.") from None
    if not np.isin(numbers, (0.0, 1.0)).all():
        bad = numbers[~np.isin(numbers, (0.0, 1.0))][:3].tolist()
        raise ValueError(f"{name} must be 0/1 with no missing values; got {bad}.")
    return numbers


def _choose(
    folds: list[tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]],
    learners: list[str],
    seed: int,
) -> tuple[dict[str, float], dict[str, list[float]], dict[str, float], str]:
    """Mean held-out Qini per learner over ``folds`` (each: predictions per learner, outcome,
    treatment), the Qini per fold, the standard error of each learner's mean gap from the
    default, and the learner chosen.

    The default is the first of ``learners`` in :data:`PREFERENCE` order; another wins only if
    its mean Qini is above the default's by more than one standard error of the mean gap (the
    fold gaps' bootstrap variances summed, over the number of folds squared): on a weak signal
    the best score is mostly luck. Of several that clear it, the highest mean wins.
    """
    names = sorted(learners, key=PREFERENCE.index)
    default = names[0]
    per_fold: dict[str, list[float]] = {name: [] for name in names}
    variance = dict.fromkeys(names, 0.0)
    rng = np.random.default_rng([seed, 31])
    for scores, y, t in folds:
        for name in names:
            per_fold[name].append(float(qini_coefficient(y, scores[name], t)))
        gaps: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(_BOOTSTRAP_ROUNDS):
            rows = rng.integers(0, y.shape[0], y.shape[0])
            if t[rows].min() == t[rows].max():
                continue
            base = qini_coefficient(y[rows], scores[default][rows], t[rows])
            for name in names[1:]:
                gaps[name].append(qini_coefficient(y[rows], scores[name][rows], t[rows]) - base)
        for name in names[1:]:
            variance[name] += float(np.var(gaps[name])) if gaps[name] else 0.0
    k = len(folds)
    mean = {name: float(np.mean(per_fold[name])) for name in names}
    se = {name: float(np.sqrt(variance[name]) / k) for name in names}
    better = [n for n in names[1:] if mean[n] - mean[default] > se[n]]
    chosen = max(better, key=lambda n: mean[n]) if better else default
    return ({n: mean[n] for n in learners}, {n: per_fold[n] for n in learners},
            {n: se[n] for n in learners}, chosen)  # fmt: skip


def _no_history(y: np.ndarray, t: np.ndarray | None) -> str | None:
    """Why these rows cannot teach uplift, or None if they can."""
    if t is None:
        return "no treatment given"
    for arm, label in ((1.0, "contacted"), (0.0, "control")):
        rows = t == arm
        if rows.sum() < MIN_GROUP_ROWS:
            return f"only {int(rows.sum())} {label} rows (need {MIN_GROUP_ROWS})"
        if y[rows].max() == 0.0:
            return f"no positive outcome among the {label} rows"
    return None


def _seed(random_state: object) -> int:
    if random_state is None:
        return int(np.random.default_rng().integers(0, 2**31 - 1))
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer):
        raise ValueError(f"random_state must be an int or None; got {random_state!r}.")
    return int(random_state) % (2**31 - 1)
