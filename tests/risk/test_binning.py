import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from risk import WOEBinner
from risk.binning import Partition, pav_prefix_starts, pav_starts, unimodal_starts

from .conftest import make_credit


def _rates(binner, feature):
    table = binner.binning_table(feature)
    regular = table[table["bin"].str.startswith("[")]
    return regular["event_rate"].to_numpy()


def test_pav_pools_violators_into_an_ascending_sequence():
    ev = np.array([1.0, 5.0, 3.0, 8.0])
    ct = np.array([10.0, 10.0, 10.0, 10.0])
    assert pav_starts(ev, ct, ascending=True).tolist() == [0, 1, 3]
    assert pav_starts(ev, ct, ascending=False).tolist() == [0]


def test_pav_of_every_prefix_matches_pav_run_on_that_prefix():
    ev = np.array([1.0, 5.0, 3.0, 8.0, 2.0, 2.0])
    ct = np.full(6, 10.0)
    prefixes = pav_prefix_starts(ev, ct, ascending=True)
    assert [p.tolist() for p in prefixes] == [
        pav_starts(ev[:k], ct[:k], ascending=True).tolist() for k in range(1, 7)
    ]
    assert prefixes[3].tolist() == [0, 1, 3]  # 1 | 5, 3 | 8
    assert prefixes[-1].tolist() == [0, 1]  # 1 | 5, 3, 8, 2, 2 (8, 2, 2 pools into 5, 3)


def test_unimodal_search_finds_the_best_peak_over_every_turning_point():
    ev = np.array([1.0, 3.0, 2.0, 6.0, 4.0, 5.0, 2.0, 3.0, 1.0])
    ct = np.full(9, 10.0)

    def brute(k: int) -> np.ndarray:  # the definition: rising up to k, falling after
        return np.concatenate([pav_starts(ev[:k], ct[:k], True),
                               k + pav_starts(ev[k:], ct[k:], False)])  # fmt: skip

    expected = max((brute(k) for k in range(1, 9)),
                   key=lambda s: Partition.from_starts(s, ev, ct).iv(0.5))  # fmt: skip
    found = unimodal_starts(ev, ct, peak=True, smoothing=0.5)
    assert found.tolist() == expected.tolist()
    rates = Partition.from_starts(found, ev, ct).rates
    top = int(np.argmax(rates))
    assert np.all(np.diff(rates[: top + 1]) > 0) and np.all(np.diff(rates[top:]) < 0)


def test_event_rate_is_monotonic_in_the_direction_found_or_asked(credit):
    X, y = credit
    binner = WOEBinner(min_bin_share=0.05).fit(X, y)
    assert binner.trends_["utilisation"] == "ascending"
    assert binner.trends_["tenure"] == "descending"
    assert np.all(np.diff(_rates(binner, "utilisation")) > 0)
    assert np.all(np.diff(_rates(binner, "tenure")) < 0)
    forced = WOEBinner(monotonic_trend={"tenure": "ascending"}).fit(X, y)
    assert np.all(np.diff(_rates(forced, "tenure")) > 0)


def test_missing_and_special_values_get_bins_of_their_own(credit):
    X, y = credit
    binner = WOEBinner(special_values={"income": [-1]}).fit(X, y)
    table = binner.binning_table("income").set_index("bin")
    assert table.loc["Missing", "count"] == X["income"].isna().sum()
    assert table.loc["special -1", "count"] == (X["income"] == -1).sum()
    woe = binner.transform(pd.DataFrame({"income": [np.nan, -1.0, 3000.0], "utilisation": 0.5,
                                         "tenure": 10.0, "channel": "a"}))["income"]  # fmt: skip
    assert woe.iloc[0] == pytest.approx(table.loc["Missing", "woe"])
    assert woe.iloc[1] == pytest.approx(table.loc["special -1", "woe"])
    assert woe.iloc[1] < woe.iloc[0] < 0 < woe.iloc[2]


def test_every_regular_bin_holds_the_minimum_share(credit):
    X, y = credit
    binner = WOEBinner(min_bin_share=0.1).fit(X, y)
    for feature in ("utilisation", "tenure", "channel"):
        table = binner.binning_table(feature)
        regular = table[~table["bin"].isin(["Missing", "Totals"])]
        assert regular["count_share"].min() >= 0.1


def test_categories_ordered_by_risk_and_unseen_category_is_neutral(credit):
    X, y = credit
    binner = WOEBinner().fit(X, y)
    table = binner.binning_table("channel")
    assert table["bin"].iloc[-3] == "d"  # riskiest category: last regular bin
    new = X.head(2).assign(channel=["d", "zz"])
    woe = binner.transform(new)["channel"]
    assert woe.iloc[0] == pytest.approx(table["woe"].iloc[-3])
    assert woe.iloc[1] == 0.0


def test_rare_categories_are_pooled():
    X, y = make_credit(n=2000)
    X.loc[:5, "channel"] = ["e", "f", "g", "e", "f", "g"]
    binner = WOEBinner(min_bin_share=0.05).fit(X, y)
    mapping = binner.bins_["channel"].categories
    assert mapping["e"] == mapping["f"] == mapping["g"]


def test_binner_reports_iv_and_is_reproducible(credit):
    X, y = credit
    a, b = WOEBinner().fit(X, y), WOEBinner().fit(X, y)
    assert a.iv_["utilisation"] > a.iv_["channel"] > 0
    pd.testing.assert_frame_equal(a.transform(X), b.transform(X))


def test_unfitted_binner_and_bad_parameters_raise(credit):
    X, y = credit
    with pytest.raises(NotFittedError):
        WOEBinner().transform(X)
    with pytest.raises(ValueError, match="monotonic_trend must be one of"):
        WOEBinner(monotonic_trend="up").fit(X, y)
    with pytest.raises(ValueError, match="min_bin_share must be in"):
        WOEBinner(min_bin_share=0.7).fit(X, y)
    with pytest.raises(ValueError, match="y must contain both classes"):
        WOEBinner().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="features names columns not in X"):
        WOEBinner(features=["nope"]).fit(X, y)
