"""Who may do and see what: one set of rules for the API's keys and the review page's logins.

Roles order what a caller may *do* (viewer < reviewer < admin); personal data is a separate
grant (``pii_access`` on a key or a user), so a reviewer without it sees msisdn masked like a
viewer does. Which target columns are personal comes from the dataset spec's ``pii`` role.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospect.spec import BUNDLE_SPEC_FILE, SpecError, load_spec
from prospect.store.models import ROLES, Campaign, DQReport, ModelVersion, Run

logger = logging.getLogger(__name__)

REVIEW_ROLES = ("reviewer", "admin")
EXPORTABLE_STATUS = "approved"
DEFAULT_SPEC_NAME = "subscriber_5g"  # the runs' default (prospect.pipeline.plan.DEFAULT_SPEC)
# Target columns a list may carry; the spec decides which of them are personal.
TARGET_COLUMNS = (
    "user_id", "msisdn", "rank", "persona", "p_demand", "pd", "score_points",
    "expected_value", "is_control", "why",
)  # fmt: skip


def at_least(role: str, minimum: str) -> bool:
    """True if ``role`` ranks at or above ``minimum``; ValueError naming an unknown role."""
    for name in (role, minimum):
        if name not in ROLES:
            raise ValueError(f"role must be one of {list(ROLES)}; got {name!r}.")
    return ROLES.index(role) >= ROLES.index(minimum)


def may_review(role: str) -> bool:
    """Approve, reject and re-run lists: reviewers and admins (admins own the system)."""
    return role in REVIEW_ROLES


def may_see_drafts(role: str) -> bool:
    """Draft, rejected and superseded lists are for reviewers and admins; viewers (the CRM and
    channel systems) see approved lists only."""
    return may_review(role)


def may_see_campaign(role: str, status: str) -> bool:
    return status == EXPORTABLE_STATUS or may_see_drafts(role)


def may_export(status: str) -> bool:
    """Only an approved list leaves the system, whoever asks."""
    return status == EXPORTABLE_STATUS


def sees_pii(pii_access: bool) -> bool:
    """Full personal data only for a key or login granted it, whatever its role."""
    return bool(pii_access)


def mask(value: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``: enough to tell numbers apart, not to dial them.

    Values shorter than 8 characters are masked entirely.
    """
    if value is None:
        return None
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


CONTACT_TARGET_COLUMN = "msisdn"  # the number a channel dials, whatever the spec calls it


@cache
def personal_columns(spec_name: str = DEFAULT_SPEC_NAME) -> frozenset[str]:
    """The target columns the dataset spec marks ``pii``, and always the contact number (the
    spec's ``contact_column`` is stored under that name, so the spec's own name for it would
    not match a target column)."""
    named = frozenset(load_spec(spec_name).pii_columns) & frozenset(TARGET_COLUMNS)
    return named | {CONTACT_TARGET_COLUMN}


def campaign_personal_columns(session: Session, campaign: Campaign) -> frozenset[str]:
    """The personal target columns of ``campaign``: from the spec its model bundle was trained
    on (the run read its batch with it), else the spec its batch was checked with by name."""
    bundle = session.get(ModelVersion, campaign.model_version)
    if bundle is not None and (Path(bundle.path) / BUNDLE_SPEC_FILE).is_file():
        return personal_columns(str(Path(bundle.path) / BUNDLE_SPEC_FILE))
    stmt = (
        select(DQReport.spec_name)
        .join(Run, Run.dq_report_id == DQReport.id)
        .where(Run.run_id == campaign.run_id)
    )
    name = session.scalar(stmt) or DEFAULT_SPEC_NAME
    try:
        return personal_columns(name)
    except SpecError:
        logger.warning("spec %r of campaign %s cannot be read; using %s", name, campaign.id,
                       DEFAULT_SPEC_NAME)  # fmt: skip
        return personal_columns(DEFAULT_SPEC_NAME)
