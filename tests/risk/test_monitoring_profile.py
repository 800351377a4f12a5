"""The counts-based stability profile: exact PSI on small hand-counted data, JSON round trip,
and partition counts that add up to the whole month's."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk import StabilityProfile, sum_counts

REFERENCE = pd.DataFrame({"x": [float(v) for v in range(1, 11)], "channel": ["a"] * 6 + ["b"] * 4})
CURRENT = pd.DataFrame(
    {"x": [1, 2, 3, 4, 5, 6, 7, 8, np.nan, np.nan],
     "channel": ["a"] * 5 + ["b"] * 2 + ["c"] * 2 + [None]}
)  # fmt: skip


@pytest.fixture()
def profile() -> StabilityProfile:
    return StabilityProfile.build(REFERENCE, ["x", "channel"], n_bins=2)


def test_bins_and_counts_are_plain_json(profile):
    assert profile.to_dict() == {
        "variables": [
            {"name": "x", "kind": "numeric", "cuts": [5.5], "categories": [], "counts": [5, 5, 0]},
            {"name": "channel", "kind": "categorical", "cuts": [], "categories": ["a", "b"],
             "counts": [6, 4, 0, 0]},
        ]
    }  # fmt: skip
    assert profile.count(CURRENT) == {"x": [5, 3, 2], "channel": [5, 2, 2, 1]}


def test_psi_of_hand_counted_bins(profile):
    report = profile.report(profile.count(CURRENT)).set_index("variable")
    # x: shares (.5, .5, 0) -> (.5, .3, .2); an empty bin counts as 1e-4
    x = 0.2 * np.log(0.5 / 0.3) + (0.2 - 1e-4) * np.log(0.2 / 1e-4)
    # channel: (.6, .4, 0, 0) -> (.5, .2, .2 unseen "c", .1 missing)
    channel = (
        -0.1 * np.log(0.5 / 0.6)
        - 0.2 * np.log(0.2 / 0.4)
        + (0.2 - 1e-4) * np.log(0.2 / 1e-4)
        + (0.1 - 1e-4) * np.log(0.1 / 1e-4)
    )
    assert report.loc["x", "psi"] == pytest.approx(x, rel=1e-12)
    assert report.loc["channel", "psi"] == pytest.approx(channel, rel=1e-12)
    assert report.index.tolist() == ["channel", "x"]  # worst first
    assert report["status"].tolist() == ["shifted", "shifted"]


def test_bin_shares_name_where_the_month_moved(profile):
    shares = profile.bin_shares(profile.count(CURRENT))
    assert shares["x"] == [
        {"bin": "< 5.5", "reference": 0.5, "current": 0.5},
        {"bin": ">= 5.5", "reference": 0.5, "current": 0.3},
        {"bin": "missing", "reference": 0.0, "current": 0.2},
    ]
    assert [b["bin"] for b in shares["channel"]] == ["a", "b", "other", "missing"]
    assert [b["current"] for b in shares["channel"]] == [0.5, 0.2, 0.2, 0.1]


def test_score_comes_first_and_statuses_follow_the_thresholds():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"a": rng.normal(size=4000), "score": rng.normal(size=4000),
                        "b": rng.normal(size=4000)})  # fmt: skip
    cur = pd.DataFrame({"a": rng.normal(size=4000), "score": rng.normal(0.4, 1, 4000),
                        "b": rng.normal(1.0, 1, 4000)})  # fmt: skip
    profile = StabilityProfile.build(ref, ["a", "score", "b"])
    report = profile.report(profile.count(cur))
    assert report["variable"].tolist() == ["score", "b", "a"]
    assert report["status"].tolist() == ["monitor", "shifted", "stable"]


def test_a_boolean_feature_is_binned_by_value_so_a_flip_shows():
    ref = pd.DataFrame({"has_5g": [False] * 7 + [True] * 3})
    cur = pd.DataFrame({"has_5g": [False] * 3 + [True] * 7})
    profile = StabilityProfile.build(ref, ["has_5g"])
    assert profile.count(cur)["has_5g"] == [0, 3, 0, 7, 0]  # cuts 0, 0.3, 1
    assert profile.report(profile.count(cur))["psi"].iloc[0] == pytest.approx(
        0.4 * np.log(7 / 3) * 2, rel=1e-12
    )


def test_round_trip_through_json_gives_the_same_report(profile):
    again = StabilityProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again == profile
    pd.testing.assert_frame_equal(
        again.report(again.count(CURRENT)), profile.report(profile.count(CURRENT))
    )


def test_bad_input_is_refused_with_the_variable_named(profile):
    with pytest.raises(ValueError, match=r"frame lacks column\(s\) \['channel'\]"):
        profile.count(CURRENT[["x"]])
    with pytest.raises(ValueError, match="current counts of 'x' must be 3 counts"):
        profile.report({"x": [1, 2], "channel": [1, 1, 1, 1]})
    with pytest.raises(ValueError, match="current counts lack variable 'channel'"):
        profile.report({"x": [1, 2, 3]})
    with pytest.raises(ValueError, match="'x': kind must be one of"):
        StabilityProfile.from_dict({"variables": [{"name": "x", "kind": "text", "counts": []}]})
    with pytest.raises(ValueError, match="'x': 2 counts for 3 bins"):
        StabilityProfile.from_dict(
            {"variables": [{"name": "x", "kind": "numeric", "cuts": [1.0], "counts": [1, 2]}]}
        )
    with pytest.raises(ValueError, match="column 'x' has numeric bins but holds object"):
        profile.count(pd.DataFrame({"x": ["high"], "channel": ["a"]}))
    with pytest.raises(ValueError, match="variable 'x' has 2 bins; expected 3"):
        sum_counts([{"x": [1, 2, 3]}, {"x": [1, 2]}])


values = st.one_of(st.none(), st.floats(-5, 5, allow_nan=False), st.sampled_from([0.5, 1.0]))


@settings(max_examples=40, deadline=None)
@given(
    ref=st.lists(st.tuples(values, st.sampled_from("abc")), min_size=5, max_size=40),
    cur=st.lists(st.tuples(values, st.sampled_from("abcd")), min_size=2, max_size=40),
    cut=st.integers(1, 39),
)
def test_counts_of_two_halves_add_up_to_the_whole(ref, cur, cut):
    def frame(rows):
        return pd.DataFrame(
            {"x": pd.Series([r[0] for r in rows], dtype=float), "c": [r[1] for r in rows]}
        )

    profile = StabilityProfile.build(frame(ref), ["x", "c"])
    whole = frame(cur)
    cut = min(cut, len(whole) - 1)
    halves = sum_counts([profile.count(whole.iloc[:cut]), profile.count(whole.iloc[cut:])])
    assert halves == profile.count(whole)
    pd.testing.assert_frame_equal(profile.report(halves), profile.report(profile.count(whole)))
