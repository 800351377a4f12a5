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
from typing import Any

import numpy as np
import pandas as pd

from prospect.spec import EligibilityRule
from prospect.targeting.candidates import survivor_mask
from prospect.targeting.config import CampaignConfig
from prospect.targeting.control import control_flags
from prospect.targeting.eligibility import count_reasons, exclusion_reasons, rule_columns
from prospect.targeting.optimize import select
from prospect.targeting.summary import campaign_summary
from prospect.targeting.value import ceiling_weight, expected_value

logger = logging.getLogger(__name__)

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


def _pool(
    scored: pd.DataFrame,
    config: CampaignConfig,
    rules: Sequence[EligibilityRule],
    suppressed: Collection[str],
    contacts: pd.DataFrame | None,
    as_of: date,
) -> tuple[pd.DataFrame, pd.Series]:
    """Eligible positive-value rows with their EV and ceiling weight; reason per row."""
    _check_scored(scored, rules)
    ev = expected_value(scored["p_demand"], scored["pd"], config)
    reason = exclusion_reasons(
        scored, config, ev, rules=rules, suppressed=suppressed, contacts=contacts, as_of=as_of
    )
    eligible = reason.isna().to_numpy()
    pool = scored.loc[eligible].copy()
    pool["user_id"] = pool["user_id"].astype(str)
    pool["persona_name"] = pool["persona_name"].astype(str)
    pool["expected_value"] = ev[eligible]
    pool["ceiling_weight"] = ceiling_weight(pool["p_demand"], pool["pd"], config)
    return pool, reason


def shortlist(
    scored_partition: pd.DataFrame,
    config: CampaignConfig,
    *,
    rules: Sequence[EligibilityRule],
    suppressed: Collection[str] = frozenset(),
    contacts: pd.DataFrame | None = None,
    as_of: date,
) -> pd.DataFrame:
    """The rows of one partition that can be in the global optimum (original columns).

    Exclusion counts are not carried over; sum :func:`count_exclusions` over the partitions
    when a summary needs them.
    """
    pool, _ = _pool(scored_partition, config, rules, suppressed, contacts, as_of)
    keep = pool.index[survivor_mask(pool, config)]
    return scored_partition.loc[keep].sort_values("user_id", kind="mergesort")


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
) -> dict[str, int]:
    """Exclusions by reason for one frame or partition (additive across partitions)."""
    _, reason = _pool(scored, config, rules, suppressed, contacts, as_of)
    return count_reasons(reason, rules)


def _targets(chosen: pd.DataFrame, config: CampaignConfig, campaign_key: str) -> pd.DataFrame:
    ranked = chosen.sort_values(
        ["expected_value", "user_id"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)
    ranked["rank"] = np.arange(1, len(ranked) + 1)
    ranked["is_control"] = control_flags(
        ranked["user_id"], ranked["persona_name"], campaign_key=campaign_key,
        share=config.control_share,
    )  # fmt: skip
    ranked = ranked.rename(columns={"persona": "persona_id", "persona_name": "persona"})
    return ranked.loc[:, list(TARGET_COLUMNS)]


def build_campaign(
    scored: pd.DataFrame,
    config: CampaignConfig,
    *,
    campaign_key: str,
    rules: Sequence[EligibilityRule],
    suppressed: Collection[str] = frozenset(),
    contacts: pd.DataFrame | None = None,
    as_of: date,
) -> CampaignList:
    """Select the expected-value-optimal list under budget, risk ceilings and quotas.

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

    Raises
    ------
    InfeasibleCampaign
        No list meets the constraints; the error names the one to relax.
    """
    pool, reason = _pool(scored, config, rules, suppressed, contacts, as_of)
    cands = pool.loc[survivor_mask(pool, config)].sort_values("user_id", kind="mergesort")
    logger.info("%d eligible, %d candidates after exact reduction", len(pool), len(cands))
    targets = _targets(
        cands.loc[_lowest_ids_on_ties(cands, select(cands, config))], config, campaign_key
    )
    exclusions = count_reasons(reason, rules)
    summary = campaign_summary(
        targets, config, exclusions=exclusions, n_scored=len(scored), n_eligible=len(pool),
        campaign_key=campaign_key, as_of=as_of,
    )  # fmt: skip
    return CampaignList(targets=targets, summary=summary, exclusions=exclusions)
