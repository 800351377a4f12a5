import math
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from risk import PDOScaling, Scorecard, ScorecardError, WOEBinner

from .conftest import make_credit

DIMENSIONS = {"usage": ["utilisation", "income"], "relationship": ["tenure"]}


@pytest.fixture(scope="module")
def fitted():
    X, y = make_credit()
    card = Scorecard(binner=WOEBinner(special_values={"income": [-1]}, min_bin_share=0.05),
                     dimensions=DIMENSIONS)  # fmt: skip
    return card.fit(X, y), X, y


@pytest.mark.parametrize("coding", ["step", "woe", "indicator"])
def test_score_and_pd_follow_the_pdo_scaling(coding):
    X, y = make_credit()
    card = Scorecard(coding=coding).fit(X, y)
    score, pd_ = card.points(X), card.predict_proba(X)[:, 1]
    odds_good = (1 - pd_) / pd_
    assert score == pytest.approx(600 + 20 / math.log(2) * np.log(odds_good / 50))
    assert roc_auc_score(y, pd_) > 0.75


def test_points_table_sums_to_the_score(fitted):
    card, X, _ = fitted
    row = X.iloc[[0]]
    idx = card.binner_.bin_indices(row)
    total = card.base_points_
    for feature in card.selected_:
        table = card.points_table_[card.points_table_["feature"] == feature]
        total += table["points"].iloc[idx[feature].iloc[0]]
    assert card.points(row)[0] == pytest.approx(total)


def test_woe_coding_gives_points_monotonic_in_the_bins():
    X, y = make_credit()
    card = Scorecard(coding="woe", binner=WOEBinner(min_bin_share=0.05)).fit(X, y)
    table = card.points_table_[card.points_table_["feature"] == "utilisation"]
    regular = table[table["bin"].str.startswith("[")]["points"].to_numpy()
    assert np.all(np.diff(regular) < 0)  # riskier utilisation bins -> fewer points


def test_reason_codes_name_the_feature_that_costs_most(fitted):
    card, X, _ = fitted
    applicant = X.iloc[[0]].assign(utilisation=0.99, tenure=119.0, channel="a", income=5000.0)
    codes = card.reason_codes(applicant, n=4, labels={"utilisation": "Credit used"})
    assert codes.columns.tolist() == ["reason_1", "reason_2", "reason_3", "reason_4"]
    assert codes.iloc[0, 0].startswith("Credit used: [")
    assert codes.iloc[0, 0].endswith("points)")
    best = X.iloc[[0]].assign(utilisation=0.01, tenure=119.0, channel="a", income=5000.0)
    assert card.reason_codes(best, n=2).iloc[0].isna().sum() >= 1


def test_dimension_points_plus_base_equal_the_total(fitted):
    card, X, _ = fitted
    dims = card.score_by_dimension(X.head(50))
    assert list(dims.columns) == ["usage", "relationship", "other", "base", "total"]
    parts = dims.drop(columns="total").sum(axis=1)
    assert parts.to_numpy() == pytest.approx(dims["total"].to_numpy())
    assert dims["total"].to_numpy() == pytest.approx(card.points(X.head(50)))
    with pytest.raises(ValueError, match="never saw"):
        card.score_by_dimension(X, {"x": ["nope"]})


def test_grades_a_to_e_have_rising_default_rates(fitted):
    card, X, y = fitted
    table = card.grade_table_
    assert table["grade"].tolist() == list("ABCDE")
    assert np.all(np.diff(table["default_rate"].to_numpy()) > 0)
    grades = card.grade(X)
    assert set(grades) == set("ABCDE")
    assert y[grades == "A"].mean() < y[grades == "E"].mean()


def test_selection_drops_features_below_min_iv():
    X, y = make_credit()
    X["noise"] = np.random.default_rng(1).normal(size=len(X))
    # pure noise still shows IV ~0.06 on 3,000 rows (optimal binning inflates IV), so 0.1
    card = Scorecard(min_iv=0.1).fit(X, y)
    assert "noise" not in card.selected_
    assert "utilisation" in card.selected_
    with pytest.raises(ScorecardError, match="min_iv"):
        Scorecard(min_iv=50.0).fit(X, y)


def test_unfitted_clone_pickle_and_bad_parameters(fitted):
    card, X, _ = fitted
    with pytest.raises(NotFittedError):
        Scorecard().points(X)
    assert clone(card).get_params()["dimensions"] == DIMENSIONS
    again = pickle.loads(pickle.dumps(card))
    assert again.points(X.head(5)) == pytest.approx(card.points(X.head(5)))
    X2, y2 = make_credit(n=500)
    with pytest.raises(
        ValueError, match="coding must be one of \\('step', 'woe', 'indicator'\\); got 'x'"
    ):
        Scorecard(coding="x").fit(X2, y2)
    with pytest.raises(TypeError, match="scaling must be a PDOScaling"):
        Scorecard(scaling={"pdo": 20}).fit(X2, y2)
    custom = Scorecard(scaling=PDOScaling(base_score=500, base_odds=1, pdo=50)).fit(X2, y2)
    assert custom.scaling_.offset == pytest.approx(500)
    assert isinstance(card.points_table_, pd.DataFrame)
