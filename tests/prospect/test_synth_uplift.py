"""The generated world with cause and effect: organic take-up, contact effects, campaign history."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from prospect.cli import app
from prospect.synth import generate_months, write_months
from prospect.synth.uplift import (
    CONTACT_EVERYONE,
    SEGMENTS,
    LegacyPolicy,
    generate_campaign_months,
)

# sha256 of today's default output (CSV months + oracle, numbers to 10 significant digits) for
# 300 users, 2 months, seed 3: the world with campaigns is an option, and the default months
# must not move. Ten digits, not every byte: the same code wrote other bytes on another machine
# (an AMD EPYC with AVX2 where the digest had been taken elsewhere; last-bit float differences
# of the host's libraries, not a change of the generator).
DEFAULT_DIGEST = "4dfcaa3c02835b26728acc49b26e2e62696ee9be8ec8244ea3f21782d02e9df3"


def default_digest(folder) -> str:
    """The digest of written months and their oracle, numbers to 10 significant digits."""
    digest = hashlib.sha256()
    frames = [pd.read_csv(p, dtype={"user_id": str, "msisdn": str, "month": str})
              for p in sorted(folder.glob("subscribers_*.csv"))]  # fmt: skip
    frames += [pd.read_parquet(p) for p in sorted((folder / "oracle").glob("oracle_*.parquet"))]
    for frame in frames:
        digest.update(frame.to_csv(index=False, float_format="%.10g").encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def world():
    months = list(generate_campaign_months(12_000, 3, seed=5))
    frame = pd.concat([m.frame for m in months], ignore_index=True)
    oracle = pd.concat([m.oracle for m in months], ignore_index=True)
    return months, frame, oracle


def _non_holders(frame, oracle):
    keep = (frame["has_card"] == 0).to_numpy()
    return frame[keep].reset_index(drop=True), oracle[keep].reset_index(drop=True)


def test_default_output_is_unchanged_byte_for_byte(tmp_path):
    write_months(tmp_path, 300, 2, seed=3, fmt="csv")
    assert default_digest(tmp_path) == DEFAULT_DIGEST
    assert not (tmp_path / "campaigns").exists()


def test_contacting_everyone_reproduces_todays_months():
    today = list(generate_months(1_500, 2, seed=9))
    world = list(generate_campaign_months(1_500, 2, seed=9, policy=CONTACT_EVERYONE))
    for old, new in zip(today, world, strict=True):
        pd.testing.assert_frame_equal(old.frame, new.frame)
        pd.testing.assert_frame_equal(old.oracle, new.oracle[old.oracle.columns])
        assert (new.contacts["group"] == "contacted").all()


def test_same_seed_same_world_and_another_seed_differs():
    first = next(generate_campaign_months(800, 1, seed=2))
    again = next(generate_campaign_months(800, 1, seed=2))
    other = next(generate_campaign_months(800, 1, seed=3))
    pd.testing.assert_frame_equal(first.oracle, again.oracle)
    pd.testing.assert_frame_equal(first.contacts, again.contacts)
    assert not first.oracle["p_took_card_uncontacted"].equals(
        other.oracle["p_took_card_uncontacted"]
    )


def test_organic_take_up_exists_and_is_not_everything(world):
    _, frame, oracle = world
    frame, oracle = _non_holders(frame, oracle)
    uncontacted = (oracle["group"] != "contacted").to_numpy()
    assert frame["took_card"].to_numpy()[uncontacted].sum() >= 50  # cards without any contact
    share = oracle["p_took_card_uncontacted"].sum() / oracle["p_took_card"].sum()
    assert 0.2 < share < 0.9


def test_each_group_has_the_effect_its_name_says(world):
    _, frame, oracle = world
    _, oracle = _non_holders(frame, oracle)
    assert set(oracle["segment"]) == set(SEGMENTS)
    p1, p0 = oracle["p_took_card"], oracle["p_took_card_uncontacted"]
    by = oracle.groupby("segment")
    rows = {name: by.get_group(name).index for name in SEGMENTS}
    assert (oracle.loc[rows["persuadable"], "uplift"] > 0).all()
    assert (p0[rows["persuadable"]] < 0.5 * p1[rows["persuadable"]]).all()
    assert (p0[rows["sure_thing"]] >= 0.5 * p1[rows["sure_thing"]]).all()
    assert (oracle.loc[rows["do_not_disturb"], "uplift"] < 0).all()
    assert (p1[rows["lost_cause"]] < 0.01).all()
    assert 0.005 < len(rows["do_not_disturb"]) / len(oracle) < 0.06  # a small group
    # Propensity is not uplift: the most likely takers include many who would take anyway.
    top = oracle.nlargest(len(oracle) // 10, "p_took_card")
    best = oracle.nlargest(len(oracle) // 10, "uplift")
    assert top["uplift"].sum() < 0.8 * best["uplift"].sum()


def test_oracle_is_consistent_with_the_outcomes(world):
    _, frame, oracle = world
    frame, oracle = _non_holders(frame, oracle)
    np.testing.assert_allclose(
        oracle["uplift"], oracle["p_took_card"] - oracle["p_took_card_uncontacted"]
    )
    assert oracle["p_took_card_uncontacted"].between(0, 1).all()
    took = frame["took_card"].to_numpy()
    for contacted in (True, False):
        rows = (oracle["group"] == "contacted").to_numpy() == contacted
        column = "p_took_card" if contacted else "p_took_card_uncontacted"
        p = oracle[column].to_numpy()[rows]
        se = np.sqrt((p * (1 - p)).sum()) / rows.sum()
        assert abs(took[rows].mean() - p.mean()) < 4 * se
    assert frame["took_card"].notna().all()  # every non-holder has an outcome


def test_control_is_random_within_the_campaign(world):
    months, frame, oracle = world
    campaign = oracle[oracle["group"] != ""]
    control = campaign["group"] == "control"
    assert 0.17 < control.mean() < 0.23
    for column in ("p_took_card", "uplift"):
        result = stats.ks_2samp(campaign.loc[control, column], campaign.loc[~control, column])
        assert result.pvalue > 0.001, column
    # Measured effect (contacted minus control) matches the campaign's true mean uplift.
    took = frame.loc[campaign.index, "took_card"]
    measured = took[~control].mean() - took[control].mean()
    se = np.sqrt(took[~control].var() / (~control).sum() + took[control].var() / control.sum())
    assert abs(measured - campaign["uplift"].mean()) < 4 * se
    # The CRM's file says the same as the frame.
    contacts = pd.concat([m.contacts for m in months], ignore_index=True)
    assert len(contacts) == len(campaign)
    assert contacts["took_card"].sum() == int(took.sum())


def test_legacy_policy_targets_the_likely_takers(world):
    _, frame, oracle = world
    _, oracle = _non_holders(frame, oracle)
    in_campaign = oracle["group"] != ""
    assert 0.3 < in_campaign.mean() < 0.45
    assert (
        oracle.loc[in_campaign, "p_took_card"].mean()
        > 2 * oracle.loc[~in_campaign, "p_took_card"].mean()
    )


@pytest.mark.parametrize(
    ("field", "value"), [("control_share", 1.5), ("targeted_share", -0.1), ("score_noise", -1.0)]
)
def test_bad_policy_names_the_field(field, value):
    with pytest.raises(ValueError, match=f"LegacyPolicy.{field}"):
        LegacyPolicy(**{field: value})


def test_cli_synth_campaigns_writes_the_contacts(tmp_path):
    result = CliRunner().invoke(
        app, ["synth", "--users", "400", "--months", "2", "--out", str(tmp_path), "--campaigns"]
    )
    assert result.exit_code == 0, result.output
    contacts = pd.read_parquet(tmp_path / "campaigns" / "contacts_2026-10.parquet")
    frame = pd.read_parquet(tmp_path / "subscribers_2026-10.parquet").set_index("user_id")
    assert list(contacts.columns) == ["user_id", "month", "group", "took_card"]
    assert set(contacts["group"]) <= {"contacted", "control"}
    np.testing.assert_array_equal(
        contacts["took_card"], frame.loc[contacts["user_id"], "took_card"].astype(int)
    )
    oracle = pd.read_parquet(tmp_path / "oracle" / "oracle_2026-10.parquet")
    assert {"p_took_card", "p_took_card_uncontacted", "uplift", "segment", "group"} <= set(oracle)
