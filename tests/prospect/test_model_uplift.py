"""The uplift model: estimator contract, recovery of a known uplift, reproducibility, fallback."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_estimators_unfitted,
    check_fit_check_is_fitted,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)
from sklift.metrics import qini_auc_score

from prospect.model.uplift import DEFAULT_LEARNERS, LEARNERS, UpliftModel, _choose
from prospect.model.uplift_metrics import qini_coefficient, qini_curve

FAST = {"n_estimators": 60, "learning_rate": 0.15, "cv": 2, "n_jobs": 1}


def _world(n: int, seed: int):
    """Contact adds 0.25 where x1 > 0 unless x2 > 0.5 (those take a card anyway: high chance,
    no uplift), and takes 0.05 where x1 <= -1: propensity ranking picks the wrong people."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    base = np.clip(0.08 + 0.05 * X[:, 0] + 0.25 * (X[:, 2] > 0.5), 0.01, 0.9)
    effect = np.where(X[:, 1] > 0, 0.25, np.where(X[:, 1] <= -1, -0.05, 0.0)) * (X[:, 2] <= 0.5)
    t = (rng.random(n) < 0.5).astype(int)
    p = np.clip(base + t * effect, 0.0, 1.0)
    y = (rng.random(n) < p).astype(int)
    return X, y, t, np.clip(base + effect, 0, 1) - base


@pytest.fixture(scope="module")
def world():
    return _world(4_000, 0)


@pytest.fixture(scope="module")
def fitted(world):
    X, y, t, _ = world
    return UpliftModel(random_state=0, **FAST).fit(X, y, t)


def test_recovers_uplift_better_than_propensity_ranking(world, fitted):
    X_new, _, _, truth_new = _world(3_000, 1)
    uplift = fitted.predict(X_new)
    X_old, y_old, _, _ = world
    propensity = UpliftModel(random_state=0, **FAST).fit(X_old, y_old)
    assert propensity.learner_ == "propensity"
    budget = 600
    gained = truth_new[np.argsort(-uplift)[:budget]].sum()
    by_propensity = truth_new[np.argsort(-propensity.predict(X_new))[:budget]].sum()
    best = np.sort(truth_new)[::-1][:budget].sum()
    assert gained > 0.8 * best
    assert gained > by_propensity + 0.2 * best
    assert fitted.learner_ in LEARNERS
    assert set(fitted.qini_scores_) == set(DEFAULT_LEARNERS)


def test_same_seed_same_model_and_clone_refits_the_same(world, fitted):
    X, y, t, _ = world
    unfitted = clone(fitted)
    params = unfitted.get_params()
    again = unfitted.fit(X, y, t)
    assert again.get_params() == params  # fit leaves its arguments as given
    np.testing.assert_array_equal(fitted.predict(X[:200]), again.predict(X[:200]))
    assert again.qini_scores_ == fitted.qini_scores_
    other = UpliftModel(random_state=1, **FAST).fit(X, y, t)
    assert not np.array_equal(fitted.predict(X[:200]), other.predict(X[:200]))


def test_held_out_month_is_the_latest(world):
    X, y, t, _ = world
    months = np.where(np.arange(len(y)) < 3_000, "2026-08", "2026-09")
    model = UpliftModel(random_state=0, learners=("two_model",), **FAST)
    folds, names = model._held_out(y.astype(float), t.astype(float), months, 2, 0)
    assert len(folds) == 1 and names == ["2026-09"]
    fit_rows, test_rows = folds[0]
    assert (months[test_rows] == "2026-09").all() and (months[fit_rows] == "2026-08").all()
    model.fit(X, y, t, months=months)
    assert set(model.qini_scores_) == {"two_model"}


def test_pickles_and_predicts_the_same(fitted, world):
    X = world[0][:50]
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).predict(X), fitted.predict(X))


def test_frames_with_categoricals_and_missing_values(world):
    X, y, t, truth = world
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["kind"] = np.where(X[:, 1] > 0, "eager", "calm")
    frame.loc[::7, "a"] = np.nan
    model = UpliftModel(random_state=0, learners=("two_model",), **FAST).fit(frame, y, t)
    new = frame.iloc[:100].copy()
    new.loc[new.index[0], "kind"] = "never seen"
    assert np.isfinite(model.predict(new)).all()
    assert list(model.feature_names_in_) == ["a", "b", "c", "d", "kind"]
    with pytest.raises(ValueError, match="lacks the columns"):
        model.predict(frame.drop(columns="kind"))
    with pytest.raises(TypeError, match="DataFrame"):
        model.predict(X)


def test_falls_back_to_propensity_without_history(world):
    X, y, t, _ = world
    for treatment in (None, np.ones_like(t), np.r_[np.zeros(10), np.ones(len(t) - 10)]):
        model = UpliftModel(random_state=0, **FAST).fit(X, y, treatment)
        assert model.learner_ == "propensity" and model.qini_scores_ == {}
        score = model.predict(X)
        assert ((score >= 0) & (score <= 1)).all()


@pytest.mark.parametrize(
    ("kwargs", "fit_args", "match"),
    [
        ({"learners": ("two_model", "magic")}, {}, "learners must be"),
        ({"learners": ()}, {}, "learners must be"),
        ({"cv": 1}, {}, "cv must be"),
        ({}, {"y": "half"}, "y must be 0/1"),
        ({}, {"y": "short"}, "y has"),
        ({}, {"treatment": "twos"}, "treatment must be 0/1"),
        ({}, {"months": "short"}, "months has"),
    ],
)
def test_bad_input_names_the_argument(world, kwargs, fit_args, match):
    X, y, t, _ = world
    args = {"y": y, "treatment": t, "months": None}
    variants = {
        "half": np.where(y == 1, 0.5, 0.0),
        "short": y[:-1],
        "twos": t * 2,
    }
    for key, value in fit_args.items():
        args[key] = variants[value] if key != "months" else np.array(["2026-01"] * 5)
    with pytest.raises(ValueError, match=match):
        model = UpliftModel(**{**FAST, **kwargs})
        model.fit(X, args["y"], args["treatment"], months=args["months"])


def test_unfitted_model_raises_not_fitted(world):
    with pytest.raises(NotFittedError):
        UpliftModel().predict(world[0])


@pytest.mark.parametrize(
    "check",
    [
        check_no_attributes_set_in_init,
        check_parameters_default_constructible,
        check_get_params_invariance,
        check_set_params,
        check_fit_check_is_fitted,
        check_estimators_unfitted,
    ],
    ids=lambda check: check.__name__,
)
def test_scikit_learn_estimator_checks(check):
    check(UpliftModel.__name__, UpliftModel(**FAST))


def test_qini_matches_scikit_uplift_and_orders_rankings():
    rng = np.random.default_rng(3)
    y, t = rng.integers(0, 2, 600), rng.integers(0, 2, 600)
    score = np.round(rng.normal(size=600) + 0.8 * y * t, 1)  # ties included
    assert qini_coefficient(y, score, t) == pytest.approx(qini_auc_score(y, score, t))
    perfect = y * t - y * (1 - t)
    assert qini_coefficient(y, perfect, t) == pytest.approx(1.0)
    assert qini_coefficient(y, -perfect, t) < 0
    n, gain = qini_curve(y, score, t)
    assert n[0] == 0 and gain[0] == 0 and n[-1] == 600
    with pytest.raises(ValueError, match="both treated"):
        qini_coefficient(y, score, np.ones(600))
    with pytest.raises(ValueError, match="differ in length"):
        qini_coefficient(y, score[:-1], t)


def test_rolling_origins_hold_out_each_of_the_latest_months_after_the_earlier_ones(world):
    X, y, t, _ = world
    months = np.array(["2026-06", "2026-07", "2026-08", "2026-09"])[np.arange(len(y)) % 4]
    model = UpliftModel(random_state=0, learners=("two_model",), **FAST)
    folds, names = model._held_out(y.astype(float), t.astype(float), months, 3, 0)
    assert names == ["2026-07", "2026-08", "2026-09"]
    for (fit_rows, test_rows), name in zip(folds, names, strict=True):
        assert (months[test_rows] == name).all() and (months[fit_rows] < name).all()
        assert len(fit_rows) + len(test_rows) == int((months <= name).sum())
    folds, names = model._held_out(y.astype(float), t.astype(float), months, 2, 0)
    assert names == ["2026-08", "2026-09"]
    model.fit(X, y, t, months=months)
    assert model.held_out_ == ["2026-08", "2026-09"]  # FAST has cv=2
    assert len(model.qini_folds_["two_model"]) == 2
    assert model.qini_scores_["two_model"] == pytest.approx(np.mean(model.qini_folds_["two_model"]))


def _folds(scores_per_fold, y, t):
    return [(scores, y[k], t[k]) for k, scores in enumerate(scores_per_fold)]


def test_choice_keeps_the_default_learner_unless_another_beats_it_by_more_than_the_noise():
    learners = ["proportional", "s_learner"]
    for seed in range(100):  # noise in which the constant-effect learner is the luckier one
        rng = np.random.default_rng(seed)
        y = rng.integers(0, 2, (3, 3_000)).astype(float)
        t = rng.integers(0, 2, (3, 3_000)).astype(float)
        noise = [{name: rng.normal(size=3_000) for name in learners} for _ in range(3)]
        mean = {name: np.mean([qini_coefficient(y[k], noise[k][name], t[k]) for k in range(3)])
                for name in learners}  # fmt: skip
        if mean["proportional"] > mean["s_learner"]:
            break
    assert mean["proportional"] > mean["s_learner"]
    qini, per_fold, se, chosen = _choose(_folds(noise, y, t), learners, 0)
    assert len(per_fold["s_learner"]) == 3 and se["proportional"] > 0
    assert qini["s_learner"] == pytest.approx(np.mean(per_fold["s_learner"]))
    assert chosen == "s_learner"  # noise never unseats the default
    perfect = [dict(f, proportional=y[k] * t[k] - y[k] * (1 - t[k])) for k, f in enumerate(noise)]
    qini, _, se, chosen = _choose(_folds(perfect, y, t), learners, 0)
    assert qini["proportional"] - qini["s_learner"] > se["proportional"]
    assert chosen == "proportional"  # a real gap does
