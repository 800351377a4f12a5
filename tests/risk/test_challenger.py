import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from risk import Challenger, ScoreRegressor
from risk.trend_consistency import trend_consistency

from .conftest import make_credit


def test_challenger_takes_monotone_constraints_from_the_binning_trends():
    X, y = make_credit()
    model = Challenger(n_estimators=60, random_state=0).fit(X, y)
    # income's descending trend is only its sentinel -1 at the bottom: not held bin by bin
    assert model.monotone_constraints_ == {
        "utilisation": 1, "tenure": -1, "channel": -1, "income": 0,
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


def _rated(rates: list[float], n: int = 200) -> tuple[pd.Series, np.ndarray]:
    """One value per rate (0, 1, 2, ...), ``n`` rows each, with exactly that event rate."""
    x = np.repeat(np.arange(len(rates), dtype=float), n)
    y = np.concatenate([(np.arange(n) < r * n).astype(float) for r in rates])
    return pd.Series(x), y


def test_trend_consistency_sees_a_tail_turning_against_the_trend():
    x, y = _rated([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert trend_consistency(x, y) == pytest.approx(1.0)
    x, y = _rated([0.1, 0.2, 0.3, 0.4, 0.5, 0.05])
    assert trend_consistency(x, y) == pytest.approx(1 - 6 * 30 / (6 * 35))
    x, y = _rated([0.1, 0.2, 0.3, 0.4, 0.5, 0.0])
    assert trend_consistency(x.replace(5.0, 98.0), y, specials=(98.0,)) == pytest.approx(1.0)
    assert trend_consistency(x, np.zeros(len(x))) == 0.0


def test_a_flag_is_consistent_with_its_own_direction_and_gets_constrained():
    x, y = _rated([0.05, 0.30], n=1200)  # 60 and 360 events
    assert trend_consistency(x, y) == 1.0
    assert trend_consistency(1 - x, y) == -1.0
    assert trend_consistency(x, np.full(len(x), 0.0)) == 0.0
    few_x, few_y = _rated([0.05, 0.30], n=100)  # 5 and 30 events: too few to tell
    assert trend_consistency(few_x, few_y) == 0.0
    X = pd.DataFrame({"blacklisted": x.to_numpy()})
    model = Challenger(n_estimators=5).fit(X, y)
    assert model.monotone_constraints_ == {"blacklisted": 1}


def test_min_trend_consistency_minus_one_constrains_every_trended_feature():
    X, y = make_credit()
    model = Challenger(min_trend_consistency=-1.0, n_estimators=20).fit(X, y)
    assert model.monotone_constraints_["income"] == -1
    with pytest.raises(ValueError, match=r"min_trend_consistency must be in \[-1, 1\]; got 2"):
        Challenger(min_trend_consistency=2).fit(X, y)
