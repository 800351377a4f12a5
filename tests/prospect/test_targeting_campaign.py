"""Campaign lists end to end: eligibility, contact policy, control group, determinism,
partition shortlists, summaries, contact history and response reports."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prospect.exceptions import ConfigError
from prospect.spec import load_spec
from prospect.targeting import (
    CampaignConfig,
    build_campaign,
    count_exclusions,
    load_campaign_config,
    read_response_file,
    response_report,
    shortlist,
    write_campaign_summary,
)
from prospect.targeting.exceptions import InfeasibleCampaign

RULES = load_spec("subscriber_5g").eligibility.rules
AS_OF = date(2026, 3, 1)


def random_scored(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    persona = rng.integers(0, 3, n)
    risk = rng.beta(1.2, 12, n)
    flags = rng.random((4, n))
    return pd.DataFrame(
        {
            "user_id": [f"u{i:05d}" for i in rng.permutation(n)],
            "msisdn": [f"139{i:08d}" for i in range(n)],
            "persona": persona,
            "persona_name": np.array(["young", "family", "senior"])[persona],
            "p_demand": rng.beta(2, 8, n),
            "pd": risk,
            "score_points": np.round(650 - 300 * risk, 1),
            "drivers": [["data_flow_high", "app_finance"]] * n,
            "reasons": [["short_tenure"]] * n,
            "real_name_verified": (flags[0] > 0.1).astype(float),
            "age": np.where(flags[1] > 0.1, 35.0, 17.0),
            "is_blacklisted": (flags[2] < 0.05).astype(float),
            "has_card": (flags[3] < 0.1).astype(float),
        }
    )


def config(**overrides) -> CampaignConfig:
    base = {
        "channel": "sms",
        "cost_per_contact": {"sms": 0.5},
        "budget": {"contacts": 40},
        "value_good": 600.0,
        "loss_default": 4000.0,
        "risk": {"max_pd": 0.25, "max_expected_default_rate": 0.06},
        "quotas": {"*": {"max_share": 0.5}, "senior": {"min_share": 0.2, "max_share": 0.5}},
        "control": None,
    }
    return CampaignConfig.model_validate(base | overrides)


def test_default_config_loads_and_money_budget_becomes_a_contact_count(tmp_path):
    assert load_campaign_config().max_contacts == 50_000
    path = tmp_path / "c.yaml"
    path.write_text(
        "channel: outbound_call\ncost_per_contact: {outbound_call: 2.5}\n"
        "budget: {money: 1001}\nvalue_good: 500\nloss_default: 3000\n"
    )
    assert load_campaign_config(path).max_contacts == 400


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("channel: fax", "channel must be one of"),
        ("quotas: {a: {min_share: 0.6, max_share: 0.4}}", "min_share 0.6 is above max_share"),
        ("quotas: {a: {min_share: 0.6}, b: {min_share: 0.6}}", "sum to 1.2"),
    ],
)
def test_bad_config_is_refused_naming_the_field(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "channel: sms\ncost_per_contact: {sms: 0.1}\nbudget: {contacts: 5}\n"
        f"value_good: 500\nloss_default: 3000\n{text}\n"
    )
    with pytest.raises(ConfigError, match=message):
        load_campaign_config(path)


def test_exclusions_are_counted_by_first_reason():
    scored = random_scored(6, seed=1).assign(real_name_verified=1.0, age=30.0)
    scored = scored.assign(is_blacklisted=0.0, has_card=0.0, pd=0.01, p_demand=0.3)
    scored.loc[0, "real_name_verified"] = 0.0
    scored.loc[0, "age"] = 16.0  # counted once, under its first reason
    scored.loc[1, "age"] = np.nan
    scored.loc[2, "has_card"] = 1.0
    scored.loc[3, "pd"] = 0.5
    suppressed = {scored.loc[4, "user_id"]}
    result = build_campaign(scored, config(quotas={}), campaign_key="k", suppressed=suppressed,
                            rules=RULES, as_of=AS_OF)  # fmt: skip
    ex = result.exclusions
    assert (ex["not_verified"], ex["under_age"], ex["existing_cardholder"]) == (1, 1, 1)
    assert (ex["pd_above_ceiling"], ex["suppressed"], sum(ex.values())) == (1, 1, 5)
    assert list(result.targets.user_id) == [scored.loc[5, "user_id"]]


def test_contact_policy_applies_quiet_period_and_window_cap():
    scored = random_scored(3, seed=2).assign(
        real_name_verified=1.0, age=30.0, is_blacklisted=0.0, has_card=0.0, pd=0.01
    )
    a, b, c = scored.user_id
    contacts = pd.DataFrame(
        {
            "user_id": [a, b, b, b, c, c, c],
            "contacted_at": [
                date(2026, 2, 20),
                date(2026, 1, 5),
                date(2026, 1, 10),
                date(2026, 1, 20),
                date(2025, 10, 1),
                date(2025, 11, 1),
                date(2026, 1, 15),
            ],  # fmt: skip
        }
    )
    cfg = config(quotas={}, contact_policy={"quiet_days": 30, "max_contacts": 3})
    result = build_campaign(
        scored, cfg, campaign_key="k", contacts=contacts, rules=RULES, as_of=AS_OF
    )
    assert result.exclusions["contacted_recently"] == 1
    assert result.exclusions["contact_cap"] == 1
    assert list(result.targets.user_id) == [c]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(5, 60))
def test_list_respects_eligibility_budget_and_ceilings(seed, budget):
    scored = random_scored(150, seed)
    suppressed = set(scored.user_id.iloc[::7])
    cfg = config(budget={"contacts": budget})
    targets = build_campaign(scored, cfg, campaign_key="k", suppressed=suppressed,
                             rules=RULES, as_of=AS_OF).targets  # fmt: skip
    rows = scored.set_index("user_id").loc[targets.user_id]
    assert len(targets) <= budget
    assert not set(targets.user_id) & suppressed
    assert (rows.real_name_verified == 1).all() and (rows.age >= 18).all()
    assert (rows.is_blacklisted == 0).all() and (rows.has_card == 0).all()
    assert (targets.pd <= 0.25).all()
    assert (targets.p_demand * targets.pd).sum() <= 0.06 * targets.p_demand.sum() + 1e-9
    shares = targets.persona.value_counts() / len(targets)
    assert shares.max() <= 0.5 + 1e-9 and shares.get("senior", 0) >= 0.2 - 1e-9


def test_same_inputs_give_the_same_bytes_whatever_the_row_order():
    scored = random_scored(400, seed=3)
    first = build_campaign(scored, config(), campaign_key="k", rules=RULES, as_of=AS_OF)
    shuffled = scored.sample(frac=1.0, random_state=7)
    second = build_campaign(shuffled, config(), campaign_key="k", rules=RULES, as_of=AS_OF)
    assert first.targets.to_csv(index=False).encode() == second.targets.to_csv(index=False).encode()
    assert list(first.targets.columns) == [
        "rank", "user_id", "msisdn", "persona", "persona_id", "p_demand", "pd",
        "score_points", "expected_value", "is_control", "drivers", "reasons",
    ]  # fmt: skip
    assert first.targets.expected_value.is_monotonic_decreasing
    # a target's persona is its name (what quotas, the mix, the store and the page show)
    names = dict(zip(scored.user_id, scored.persona_name, strict=True))
    assert first.targets.persona.tolist() == first.targets.user_id.map(names).tolist()
    assert set(first.summary["persona_mix"]) == set(first.targets.persona)


def test_shortlists_of_partitions_give_the_same_campaign():
    scored = random_scored(900, seed=4)
    cfg = config(budget={"contacts": 60})
    parts = np.array_split(scored, 4)
    shortlists = [shortlist(part, cfg, rules=RULES, as_of=AS_OF) for part in parts]
    assert sum(len(s) for s in shortlists) < len(scored)
    full = build_campaign(pd.concat(parts), cfg, campaign_key="k", rules=RULES, as_of=AS_OF).targets
    merged = build_campaign(
        pd.concat(shortlists), cfg, campaign_key="k", rules=RULES, as_of=AS_OF
    ).targets
    assert full.to_csv(index=False) == merged.to_csv(index=False)
    summed = pd.DataFrame([count_exclusions(p, cfg, rules=RULES, as_of=AS_OF) for p in parts]).sum()
    assert summed.to_dict() == count_exclusions(scored, cfg, rules=RULES, as_of=AS_OF)


def test_control_group_is_a_stratified_deterministic_share():
    scored = random_scored(2000, seed=5)
    cfg = config(budget={"contacts": 200}, quotas={}, risk={}, control={"min_uplift": 0.3})
    one = build_campaign(scored, cfg, campaign_key="2026-03", rules=RULES, as_of=AS_OF).targets
    other = build_campaign(scored, cfg, campaign_key="2026-04", rules=RULES, as_of=AS_OF).targets
    n_control = int(one.is_control.sum())
    assert (~one.is_control).sum() == 200 and n_control > 0
    for _, group in one.groupby("persona"):  # each persona's share of the control is its share
        assert abs(group.is_control.sum() - n_control * len(group) / len(one)) < 1
    assert set(one.user_id) == set(other.user_id)
    assert set(one.user_id[one.is_control]) != set(other.user_id[other.is_control])


def test_summary_files_report_counts_mix_and_charts(tmp_path):
    scored = random_scored(300, seed=6)
    result = build_campaign(scored, config(), campaign_key="k", rules=RULES, as_of=AS_OF)
    paths = write_campaign_summary(result, tmp_path / "out")
    summary = json.loads(paths["json"].read_text())
    contacted = result.targets[~result.targets.is_control]
    assert summary["n_selected"] == len(result.targets)
    assert summary["n_excluded"] + summary["n_eligible"] == 300
    assert summary["expected_responses"] == pytest.approx(contacted.p_demand.sum(), abs=1e-6)
    assert sum(v["selected"] for v in summary["persona_mix"].values()) == len(result.targets)
    assert sum(summary["distributions"]["pd"]["counts"]) == len(result.targets)
    html = paths["html"].read_text()
    assert "existing_cardholder" in html and html.count("data:image/png;base64,") == 3


def test_contacts_of_one_campaign_apply_to_the_next(tmp_path):
    scored = random_scored(300, seed=8)
    first = build_campaign(scored, config(), campaign_key="m1", rules=RULES, as_of=AS_OF)
    sent = first.targets.loc[~first.targets.is_control, "user_id"].astype(str)
    loaded = pd.DataFrame({"user_id": sent.to_numpy(), "contacted_at": AS_OF})
    second = build_campaign(scored, config(), campaign_key="m2", contacts=loaded,
                            rules=RULES, as_of=date(2026, 3, 15))  # fmt: skip
    assert second.exclusions["contacted_recently"] == len(loaded)
    assert not set(second.targets.user_id) & set(loaded.user_id)


def test_response_report_compares_contacted_with_control(tmp_path):
    targets = pd.DataFrame(
        {"user_id": [f"u{i}" for i in range(120)], "is_control": [False] * 100 + [True] * 20}
    )
    takers = [f"u{i}" for i in range(30)] + ["u100", "u101", "zzz"]
    path = tmp_path / "responses.csv"
    pd.DataFrame({"user_id": takers}).to_csv(path, index=False)
    took = set(t.user_id for t in read_response_file(path) if t.took_card)
    history = pd.DataFrame({"treated": (~targets.is_control).astype(int),
                            "took_card": targets.user_id.isin(took).astype(int)})  # fmt: skip
    report = response_report(history)
    assert report["contacted"]["rate"] == pytest.approx(0.30)
    assert report["control"]["rate"] == pytest.approx(0.10)
    # Wilson 95%: 30/100 -> (0.2189, 0.3958), 2/20 -> (0.0279, 0.3010). Newcombe:
    # 0.2 - hypot(0.3 - 0.2189, 0.3010 - 0.1) = -0.0168; 0.2 + hypot(0.0958, 0.0721) = 0.3199.
    assert report["contacted"]["ci_low"] == pytest.approx(0.2189, abs=1e-4)
    assert report["control"]["ci_high"] == pytest.approx(0.3010, abs=1e-4)
    assert report["uplift"]["difference"] == pytest.approx(0.20)
    assert report["uplift"]["ci_low"] == pytest.approx(-0.0168, abs=2e-4)
    assert report["uplift"]["ci_high"] == pytest.approx(0.3199, abs=2e-4)
    # Incremental cardholders: the difference times the 100 contacted.
    assert report["incremental"]["cardholders"] == pytest.approx(20.0)
    assert report["incremental"]["ci_low"] == pytest.approx(-1.68, abs=0.02)
    assert report["incremental"]["ci_high"] == pytest.approx(31.99, abs=0.02)


def _without_risk_model(scored: pd.DataFrame) -> pd.DataFrame:
    """Scores as a bundle without a scorecard gives them: no PD, no points, no reasons."""
    return scored.assign(pd=np.nan, score_points=np.nan, reasons=[[]] * len(scored))


def test_a_list_without_a_risk_model_is_selected_by_demand_alone_and_says_so(tmp_path):
    import html

    from prospect.risk_filter import NO_RISK_WARNING

    scored = _without_risk_model(random_scored(400, seed=11))
    cfg = config(budget={"contacts": 50})
    kept = build_campaign(scored, cfg, campaign_key="k", rules=RULES, as_of=AS_OF,
                          risk_filter="none")  # fmt: skip
    summary = kept.summary
    assert summary["risk_filter"] == "none" and summary["risk_warning"] == NO_RISK_WARNING
    assert summary["exclusions"]["unscored"] == summary["exclusions"]["pd_above_ceiling"] == 0
    assert summary["expected_defaults"] is None and summary["expected_default_rate"] is None
    report = write_campaign_summary(kept, tmp_path)["html"].read_text(encoding="utf-8")
    assert NO_RISK_WARNING in " ".join(html.unescape(report).split())  # the campaign report
    assert len(kept.targets) == 50 and kept.targets["pd"].isna().all()
    # the value leaves out the loss on default: demand times the gain, less the contact cost
    assert np.allclose(kept.targets["expected_value"], kept.targets["p_demand"] * 600.0 - 0.5)
    # the same rows are never contacted as if risk-checked: an unknown PD excludes everyone
    with pytest.raises(InfeasibleCampaign):
        build_campaign(scored, cfg, campaign_key="k", rules=RULES, as_of=AS_OF)
    assert count_exclusions(scored, cfg, rules=RULES, as_of=AS_OF)["unscored"] > 0
    with pytest.raises(ValueError, match="risk_filter must be"):
        build_campaign(scored, cfg, campaign_key="k", rules=RULES, as_of=AS_OF, risk_filter="")


def test_a_list_with_its_scorecard_carries_no_risk_warning():
    listed = build_campaign(random_scored(400, seed=12), config(), campaign_key="k",
                            rules=RULES, as_of=AS_OF)  # fmt: skip
    assert listed.summary["risk_filter"] == "scorecard" and listed.summary["risk_warning"] is None
    assert listed.summary["expected_defaults"] > 0


def test_shortlists_without_a_risk_model_give_the_same_campaign():
    scored = _without_risk_model(random_scored(900, seed=13))
    cfg = config(budget={"contacts": 60})
    parts = np.array_split(scored, 4)
    options = {"rules": RULES, "as_of": AS_OF, "risk_filter": "none"}
    merged = pd.concat([shortlist(part, cfg, **options) for part in parts])
    assert len(merged) < len(scored)
    full = build_campaign(scored, cfg, campaign_key="k", **options).targets
    assert full.to_csv(index=False) == build_campaign(
        merged, cfg, campaign_key="k", **options
    ).targets.to_csv(index=False)


def test_shortlists_folded_one_at_a_time_select_the_list_of_all_rows(tmp_path, monkeypatch):
    from prospect.pipeline.shortlists import read_shortlists
    from prospect.targeting import bound

    # Shortlists carry their pool's sample rows; a small sample lets these small ones shrink.
    monkeypatch.setattr(bound, "SAMPLE_ROWS", 10)

    # Sorted so that the best rows come in the last shortlists: folding must not leave any
    # shortlist unread.
    scored = random_scored(1200, seed=14).sort_values("p_demand", ignore_index=True)
    cfg = config(budget={"contacts": 30})
    options = {"rules": RULES, "as_of": AS_OF}
    paths = []
    for i, part in enumerate(np.array_split(scored, 6)):
        paths.append(tmp_path / f"part-{i}.parquet")
        shortlist(part, cfg, **options).to_parquet(paths[-1])
    held: list[int] = []

    def reduce(rows: pd.DataFrame) -> pd.DataFrame:
        held.append(len(rows))
        return shortlist(rows, cfg, **options)

    folded = read_shortlists(paths, reduce)
    total = sum(len(pd.read_parquet(p)) for p in paths)
    assert held and max(held) < total  # never all shortlists at once
    assert len(held) < len(paths) - 1  # reduced only when the waiting rows reach the survivors
    full = build_campaign(scored, cfg, campaign_key="k", **options).targets
    listed = build_campaign(folded, cfg, campaign_key="k", **options).targets
    columns = ["rank", "user_id", "persona", "expected_value", "is_control"]
    assert listed[columns].to_csv(index=False) == full[columns].to_csv(index=False)
