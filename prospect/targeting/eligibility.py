"""Who may be contacted at all: legal and policy exclusions applied before any ranking.

The spec's eligibility rules come first (the 5G spec: real-name check, age floor, blacklist,
existing holder), then the policy reasons of :data:`REASONS`. Each row gets the *first*
failing reason, so the counts by reason add up to the number excluded. A missing field never
satisfies a rule: an unknown verification, age or card status is never a reason to contact.
The opt-out list holds values of the spec's ``opt_out_key`` column, carried in the scored frame
as :data:`OPT_OUT_COLUMN`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from prospect.risk_filter import SCORECARD, filters_by_risk
from prospect.spec import RULE_PARAMETERS, EligibilityRule
from prospect.targeting.config import CampaignConfig

logger = logging.getLogger(__name__)

REASONS = (
    "suppressed",
    "contacted_recently",
    "contact_cap",
    "unscored",
    "pd_above_ceiling",
    "non_positive_value",
)
CONTACT_COLUMNS = ("user_id", "contacted_at")
OPT_OUT_COLUMN = "opt_out_key"


def _contact_counts(
    contacts: pd.DataFrame | None, policy_days: tuple[int, int], as_of: date
) -> tuple[set[str], pd.Series]:
    """Users contacted within the quiet period, and contact counts within the cap window."""
    if contacts is None or contacts.empty:
        return set(), pd.Series(dtype="int64")
    missing = [c for c in CONTACT_COLUMNS if c not in contacts.columns]
    if missing:
        raise ValueError(f"contacts is missing column(s) {missing}; got {list(contacts.columns)}")
    quiet_days, window_days = policy_days
    when = pd.to_datetime(contacts["contacted_at"]).dt.date
    past = when <= as_of
    users = contacts["user_id"].astype(str)
    recent = set(users[past & (when > as_of - timedelta(days=quiet_days))])
    in_window = past & (when > as_of - timedelta(days=window_days))
    return recent, users[in_window].value_counts()


def exclusion_reasons(
    scored: pd.DataFrame,
    config: CampaignConfig,
    expected_value: np.ndarray,
    *,
    rules: Sequence[EligibilityRule],
    suppressed: Collection[str],
    contacts: pd.DataFrame | None,
    as_of: date,
    risk_filter: str = SCORECARD,
) -> pd.Series:
    """First failing reason per row (``None`` when eligible), aligned with ``scored``.

    ``rules`` are the spec's eligibility rules, checked in order before the policy reasons.
    ``risk_filter="none"`` (a bundle without a risk model): no row is judged by its PD, so
    ``unscored`` means no demand score and ``pd_above_ceiling`` never applies.
    """
    clashes = [rule.name for rule in rules if rule.name in REASONS]
    if clashes:
        raise ValueError(f"eligibility rule names {clashes} clash with policy reasons {REASONS}")
    policy = config.contact_policy
    recent, counts = _contact_counts(contacts, (policy.quiet_days, policy.window_days), as_of)
    users = scored["user_id"]
    opt_out = scored[OPT_OUT_COLUMN] if OPT_OUT_COLUMN in scored.columns else users
    pd_ceiling = config.risk.max_pd if config.risk.max_pd is not None else np.inf
    risk = filters_by_risk(risk_filter)  # without a risk model no PD judges a row
    params = {name: getattr(config, name) for name in RULE_PARAMETERS}
    checks = {rule.name: ~rule.expression.mask(scored, params) for rule in rules}
    checks |= {
        "suppressed": opt_out.astype(str).isin(frozenset(map(str, suppressed))),
        "contacted_recently": users.isin(recent),
        "contact_cap": users.map(counts).fillna(0).to_numpy() >= policy.max_contacts,
        "unscored": scored["p_demand"].isna() | (scored["pd"].isna() & risk),
        "pd_above_ceiling": ~(scored["pd"] <= pd_ceiling) & risk,
        "non_positive_value": ~(expected_value > 0),
    }
    reason = pd.Series(None, index=scored.index, dtype=object)
    for name in reversed(list(checks)):  # earlier reasons overwrite later ones
        reason[np.asarray(checks[name], dtype=bool)] = name
    return reason


def rule_columns(rules: Sequence[EligibilityRule]) -> list[str]:
    """Columns the rules read (campaign parameters such as ``min_age`` left out), sorted."""
    names: set[str] = set().union(*(rule.expression.names for rule in rules))
    return sorted(names - set(RULE_PARAMETERS))


def reason_names(rules: Sequence[EligibilityRule]) -> list[str]:
    """Every exclusion reason in the order rows are checked: the rules, then :data:`REASONS`."""
    return [*(rule.name for rule in rules), *REASONS]


def count_reasons(reason: pd.Series, rules: Sequence[EligibilityRule]) -> dict[str, int]:
    """Counts for every reason in :func:`reason_names` order (zeros included, for stable
    output)."""
    counts = reason.value_counts()
    return {name: int(counts.get(name, 0)) for name in reason_names(rules)}
