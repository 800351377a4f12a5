"""Risk trajectories of cardholders in the generated world: signals move before defaults, the
oracle keeps the true hazard, everyone else's rows stay as generated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from prospect.synth import generate_months
from prospect.synth.trajectories import (
    EVENT_COLUMNS,
    TrajectoryConfig,
    generate_cardholder_months,
)


@pytest.fixture(scope="module")
def world():
    plain = list(generate_months(6000, 14, seed=3))
    moved = list(generate_cardholder_months(6000, 14, seed=3))
    return plain, moved


def test_non_cardholders_rows_and_the_default_generator_are_unchanged(world):
    plain, moved = world
    for before, (after, events) in zip(plain, moved, strict=True):
        others = ~after.frame["user_id"].isin(events["user_id"])
        pd.testing.assert_frame_equal(before.frame[others], after.frame[others])
        assert after.oracle.loc[others.to_numpy(), "hazard"].isna().all()
    again = list(generate_months(6000, 14, seed=3))
    pd.testing.assert_frame_equal(again[-1].frame, plain[-1].frame)


def test_same_seed_same_world(world):
    _, moved = world
    again = list(generate_cardholder_months(6000, 14, seed=3))
    pd.testing.assert_frame_equal(again[-1][1], moved[-1][1])
    pd.testing.assert_frame_equal(again[-1][0].frame, moved[-1][0].frame)


def test_cardholders_come_from_takers_and_leave_the_watch_after_defaulting(world):
    _, moved = world
    events = pd.concat([e for _, e in moved], ignore_index=True)
    assert list(events.columns) == list(EVENT_COLUMNS)
    first = moved[0][0].frame
    assert set(moved[0][1]["user_id"]) == set(first.loc[first["took_card"] == 1, "user_id"])
    defaults = events[events["defaulted_now"] == 1]
    assert defaults["user_id"].is_unique and len(defaults) > 50
    after = events.merge(defaults[["user_id", "month"]], on="user_id", suffixes=("", "_d"))
    assert (after["month"] <= after["month_d"]).all()


def test_signals_worsen_before_a_default_and_the_true_hazard_foretells_it(world):
    _, moved = world
    frames = pd.concat([m.frame.merge(e, on=["user_id", "month"]) for m, e in moved])
    d = frames.loc[frames["defaulted_now"] == 1].set_index("user_id")["month"]
    months = pd.PeriodIndex(frames["month"], freq="M").asi8
    d_m = pd.PeriodIndex(d, freq="M").asi8
    ahead = pd.Series(d_m, index=d.index).reindex(frames["user_id"]).to_numpy() - months
    soon = (ahead >= 1) & (ahead <= 3)
    never = np.isnan(ahead)
    arrears_soon = frames.loc[soon, "is_in_arrears"].mean()
    arrears_never = frames.loc[never, "is_in_arrears"].mean()
    assert arrears_soon > 3 * arrears_never
    assert (
        frames.loc[soon, "app_finance_count"].mean() > frames.loc[never, "app_finance_count"].mean()
    )
    rows = soon | never
    assert roc_auc_score(soon[rows], frames["p_default_next"].to_numpy()[rows]) > 0.85


def test_a_world_without_drift_or_shocks_keeps_signals_and_hazard_flat():
    calm = TrajectoryConfig(drift_share=0.0, shock_rate=0.0)
    months = list(generate_cardholder_months(3000, 6, seed=5, config=calm))
    plain = list(generate_months(3000, 6, seed=5))
    for (after, events), before in zip(months, plain, strict=True):
        pd.testing.assert_frame_equal(after.frame, before.frame)
        assert len(events) and (events["hazard"] == events.groupby("user_id")["hazard"]
                                .transform("first")).all()  # fmt: skip


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="shock_rate must be in"):
        list(generate_cardholder_months(100, 1, config=TrajectoryConfig(shock_rate=2.0)))


def test_stress_reaches_the_hazard_lag_months_after_the_signals():
    steady = TrajectoryConfig(drift_share=1.0, drift_low=0.3, drift_high=0.3, shock_rate=0.0,
                              lag=2, hazard_slope=1.3)  # fmt: skip
    months = list(generate_cardholder_months(3000, 4, seed=8, config=steady))
    first = set(months[0][1]["user_id"])
    events = pd.concat([e for _, e in months])
    hazard = events.pivot(index="user_id", columns="month", values="hazard")
    hazard = hazard.loc[sorted(first)].dropna()
    cols = list(hazard.columns)
    # Stress 0.3, 0.6, 0.9, ... shows in the signals at once, in the hazard two months later.
    np.testing.assert_allclose(hazard[cols[1]], hazard[cols[0]])
    np.testing.assert_allclose(hazard[cols[2]], np.minimum(0.9, hazard[cols[0]] * np.exp(0.39)))
    np.testing.assert_allclose(hazard[cols[3]], np.minimum(0.9, hazard[cols[0]] * np.exp(0.78)))
    plain = next(iter(generate_months(3000, 4, seed=8))).frame.set_index("user_id")
    moved = months[0][0].frame.set_index("user_id").loc[sorted(first)]
    surged = moved["app_finance_count"] > plain.loc[moved.index, "app_finance_count"]
    assert surged.mean() > 0.5  # the signals moved in the very first month
