"""Build a campaign list from a scored frame: eligibility, exact selection, control, ranking.

``build_campaign`` is pure (no database, no files); ``shortlist`` lets a worker reduce one
partition to the candidates that can matter, with ``build_campaign(concat(shortlists))`` equal
to ``build_campaign(concat(partitions))`` (proof in :mod:`prospect.targeting.candidates`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd

from prospect.risk_filter import SCORECARD, filters_by_risk
from prospect.spec import EligibilityRule
from prospect.targeting.bound import Bound, build_bound, sample, sample_mask
from prospect.targeting.candidates import survivor_mask
from prospect.targeting.config import CampaignConfig
from prospect.targeting.control import (
    ControlPlan,
    control_flags,
    plan_control,
    split_control,
)
from prospect.targeting.eligibility import (
    REASONS,
    count_reasons,
    exclusion_reasons,
    rule_columns,
)
from prospect.targeting.exceptions import InfeasibleCampaign
from prospect.targeting.optimize import select
from prospect.targeting.solver import Solution
from prospect.targeting.summary import campaign_summary, optimality_section, selection_section
from prospect.targeting.value import (
    PROPENSITY,
    UPLIFT,
    ceiling_weight,
    scored_value,
    value_basis,
)

logger = logging.getLogger(__name__)

NON_POSITIVE = REASONS[-1]  # "non_positive_value": the last check, eligible but for the value

REQUIRED = (
    "user_id", "msisdn", "persona", "persona_name", "p_demand", "pd", "score_points",
    "drivers", "reasons",
)  # fmt: skip
# A target's persona is its name everywhere downstream (store, API, CSV, review page, quotas,
# persona mix); the segmenter's id stays beside it as ``persona_id``.
TARGET_COLUMNS = (
    "rank", "user_id", "msisdn", "persona", "persona_id", "p_demand", "pd", "score_points",
    "expected_value", "is_control", "drivers", "reasons",
)  # fmt: skip


@dataclass(frozen=True)
class CampaignList:
    """A selected list ordered by rank, its JSON-ready summary and exclusion counts."""

    targets: pd.DataFrame
    summary: dict[str, Any]
    exclusions: dict[str, int]


def _check_scored(scored: pd.DataFrame, rules: Sequence[EligibilityRule]) -> None:
    if not isinstance(scored, pd.DataFrame):
        raise TypeError(f"scored must be a pandas DataFrame; got {type(scored).__name__}")
    needed = [*REQUIRED, *rule_columns(rules)]
    missing = [c for c in needed if c not in scored.columns]
    if missing:
        raise ValueError(f"scored is missing column(s) {missing}")
    duplicated = scored["user_id"][scored["user_id"].duplicated()]
    if len(duplicated):
        raise ValueError(f"scored has duplicate user_id values, e.g. {duplicated.iloc[0]!r}")


@dataclass(frozen=True)
class _Pools:
    """Eligible positive-value rows on the list's value basis, and (with an uplift model) the
    rows a propensity ranking would choose among, for the comparison in the summary."""

    main: pd.DataFrame
    compare: pd.DataFrame | None
    reason: pd.Series
    basis: str


def _candidate_frame(
    scored: pd.DataFrame, rows: np.ndarray, value: np.ndarray, config: CampaignConfig,
    risk_filter: str,
) -> pd.DataFrame:  # fmt: skip
    pool = scored.loc[rows].copy()
    pool["user_id"] = pool["user_id"].astype(str)
    pool["persona_name"] = pool["persona_name"].astype(str)
    pool["expected_value"] = value[rows]
    pd_ = pool["pd"] if filters_by_risk(risk_filter) else None
    pool["ceiling_weight"] = ceiling_weight(pool["p_demand"], pd_, config)
    return pool


def _pool(
    scored: pd.DataFrame,
    config: CampaignConfig,
    rules: Sequence[EligibilityRule],
    suppressed: Collection[str],
    contacts: pd.DataFrame | None,
    as_of: date,
    risk_filter: str,
) -> _Pools:
    """Eligible positive-value rows with their EV and ceiling weight; reason per row."""
    _check_scored(scored, rules)
    basis = value_basis(scored)
    ev = scored_value(scored, config, basis, risk_filter)
    reason = exclusion_reasons(
        scored, config, ev, rules=rules, suppressed=suppressed, contacts=contacts, as_of=as_of,
        risk_filter=risk_filter,
    )  # fmt: skip
    main = _candidate_frame(scored, reason.isna().to_numpy(), ev, config, risk_filter)
    compare = None
    if basis == UPLIFT:
        by_propensity = scored_value(scored, config, PROPENSITY, risk_filter)
        allowed = (reason.isna() | (reason == NON_POSITIVE)).to_numpy() & (by_propensity > 0)
        compare = _candidate_frame(scored, allowed, by_propensity, config, risk_filter)
    return _Pools(main, compare, reason, basis)


def shortlist(
    scored_partition: pd.DataFrame,
    config: CampaignConfig,
    *,
    rules: Sequence[EligibilityRule],
    suppressed: Collection[str] = frozenset(),
    contacts: pd.DataFrame | None = None,
    as_of: date,
    risk_filter: str = SCORECARD,
    bound: Bound | None = None,
) -> pd.DataFrame:
    """The rows of one partition that can be in the global optimum (original columns), within
    ``bound`` when one is given, and its pool's sample rows (:mod:`prospect.targeting.bound`).

    Exclusion counts are not carried over; sum :func:`count_exclusions` over the partitions
    when a summary needs them.
    """
    pools = _pool(scored_partition, config, rules, suppressed, contacts, as_of, risk_filter)
    return _shortlisted(scored_partition, pools, config, bound)


def _shortlisted(
    scored: pd.DataFrame, pools: _Pools, config: CampaignConfig, bound: Bound | None
) -> pd.DataFrame:
    """Survivors (within ``bound``) and the pool's sample rows, which price the bound."""
    main = pools.main
    keep = main.index[sample_mask(main)]
    if bound is not None:
        _check_bound(pools)
        main = main.loc[bound.keep(main)]
    keep = keep.union(main.index[survivor_mask(main, config)])
    if pools.compare is not None:
        keep = keep.union(pools.compare.index[survivor_mask(pools.compare, config)])
    return scored.loc[keep].sort_values("user_id", kind="mergesort")


def _check_bound(pools: _Pools) -> None:
    if pools.compare is not None:
        raise ValueError("a pruning bound prices one pool; an uplift list also selects the "
                         "propensity list it is compared with, so it takes no bound")  # fmt: skip


def candidate_rows(
    shortlisted: pd.DataFrame, config: CampaignConfig, risk_filter: str = SCORECARD
) -> pd.DataFrame:
    """Shortlisted rows of a propensity-ranked list (all eligible) with their expected value
    and ceiling weight, as the pool holds them."""
    value = scored_value(shortlisted, config, PROPENSITY, risk_filter)
    rows = np.ones(len(shortlisted), dtype=bool)
    return _candidate_frame(shortlisted, rows, value, config, risk_filter)


def _lowest_ids_on_ties(cands: pd.DataFrame, chosen: np.ndarray) -> np.ndarray:
    """Among interchangeable candidates (same persona, EV and ceiling weight) prefer the lowest
    user_ids; any optimum stays optimal, and equal inputs give one canonical list."""
    keys = ["persona_name", "expected_value", "ceiling_weight"]
    group = cands.groupby(keys, sort=False).ngroup().to_numpy()
    counts = pd.Series(chosen.astype(int)).groupby(group).transform("sum").to_numpy()
    position = pd.Series(group).groupby(group).cumcount().to_numpy()  # cands sorted by user_id
    return position < counts


def count_exclusions(
    scored: pd.DataFrame,
    config: CampaignConfig,
    *,
    rules: Sequence[EligibilityRule],
    suppressed: Collection[str] = frozenset(),
    contacts: pd.DataFrame | None = None,
    as_of: date,
    risk_filter: str = SCORECARD,
) -> dict[str, int]:
    """Exclusions by reason for one frame or partition (additive across partitions)."""
    pools = _pool(scored, config, rules, suppressed, contacts, as_of, risk_filter)
    return count_reasons(pools.reason, rules)


def _ranked(chosen: pd.DataFrame, campaign_key: str, n_control: int) -> pd.DataFrame:
    """The chosen rows by value, with their rank and the ``n_control`` held out as control."""
    ranked = chosen.sort_values(
        ["expected_value", "user_id"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)
    ranked["rank"] = np.arange(1, len(ranked) + 1)
    ranked["is_control"] = control_flags(
        ranked["user_id"], ranked["persona_name"], campaign_key=campaign_key, size=n_control
    )
    return ranked


@dataclass(frozen=True)
class _Chosen:
    """An optimal list (ranked, control flagged), whether its control split is underpowered,
    and the solver's proof of how close to the best list it is."""

    ranked: pd.DataFrame
    underpowered: bool
    solution: Solution


def _best_list(
    cands: pd.DataFrame, config: CampaignConfig, plan: ControlPlan, campaign_key: str
) -> _Chosen:
    """The best list of up to ``B`` contacts plus its control (raises InfeasibleCampaign when
    no list meets the constraints)."""
    size = (config.min_contacts, config.max_contacts + plan.budget_control)
    solution = select(cands, config, size)
    picked = cands.loc[_lowest_ids_on_ties(cands, solution.chosen)]
    split = split_control(len(picked), plan, config)
    if len(picked) - split.size < config.min_contacts:
        raise InfeasibleCampaign("min_contacts", f"min_contacts={config.min_contacts} cannot be "
                                 f"reached beside a control of {split.size}")  # fmt: skip
    return _Chosen(_ranked(picked, campaign_key, split.size), split.underpowered, solution)


def _propensity_list(
    pools: _Pools, config: CampaignConfig, plan: ControlPlan, campaign_key: str
) -> _Chosen | None:
    """The list a propensity ranking would have chosen on the same budget and constraints, or
    None (no uplift model, or no such list is feasible)."""
    if pools.compare is None:
        return None
    cands = pools.compare.loc[survivor_mask(pools.compare, config)]
    try:
        return _best_list(cands.sort_values("user_id", kind="mergesort"), config, plan,
                          campaign_key)  # fmt: skip
    except InfeasibleCampaign as exc:
        logger.info("no propensity-ranked list to compare with: %s", exc)
        return None


def pool_bound(
    scored: pd.DataFrame,
    config: CampaignConfig,
    *,
    rules: Sequence[EligibilityRule],
    suppressed: Collection[str] = frozenset(),
    contacts: pd.DataFrame | None = None,
    as_of: date,
    risk_filter: str = SCORECARD,
) -> Bound | None:
    """The pruning bound :func:`build_campaign` prices on ``scored`` (None: nothing pruned)."""
    pools = _pool(scored, config, rules, suppressed, contacts, as_of, risk_filter)
    return _priced_bound(pools, pools.main.loc[survivor_mask(pools.main, config)], config)


def _priced_bound(pools: _Pools, survivors: pd.DataFrame, config: CampaignConfig) -> Bound | None:
    """The bound of one process, which sees the whole pool and its survivors."""
    if pools.compare is not None:
        return None
    survivors = survivors.sort_values("user_id", kind="mergesort")
    return build_bound(sample(pools.main), lambda keep: survivors.loc[keep(survivors)], config)


def build_campaign(
    scored: pd.DataFrame,
    config: CampaignConfig,
    *,
    campaign_key: str,
    rules: Sequence[EligibilityRule],
    suppressed: Collection[str] = frozenset(),
    contacts: pd.DataFrame | None = None,
    as_of: date,
    risk_filter: str = SCORECARD,
    bound: Bound | None | Literal["auto"] = "auto",
) -> CampaignList:
    """Select the expected-value-optimal list under budget, risk ceilings and quotas, with its
    control group on top of the budget's contacts.

    The value of a contact is its incremental value when ``scored`` has an ``uplift`` column
    (:mod:`prospect.targeting.value`); the summary then also reports the incremental
    cardholders a propensity-ranked list would have brought on the same budget.

    Parameters
    ----------
    scored : DataFrame
        One row per subscriber with the columns in :data:`REQUIRED` and those the rules read.
    config : CampaignConfig
        Budget, value and loss, ceilings, quotas, control share and contact policy.
    campaign_key : str
        Seeds the control-group hash; the same key gives the same control group.
    rules : sequence of EligibilityRule
        The spec's eligibility rules (``spec.eligibility.rules``), checked first, in order.
    suppressed : collection of str
        Opted-out values of the spec's opt-out key (the ``opt_out_key`` column when the scored
        frame has one, else ``user_id``); never selected.
    contacts : DataFrame, optional
        Contact history (user_id, contacted_at) for the contact policy.
    as_of : date
        Reference date of the contact policy.
    risk_filter : str
        ``"scorecard"``, or ``"none"`` for scores without a risk model: no PD ceiling, no
        portfolio ceiling, no loss term in the value, and the summary carries the warning of
        :mod:`prospect.risk_filter`.
    bound : Bound, None or "auto"
        The pruning bound (:mod:`prospect.targeting.bound`): ``"auto"`` prices it on
        ``scored``; a distributed run passes the one it priced on the whole month, since
        ``scored`` then holds the merged shortlists only.

    Raises
    ------
    InfeasibleCampaign
        No list meets the constraints; the error names the one to relax.
    """
    pools = _pool(scored, config, rules, suppressed, contacts, as_of, risk_filter)
    pool = pools.main
    cands = pool.loc[survivor_mask(pool, config)].sort_values("user_id", kind="mergesort")
    if bound == "auto":
        bound = _priced_bound(pools, cands, config)
    if bound is not None:
        _check_bound(pools)
        cands = cands.loc[bound.keep(cands)]
    logger.info("%d eligible, %d candidates after exact reduction", len(pool), len(cands))
    plan = plan_control(cands["p_demand"].to_numpy(), cands["expected_value"].to_numpy(), config)
    best = _best_list(cands, config, plan, campaign_key)
    compared = _propensity_list(pools, config, plan, campaign_key)
    selection = selection_section(
        best.ranked, best.underpowered, None if compared is None else compared.ranked, config,
        pools.basis, plan.base_rate, optimality_section(best.solution, config),
    )  # fmt: skip
    targets = best.ranked.rename(columns={"persona": "persona_id", "persona_name": "persona"})
    targets = targets.loc[:, list(TARGET_COLUMNS)]
    exclusions = count_reasons(pools.reason, rules)
    summary = campaign_summary(
        targets, config, exclusions=exclusions, n_scored=len(scored), n_eligible=len(pool),
        campaign_key=campaign_key, as_of=as_of, selection=selection, risk_filter=risk_filter,
    )  # fmt: skip
    return CampaignList(targets=targets, summary=summary, exclusions=exclusions)
