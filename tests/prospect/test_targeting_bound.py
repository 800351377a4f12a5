"""The pruning bound (prospect.targeting.bound): exact, far smaller than the survivors, and the
same bound whether one process prices it or the shortlists of any partitioning do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prospect.pipeline.shortlists import price_bound
from prospect.targeting import bound, build_campaign, pool_bound, shortlist
from tests.prospect.test_targeting_campaign import AS_OF, RULES, config, random_scored

OPTIONS = {"rules": RULES, "as_of": AS_OF}
# A loose and a binding ceiling, a quota of each kind, a control group on top of a binding
# ceiling (the EV's loss term keeps the default ceiling slack on these scores).
CASES = {
    "ceiling": {"budget": {"contacts": 120}},
    "tight ceiling": {"budget": {"contacts": 150}, "loss_default": 500.0,
                      "risk": {"max_pd": 0.3, "max_expected_default_rate": 0.04}},
    "min share": {"budget": {"contacts": 100},
                  "quotas": {"*": {"max_share": 0.4},
                             "senior": {"min_share": 0.35, "max_share": 0.6}}},
    "control": {"budget": {"contacts": 120}, "control": {}, "loss_default": 300.0,
                "risk": {"max_pd": 0.3, "max_expected_default_rate": 0.03}},
}  # fmt: skip


@pytest.fixture(autouse=True)
def small_sample(monkeypatch):
    """A sample far below the pool, so prices start from a sample as on a large month."""
    monkeypatch.setattr(bound, "SAMPLE_ROWS", 400)


def _exact(case: str, **extra) -> object:
    return config(solver={"max_gap": 0.0}, **(CASES[case] | extra))


def _assert_same_list(pruned, whole) -> None:
    """Same value, targets and control; the control sized on the same rate, too (the summary),
    the proofs differing in floating point only."""
    value = [out.targets["expected_value"].sum() for out in (pruned, whole)]
    assert value[0] == pytest.approx(value[1], abs=1e-6)
    for column in ("user_id", "is_control"):
        assert pruned.targets[column].tolist() == whole.targets[column].tolist()
    proofs = [out.summary["optimality"] for out in (pruned, whole)]
    assert proofs[0]["bound"] == pytest.approx(proofs[1]["bound"], abs=1e-6)
    assert {**pruned.summary, "optimality": None} == {**whole.summary, "optimality": None}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), case=st.sampled_from(sorted(CASES)))
def test_the_pruned_pool_selects_the_list_of_every_survivor(seed, case):
    scored = random_scored(6000, seed=seed)
    cfg = _exact(case)
    found = pool_bound(scored, cfg, **OPTIONS)
    assert found is not None
    pruned = build_campaign(scored, cfg, campaign_key="k", **OPTIONS)
    whole = build_campaign(scored, cfg, campaign_key="k", bound=None, **OPTIONS)
    _assert_same_list(pruned, whole)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("rounds", [0, 1])
def test_prices_refined_too_little_give_a_wider_band_and_the_same_list(
    monkeypatch, case, seed, rounds
):
    """With no refinement the prices are the sample's, with one they are not settled: a
    looser bound, still exact."""
    monkeypatch.setattr(bound, "REFINE_ROUNDS", rounds)
    monkeypatch.setattr(bound, "WIDE", 0.0)  # the first read misses rows the LP then wants
    scored = random_scored(6000, seed=seed)
    cfg = _exact(case)
    found = pool_bound(scored, cfg, **OPTIONS)
    assert found is not None and (rounds or found.margin > 1.0)
    pruned = build_campaign(scored, cfg, campaign_key="k", **OPTIONS)
    whole = build_campaign(scored, cfg, campaign_key="k", bound=None, **OPTIONS)
    best = whole.targets["expected_value"].sum()
    assert found.incumbent <= best + 1e-6 <= found.incumbent + found.margin  # U bounds every list
    _assert_same_list(pruned, whole)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_bound_keeps_a_band_near_the_list_not_most_survivors(case):
    scored = random_scored(12_000, seed=5)
    cfg = _exact(case)
    found = pool_bound(scored, cfg, **OPTIONS)
    survivors = shortlist(scored, cfg, **OPTIONS)
    within = shortlist(scored, cfg, bound=found, **OPTIONS)
    listed = cfg.max_list_size
    assert len(survivors) > 3 * listed  # what the dominance reduction alone keeps
    assert len(within) - bound.SAMPLE_ROWS < 2 * listed  # the band, beside the carried sample


@pytest.mark.parametrize("n_parts", [1, 3, 7])
def test_shortlists_of_any_partitioning_price_the_bound_of_one_process(tmp_path, n_parts):
    scored = random_scored(9000, seed=8)
    cfg = _exact("tight ceiling")
    paths = []
    order = np.random.default_rng(n_parts).permutation(len(scored))
    for i, part in enumerate(np.array_split(scored.iloc[order], n_parts)):
        paths.append(tmp_path / f"part-{i}.parquet")
        shortlist(part, cfg, **OPTIONS).to_parquet(paths[-1])
    one = pool_bound(scored, cfg, **OPTIONS)
    assert one is not None
    assert price_bound(paths, cfg, "scorecard") == one
    merged = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
    assert pool_bound(merged, cfg, **OPTIONS) == one  # the shortlists carry the sample


def test_a_pool_of_a_few_lists_is_not_pruned_and_an_uplift_list_takes_no_bound():
    scored = random_scored(3000, seed=2)
    assert pool_bound(scored, _exact("ceiling", budget={"contacts": 600}), **OPTIONS) is None
    uplift = scored.assign(uplift=scored["p_demand"] / 2)
    assert pool_bound(uplift, _exact("ceiling"), **OPTIONS) is None
    some = pool_bound(scored, _exact("ceiling"), **OPTIONS)
    with pytest.raises(ValueError, match="uplift list"):
        shortlist(uplift, _exact("ceiling"), bound=some, **OPTIONS)


def test_the_sample_estimates_the_pool_and_is_the_same_from_parts():
    pool = random_scored(8000, seed=3).assign(expected_value=1.0, ceiling_weight=0.0)
    whole = bound.sample(pool)
    parts = [bound.sample(p) for p in np.array_split(pool, 5)]
    assert bound.sample(pd.concat(parts, ignore_index=True)).equals(whole)
    assert len(whole) == bound.SAMPLE_ROWS
    assert bound.pool_size(whole) == pytest.approx(8000, rel=0.2)  # 1/sqrt(400) = 5% each side
    assert bound.pool_size(bound.sample(pool.head(300))) == 300


@pytest.mark.parametrize("rounds", [0, 1, 4])
def test_the_rows_priced_at_or_above_zero_are_all_read_however_few_the_rounds(monkeypatch, rounds):
    """U sums every survivor priced above zero: a refinement cut short still reads them all."""
    from prospect.targeting.campaign import _pool
    from prospect.targeting.candidates import survivor_mask

    monkeypatch.setattr(bound, "REFINE_ROUNDS", rounds)
    monkeypatch.setattr(bound, "WIDE", 0.0)
    cfg = _exact("min share")
    pools = _pool(random_scored(6000, seed=11), cfg, RULES, frozenset(), None, AS_OF, "scorecard")
    survivors = pools.main.loc[survivor_mask(pools.main, cfg)].sort_values("user_id")
    where = lambda keep: survivors.loc[keep(survivors)]  # noqa: E731
    size = (cfg.min_contacts, cfg.max_contacts)
    start = bound.prices(bound.sample(pools.main), len(pools.main), size, cfg)
    above_all = float(survivors["expected_value"].max()) + 1.0  # no row kept for its EV alone
    found, near = bound._refined(start, above_all, where, size, cfg)
    assert near["user_id"].tolist() == where(lambda r: found.reduced(r) >= 0)["user_id"].tolist()
