"""Selection on incremental value: the value formula in hand-computed numbers, uplift ranking
against propensity ranking, the control group on top of the budget, the propensity fallback."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from prospect.exceptions import ConfigError
from prospect.spec import load_spec
from prospect.targeting import CampaignConfig, build_campaign, shortlist, write_campaign_summary
from prospect.targeting.config import load_campaign_config
from prospect.targeting.control import ControlPlan, split_control
from prospect.targeting.value import expected_value, scored_value

RULES = load_spec("subscriber_5g").eligibility.rules
AS_OF = date(2026, 3, 1)


def make_config(**overrides) -> CampaignConfig:
    base = {
        "channel": "sms", "cost_per_contact": {"sms": 0.05}, "budget": {"contacts": 2},
        "value_good": 600.0, "loss_default": 4000.0, "control": None,
    }  # fmt: skip
    return CampaignConfig.model_validate(base | overrides)


def make_scored(p, uplift, pd_, personas=None) -> pd.DataFrame:
    n = len(p)
    personas = personas if personas is not None else [0] * n
    frame = pd.DataFrame({
        "user_id": [f"u{i:05d}" for i in range(n)], "msisdn": [f"138{i:08d}" for i in range(n)],
        "persona": [int(g) for g in personas], "persona_name": [f"p{g}" for g in personas],
        "p_demand": np.asarray(p, dtype=float), "pd": np.asarray(pd_, dtype=float),
        "score_points": 600.0, "drivers": [["arpu_high"]] * n, "reasons": [["tenure"]] * n,
        "real_name_verified": 1.0, "age": 30.0, "is_blacklisted": 0.0, "has_card": 0.0,
    })  # fmt: skip
    if uplift is not None:
        frame["uplift"] = np.asarray(uplift, dtype=float)
    return frame


def test_expected_value_is_the_incremental_formula_in_hand_computed_numbers():
    config = make_config()
    # 0.1 * 0.98 * 600 - 0.1 * 0.02 * 4000 - 0.05 = 58.8 - 8 - 0.05
    # -0.05 * 0.99 * 600 + 0.05 * 0.01 * 4000 - 0.05 = -29.7 + 2 - 0.05
    # 0 uplift: the contact cost alone
    got = expected_value([0.1, -0.05, 0.0, np.nan], [0.02, 0.01, 0.3, 0.1], config)
    np.testing.assert_allclose(got[:3], [50.75, -27.75, -0.05], atol=1e-12)
    assert np.isnan(got[3])


def test_scored_value_uses_uplift_when_scored_and_propensity_otherwise():
    config = make_config()
    with_uplift = make_scored([0.3], [0.04], [0.05])
    # 0.04 * 0.95 * 600 - 0.04 * 0.05 * 4000 - 0.05 = 22.8 - 8 - 0.05
    assert scored_value(with_uplift, config)[0] == pytest.approx(14.75, abs=1e-12)
    # fallback, p_demand as the effect: 0.3 * 0.95 * 600 - 0.3 * 0.05 * 4000 - 0.05
    plain = with_uplift.drop(columns="uplift")
    assert scored_value(plain, config)[0] == pytest.approx(110.95, abs=1e-12)


def test_selection_ranks_by_incremental_value_and_reports_the_propensity_list():
    # a and b would take a card anyway (high p, small uplift); c and d are persuadable
    scored = make_scored([0.6, 0.5, 0.1, 0.05], [0.01, 0.02, 0.08, 0.05], [0.02] * 4)
    result = build_campaign(scored, make_config(), campaign_key="k", rules=RULES, as_of=AS_OF)
    assert list(result.targets.user_id) == ["u00002", "u00003"]
    # EV = u * 0.98 * 600 - u * 0.02 * 4000 - 0.05 = 508 u - 0.05
    np.testing.assert_allclose(result.targets.expected_value, [40.59, 25.35], atol=1e-9)
    summary = result.summary
    assert summary["value_basis"] == "uplift"
    assert summary["incremental"]["cardholders"] == pytest.approx(0.13)
    assert summary["incremental_propensity_ranking"]["cardholders"] == pytest.approx(0.03)
    assert summary["expected_value"] == pytest.approx(40.59 + 25.35)


def test_interval_of_the_incremental_cardholders_in_hand_computed_numbers():
    scored = make_scored([0.6, 0.5, 0.1, 0.05], [0.01, 0.02, 0.08, 0.05], [0.02] * 4)
    result = build_campaign(scored, make_config(), campaign_key="k", rules=RULES, as_of=AS_OF)
    # no control: var = sum p1 (1 - p1) + sum p0 (1 - p0) over the contacts (c and d)
    var = 0.1 * 0.9 + 0.05 * 0.95 + 0.02 * 0.98 + 0.0 * 1.0
    half = 1.959963984540054 * math.sqrt(var)
    inc = result.summary["incremental"]
    assert (inc["low"], inc["high"]) == pytest.approx((0.13 - half, 0.13 + half), abs=1e-4)


def test_without_an_uplift_model_the_list_is_ranked_by_propensity_and_says_so():
    scored = make_scored([0.6, 0.5, 0.1, 0.05], None, [0.02] * 4)
    result = build_campaign(scored, make_config(), campaign_key="k", rules=RULES, as_of=AS_OF)
    assert list(result.targets.user_id) == ["u00000", "u00001"]
    assert result.summary["value_basis"] == "propensity"
    assert "no uplift model" in result.summary["value_note"]
    assert result.summary["incremental"] is None


def test_negative_uplift_is_never_contacted_whatever_the_propensity():
    scored = make_scored([0.9, 0.2], [-0.05, 0.03], [0.01, 0.01])
    result = build_campaign(scored, make_config(), campaign_key="k", rules=RULES, as_of=AS_OF)
    assert list(result.targets.user_id) == ["u00001"]
    assert result.exclusions["non_positive_value"] == 1


def _expected_control(contacts: int, p0: float, delta: float) -> int:
    """The two-proportion power formula written out (alpha 0.05 two-sided, power 0.8)."""
    z = norm.ppf(0.975) + norm.ppf(0.8)
    p1 = p0 + delta
    return math.ceil(p0 * (1 - p0) / ((delta / z) ** 2 - p1 * (1 - p1) / contacts))


def test_a_2000_budget_gives_2000_contacts_plus_a_control_of_the_computed_size():
    rng = np.random.default_rng(0)
    n = 9000
    p = rng.beta(2, 8, n)
    scored = make_scored(p, p * rng.uniform(0.05, 0.5, n), rng.beta(1.2, 40, n),
                         personas=rng.integers(0, 3, n))  # fmt: skip
    config = make_config(budget={"contacts": 2000}, control={"min_uplift": 0.05})
    result = build_campaign(scored, config, campaign_key="k", rules=RULES, as_of=AS_OF)
    summary, targets = result.summary, result.targets
    # base rate: mean p_demand of the 2,000 candidates of highest incremental value
    value = scored["uplift"] * ((1 - scored["pd"]) * 600 - scored["pd"] * 4000) - 0.05
    top = value.sort_values(ascending=False, kind="mergesort").index[:2000]
    base = float(scored.loc[top, "p_demand"].mean())
    assert summary["control"]["base_rate"] == pytest.approx(base, abs=1e-6)
    control = _expected_control(2000, base, 0.05)
    assert 0 < control < 2000
    assert (summary["budget_contacts"], summary["n_contacted"]) == (2000, 2000)
    assert (summary["n_control"], summary["control"]["size"]) == (control, control)
    assert len(targets) == 2000 + control and int(targets.is_control.sum()) == control


def test_a_list_the_constraints_keep_short_holds_out_the_smallest_enough_control():
    config = make_config(budget={"contacts": 2000}, control={"min_uplift": 0.05})
    plan = ControlPlan(budget_control=_expected_control(2000, 0.2, 0.05), base_rate=0.2)
    for n_list in (2000 + plan.budget_control, 2600, 2300):
        split = split_control(n_list, plan, config)
        assert not split.underpowered
        size = split.size
        assert n_list - size <= 2000
        assert size >= _expected_control(n_list - size, 0.2, 0.05)
        assert size - 1 < _expected_control(n_list - size + 1, 0.2, 0.05)  # one less is short
    assert split_control(2000 + plan.budget_control, plan, config).size == plan.budget_control


def test_a_control_the_list_cannot_afford_is_half_the_list_and_marked_underpowered(tmp_path):
    scored = make_scored([0.3] * 20, [0.05] * 20, [0.02] * 20)
    config = make_config(budget={"contacts": 10}, control={"min_uplift": 0.05})
    result = build_campaign(scored, config, campaign_key="k", rules=RULES, as_of=AS_OF)
    summary = result.summary
    assert (summary["n_contacted"], summary["n_control"]) == (10, 10)
    html = write_campaign_summary(result, tmp_path)["html"].read_text(encoding="utf-8")
    assert "<strong>underpowered</strong>" in html and "Expected incremental cardholders" in html
    control = summary["control"]
    assert control["underpowered"] is True and control["base_rate"] == pytest.approx(0.3)
    # the detectable uplift d solves z^2 (p1 q1 / 10 + p0 q0 / 10) = d^2 with p1 = 0.3 + d
    d, z = control["detectable_uplift"], norm.ppf(0.975) + norm.ppf(0.8)
    p1 = 0.3 + d
    assert z * math.sqrt(p1 * (1 - p1) / 10 + 0.3 * 0.7 / 10) == pytest.approx(d, abs=1e-6)
    assert d > 0.05


@pytest.mark.parametrize(
    ("text", "message"),
    [("control: {min_uplift: 0}", "min_uplift"), ("control: {power: 1.5}", "power"),
     ("control_share: 0.1", "control_share")],
)  # fmt: skip
def test_bad_control_settings_are_refused_naming_the_field(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text("channel: sms\ncost_per_contact: {sms: 0.1}\nbudget: {contacts: 5}\n"
                    f"value_good: 500\nloss_default: 3000\n{text}\n")  # fmt: skip
    with pytest.raises(ConfigError, match=message):
        load_campaign_config(path)


def test_shortlists_keep_both_optima_so_partitions_change_nothing():
    rng = np.random.default_rng(3)
    n = 1200
    p = rng.beta(2, 8, n)
    scored = make_scored(p, p * rng.uniform(-0.1, 0.6, n), rng.beta(1.2, 12, n),
                         personas=rng.integers(0, 3, n))  # fmt: skip
    config = make_config(
        budget={"contacts": 60}, control={"min_uplift": 0.25},
        risk={"max_pd": 0.25, "max_expected_default_rate": 0.06},
        quotas={"*": {"max_share": 0.5}, "p2": {"min_share": 0.2, "max_share": 0.5}},
    )  # fmt: skip
    parts = np.array_split(scored, 4)
    shortlists = [shortlist(part, config, rules=RULES, as_of=AS_OF) for part in parts]
    assert sum(len(s) for s in shortlists) < n
    full = build_campaign(scored, config, campaign_key="k", rules=RULES, as_of=AS_OF)
    merged = build_campaign(pd.concat(shortlists), config, campaign_key="k", rules=RULES,
                            as_of=AS_OF)  # fmt: skip
    assert full.targets.to_csv(index=False) == merged.targets.to_csv(index=False)
    for key in ("incremental", "incremental_propensity_ranking", "control"):
        assert full.summary[key] == merged.summary[key]
    assert (
        full.summary["incremental"]["cardholders"]
        > (full.summary["incremental_propensity_ranking"]["cardholders"])
    )


def test_shortlists_hold_room_for_the_control_on_top_of_the_budget():
    # persona p0 has every high value; a 50% cap binds on a list of contacts plus control
    rng = np.random.default_rng(4)
    n = 400
    personas = np.arange(n) % 2
    p = np.where(personas == 0, 0.5, 0.2) + rng.uniform(0, 0.01, n)
    scored = make_scored(p, p * 0.4, np.full(n, 0.01), personas=personas)
    config = make_config(budget={"contacts": 40}, control={"min_uplift": 0.3},
                         quotas={"*": {"max_share": 0.5}})  # fmt: skip
    parts = np.array_split(scored, 4)
    shortlists = [shortlist(part, config, rules=RULES, as_of=AS_OF) for part in parts]
    full = build_campaign(scored, config, campaign_key="k", rules=RULES, as_of=AS_OF)
    merged = build_campaign(pd.concat(shortlists), config, campaign_key="k", rules=RULES,
                            as_of=AS_OF)  # fmt: skip
    assert full.summary["n_control"] > 0
    assert full.targets.to_csv(index=False) == merged.targets.to_csv(index=False)
