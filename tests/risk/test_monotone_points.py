"""Points follow the risk by default: a riskier bin never scores more points."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from risk import Scorecard, ScorecardError, WOEBinner
from risk.coding import event_rates
from risk.stepwise_regression import StepwiseLogisticRegression

from .conftest import make_credit


def wrong_way_pairs(card: Scorecard) -> list[tuple[str, str, str]]:
    """(feature, riskier bin, safer bin) where the riskier bin scores more points."""
    out = []
    for f in card.selected_:
        bins = card.binner_.bins_[f]
        rate, pts = event_rates(bins), card.bin_points_[f]
        for i in range(len(pts)):
            for j in range(len(pts)):
                if rate[i] > rate[j] and pts[i] > pts[j] + 1e-9:
                    out.append((f, bins.labels[i], bins.labels[j]))
    return out


def correlated_credit(n: int = 6000, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Two strongly correlated risk drivers: one coefficient per bin lets the second's
    points turn against its own trend once the first explains most of the risk."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    a = z + rng.normal(0, 0.3, n)
    b = z + rng.normal(0, 0.3, n)
    c = rng.choice(list("pqrs"), n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2 + 1.5 * a)))).astype(float)
    return pd.DataFrame({"a": a, "b": b, "c": c}), y


def test_default_points_follow_the_risk_where_indicator_coding_does_not():
    X, y = correlated_credit()
    binner = WOEBinner(min_bin_share=0.02)
    loose = Scorecard(binner=binner, coding="indicator", max_correlation=1.0).fit(X, y)
    assert wrong_way_pairs(loose)  # the problem the default must not have
    card = Scorecard(binner=binner, max_correlation=1.0).fit(X, y)
    assert card.coding == "step"
    assert wrong_way_pairs(card) == []


def test_ordered_feature_points_follow_the_binning_trend():
    X, y = make_credit()
    card = Scorecard().fit(X, y)
    table = card.points_table_
    util = table[(table["feature"] == "utilisation") & table["bin"].str.startswith("[")]
    assert np.all(np.diff(util["points"].to_numpy()) <= 1e-9)  # riskier -> fewer points
    tenure = table[(table["feature"] == "tenure") & table["bin"].str.startswith("[")]
    assert np.all(np.diff(tenure["points"].to_numpy()) >= -1e-9)


def test_step_coding_refuses_an_estimator_that_breaks_the_order():
    X, y = correlated_credit()
    card = Scorecard(binner=WOEBinner(min_bin_share=0.02), max_correlation=1.0,
                     estimator=LogisticRegression(C=10.0, max_iter=3000))  # fmt: skip
    with pytest.raises(ScorecardError, match="coefficients are <= 0"):
        card.fit(X, y)


def test_stepwise_regression_keeps_coefficients_non_positive_and_fits_like_lr():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    y = (rng.random(2000) < 1 / (1 + np.exp(-(X[:, 0] - X[:, 1])))).astype(int)
    model = StepwiseLogisticRegression(C=100.0).fit(X, y)
    assert np.all(model.coef_ <= 0)
    assert model.coef_[0, 0] == pytest.approx(0.0, abs=1e-6)  # the positive effect is cut
    assert model.coef_[0, 1] == pytest.approx(-1.0, abs=0.15)
    free = LogisticRegression(C=100.0).fit(-X[:, 1:2], y)
    bounded = StepwiseLogisticRegression(C=100.0).fit(X[:, 1:2], y)
    assert bounded.coef_[0, 0] == pytest.approx(-free.coef_[0, 0], rel=1e-3)


def test_cross_val_score_uses_sklearns_score_not_points():
    X, y = make_credit(n=1500)
    scores = cross_val_score(Scorecard(), X, y, cv=3, scoring=None)
    assert np.all(np.isfinite(scores)) and np.all((scores > 0.5) & (scores <= 1.0))
    auc = cross_val_score(Scorecard(), X, y, cv=3, scoring="roc_auc")
    assert auc.mean() > 0.75
