import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from risk import Challenger, ScoreRegressor

from .conftest import make_credit


def test_challenger_takes_monotone_constraints_from_the_binning_trends():
    X, y = make_credit()
    model = Challenger(n_estimators=60, random_state=0).fit(X, y)
    assert model.monotone_constraints_ == {
        "utilisation": 1, "tenure": -1, "channel": -1, "income": -1,
    }  # fmt: skip
    Xt, yt = make_credit(seed=5)
    p = model.predict_proba(Xt)[:, 1]
    assert roc_auc_score(yt, p) > 0.75
    low, high = Xt.head(1).assign(utilisation=0.1), Xt.head(1).assign(utilisation=0.9)
    assert model.predict_proba(high)[0, 1] >= model.predict_proba(low)[0, 1]
    again = pickle.loads(pickle.dumps(model))
    assert again.predict_proba(Xt.head(3)) == pytest.approx(model.predict_proba(Xt.head(3)))


def test_challenger_is_reproducible_and_needs_fit():
    X, y = make_credit(n=800)
    with pytest.raises(NotFittedError):
        Challenger().predict_proba(X)
    a = Challenger(n_estimators=20, random_state=3).fit(X, y).predict_proba(X)
    b = Challenger(n_estimators=20, random_state=3).fit(X, y).predict_proba(X)
    assert np.array_equal(a, b)


def test_score_regressor_beats_predicting_the_median():
    X, _ = make_credit(n=2000)
    score = 600 - 100 * X["utilisation"] + 0.5 * X["tenure"] + (X["channel"] == "d") * -40
    model = ScoreRegressor(n_estimators=150).fit(X.iloc[:1500], score.iloc[:1500])
    pred = model.predict(X.iloc[1500:])
    mae = np.abs(pred - score.iloc[1500:]).mean()
    baseline = np.abs(score.iloc[1500:] - score.iloc[:1500].median()).mean()
    assert mae < 0.25 * baseline
    with pytest.raises(ValueError, match="one non-missing score per row"):
        ScoreRegressor().fit(X, np.full(len(X), np.nan))


def test_challenger_without_monotone_constraints_leaves_features_free():
    X, y = make_credit(n=800)
    model = Challenger(monotone=False, n_estimators=20).fit(X, y)
    assert set(model.monotone_constraints_.values()) == {0}
