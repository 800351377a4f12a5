"""Who may be contacted at all: legal and policy exclusions applied before any ranking.

Each subscriber gets the *first* failing reason in :data:`REASONS` order, so the counts by
reason add up to the number excluded. A missing eligibility field counts as failing: an
unknown verification, age, blacklist or card status is never a reason to contact someone.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, timedelta

import numpy as np
import pandas as pd

from prospect.targeting.config import CampaignConfig

logger = logging.getLogger(__name__)

REASONS = (
    "not_verified",
    "under_age",
    "blacklisted",
    "existing_cardholder",
    "suppressed",
    "contacted_recently",
    "contact_cap",
    "unscored",
    "pd_above_ceiling",
    "non_positive_value",
)
CONTACT_COLUMNS = ("user_id", "contacted_at")


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
    suppressed: Collection[str],
    contacts: pd.DataFrame | None,
    as_of: date,
) -> pd.Series:
    """First failing reason per row (``None`` when eligible), aligned with ``scored``."""
    policy = config.contact_policy
    recent, counts = _contact_counts(contacts, (policy.quiet_days, policy.window_days), as_of)
    users = scored["user_id"]
    pd_ceiling = config.risk.max_pd if config.risk.max_pd is not None else np.inf
    checks = {
        "not_verified": ~(scored["real_name_verified"] == 1.0),
        "under_age": ~(scored["age"] >= config.min_age),
        "blacklisted": ~(scored["is_blacklisted"] == 0.0),
        "existing_cardholder": ~(scored["has_card"] == 0.0),
        "suppressed": users.isin(frozenset(suppressed)),
        "contacted_recently": users.isin(recent),
        "contact_cap": users.map(counts).fillna(0).to_numpy() >= policy.max_contacts,
        "unscored": scored["p_demand"].isna() | scored["pd"].isna(),
        "pd_above_ceiling": ~(scored["pd"] <= pd_ceiling),
        "non_positive_value": ~(expected_value > 0),
    }
    reason = pd.Series(None, index=scored.index, dtype=object)
    for name in reversed(REASONS):  # earlier reasons overwrite later ones
        reason[np.asarray(checks[name], dtype=bool)] = name
    return reason


def count_reasons(reason: pd.Series) -> dict[str, int]:
    """Counts for every reason in :data:`REASONS` order (zeros included, for stable output)."""
    counts = reason.value_counts()
    return {name: int(counts.get(name, 0)) for name in REASONS}
