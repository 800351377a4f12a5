"""PropensityModel: resampling only in fit, calibration, explanations, estimator contract."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTENC
from imblearn.under_sampling import RandomUnderSampler
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import brier_score_loss

from prospect.model import PropensityModel
from prospect.spec import load_spec

FAST = {"n_estimators": 40, "learning_rate": 0.2}
NUMERIC = ["age", "app_finance_count"]
BOOLEAN = ["is_student"]
CATEGORICAL = ["plan_tier"]
TIERS = np.array(["5g_basic", "5g_plus", "5g_premium"], dtype=object)


def make_frame(n: int, seed: int, base: float = -3.0) -> tuple[pd.DataFrame, pd.Series]:
    """Imbalanced canonical-style frame: finance apps and premium plans drive take-up."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 70, n).astype(float),
            "app_finance_count": rng.poisson(3, n).astype(float),
            "is_student": (rng.random(n) < 0.2).astype(float),
            "plan_tier": TIERS[rng.integers(0, 3, n)],
        }
    )
    frame.loc[rng.random(n) < 0.05, "age"] = np.nan
    frame.loc[rng.random(n) < 0.05, "plan_tier"] = np.nan
    logit = base + 0.6 * frame["app_finance_count"] + 1.0 * (frame["plan_tier"] == "5g_premium")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return frame, pd.Series(y, name="took_card")


def model(**params) -> PropensityModel:
    defaults = dict(
        numeric_features=NUMERIC,
        boolean_features=BOOLEAN,
        categorical_features=CATEGORICAL,
        xgb_params=FAST,
        calibration=None,
    )
    return PropensityModel(**{**defaults, **params})


@pytest.fixture(scope="module")
def data():
    return make_frame(1500, seed=1)


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return model(strategy="scale_pos_weight", calibration="sigmoid").fit(X, y)


@pytest.mark.parametrize(
    ("strategy", "sampler"), [("smotenc", SMOTENC), ("undersample", RandomUnderSampler)]
)
def test_resampling_happens_in_fit_only(data, monkeypatch, strategy, sampler):
    X, y = data
    calls = []
    original = sampler.fit_resample
    monkeypatch.setattr(
        sampler, "fit_resample", lambda self, A, b: calls.append(len(A)) or original(self, A, b)
    )
    fitted = model(strategy=strategy, calibration="isotonic", calibration_cv=2).fit(X, y)
    assert len(calls) == 3  # two calibration folds and the final refit
    proba = fitted.predict_proba(X)
    assert len(calls) == 3
    assert proba.shape == (len(X), 2)
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_calibration_improves_brier_of_undersampled_model():
    X, y = make_frame(3000, seed=2, base=-4.5)
    X_test, y_test = make_frame(3000, seed=3, base=-4.5)
    raw = model(strategy="undersample").fit(X, y).predict_proba(X_test)[:, 1]
    calibrated = model(strategy="undersample", calibration="isotonic").fit(X, y)
    p = calibrated.predict_proba(X_test)[:, 1]
    assert brier_score_loss(y_test, p) < 0.8 * brier_score_loss(y_test, raw)
    assert abs(p.mean() - y_test.mean()) < 0.02
    assert raw.mean() > 2 * y_test.mean()  # undersampling inflated the raw probabilities


def test_contributions_name_columns_and_sum_to_margin(fitted, data):
    X, _ = data
    contribs = fitted.contributions(X.head(50))
    assert list(contribs.columns) == [*NUMERIC, *BOOLEAN, *CATEGORICAL, "bias"]
    margin = fitted.decision_function(X.head(50))
    np.testing.assert_allclose(contribs.sum(axis=1), margin, atol=1e-4)
    approx = fitted.contributions(X.head(50), approximate=True)
    np.testing.assert_allclose(approx.sum(axis=1), margin, atol=1e-4)


def test_explain_gives_readable_drivers_of_original_columns(fitted):
    X = pd.DataFrame(
        {
            "age": [40.0, 40.0],
            "app_finance_count": [12.0, 0.0],
            "is_student": [0.0, 0.0],
            "plan_tier": ["5g_basic", "5g_premium"],
        },
        index=["heavy_finance", "premium"],
    )
    drivers = fitted.explain(X, n=2)
    assert list(drivers.columns) == ["driver_1", "driver_2"]
    assert list(drivers.index) == ["heavy_finance", "premium"]
    assert drivers.loc["heavy_finance", "driver_1"].startswith("app_finance_count high (+")
    assert drivers.loc["premium", "driver_1"].startswith("plan_tier=5g_premium (+")
    contribs = fitted.contributions(X)
    value = contribs.loc["heavy_finance", "app_finance_count"]
    assert drivers.loc["heavy_finance", "driver_1"].endswith(f"({value:+.2f})")


def test_unseen_category_at_predict_is_scored_as_missing(fitted):
    X = pd.DataFrame(
        {"age": [30.0, 30.0], "app_finance_count": [2.0, 2.0], "is_student": [0.0, 0.0],
         "plan_tier": ["5g_business", "5g_plus"]}
    )  # fmt: skip
    proba = fitted.predict_proba(X)[:, 1]
    assert np.isfinite(proba).all()
    assert fitted.explain(X, n=4).shape == (2, 4)


def test_clone_and_get_params_round_trip():
    original = model(strategy="smotenc", calibration="sigmoid", random_state=7)
    copy = clone(original)
    assert copy.get_params() == original.get_params()
    assert copy.get_params()["strategy"] == "smotenc"


def test_unfitted_model_raises_not_fitted(data):
    X, _ = data
    with pytest.raises(NotFittedError):
        model().predict_proba(X)
    with pytest.raises(NotFittedError):
        model().explain(X)


def test_pickled_model_scores_the_same(fitted, data):
    X, _ = data
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    assert list(restored.feature_names_in_) == [*NUMERIC, *BOOLEAN, *CATEGORICAL]


def test_same_seed_same_probabilities(data):
    X, y = data
    first = model(strategy="smotenc", random_state=3).fit(X, y).predict_proba(X)
    second = model(strategy="smotenc", random_state=3).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


def test_from_spec_never_uses_labels_ids_or_pii():
    spec = load_spec("subscriber_5g")
    built = PropensityModel.from_spec(spec, strategy="undersample")
    features = {*built.numeric_features, *built.categorical_features, *built.boolean_features}
    forbidden = {"user_id", "month", "msisdn", "has_card", *spec.label_columns}
    assert features == set(spec.feature_columns)
    assert forbidden <= set(built.excluded_columns)
    assert built.strategy == "undersample"


def test_label_column_as_feature_is_refused(data):
    X, y = data
    X = X.assign(took_card=y)
    leaky = model(numeric_features=[*NUMERIC, "took_card"], excluded_columns=["took_card"])
    with pytest.raises(ValueError, match="took_card"):
        leaky.fit(X, y)
    with pytest.raises(ValueError, match="label 'took_card' is also listed"):
        model(numeric_features=[*NUMERIC, "took_card"]).fit(X, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"strategy": "oversample"}, "strategy must be one of .*; got 'oversample'"),
        ({"calibration": "platt"}, "calibration must be .*; got 'platt'"),
        ({"calibration": "sigmoid", "calibration_cv": 1}, "calibration_cv must be at least 2"),
    ],
)
def test_bad_parameters_are_named_in_fit(data, params, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        model(**params).fit(X, y)


def test_unknown_labels_and_missing_columns_are_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="missing labels"):
        model().fit(X, y.where(y.index > 0))
    with pytest.raises(ValueError, match=r"lacks feature columns \['plan_tier'\]"):
        model().fit(X.drop(columns="plan_tier"), y)
    with pytest.raises(TypeError, match="DataFrame"):
        model().fit(X.to_numpy(), y)
