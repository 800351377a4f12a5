"""Review of draft campaigns by marketing ops, as plain functions of a store session.

Nobody is contacted before a person has looked at a draft list and decided, with a reason, so
decisions need a reviewing role and a non-empty comment, and a list is decided once (the store
refuses a second decision). A rejected list is re-run by enqueueing a new run for its month;
the enqueue function is passed in because the core never imports the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospect.store import (
    AuditEvent,
    Campaign,
    DQReport,
    InvalidTransitionError,
    RecordNotFoundError,
    Run,
    Target,
    audit_trail,
    record_audit,
    review_campaign,
)

logger = logging.getLogger(__name__)

REVIEW_ROLES = ("reviewer", "admin")
DEFAULT_SAMPLE_SIZE = 20
MAX_COMMENT_LENGTH = 2_000

EnqueueRun = Callable[[str, str], str]
"""``enqueue(month, requested_by) -> task or run id``: queues a new monthly run."""


@dataclass(frozen=True)
class CampaignRow:
    """One line of the campaign list: what a reviewer scans before opening a list."""

    id: int
    month: str
    name: str
    status: str
    n_targets: int
    expected_responses: float | None
    expected_defaults: float | None
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None


@dataclass(frozen=True)
class TargetView:
    """A target as a reviewer may see it: msisdn masked, the "why" split into lists."""

    rank: int
    user_id: str
    msisdn: str | None
    persona: str | None
    p_demand: float
    pd: float
    score_points: float
    expected_value: float
    is_control: bool
    drivers: list[str]
    reasons: list[str]


@dataclass(frozen=True)
class CampaignDetail:
    """Everything the detail page shows about one campaign."""

    campaign: Campaign
    run: Run | None
    dq_report: DQReport | None
    model_versions: list[str]
    sample: list[TargetView]
    trail: list[AuditEvent]

    @property
    def summary(self) -> dict[str, Any]:
        return self.campaign.summary or {}


def check_review_role(role: str) -> None:
    """Refuse anyone but a reviewer or an admin (admins may review too: they own the system)."""
    if role not in REVIEW_ROLES:
        raise PermissionError(f"role {role!r} may not review campaigns; reviewer or admin only.")


def _check_comment(comment: str) -> str:
    if not isinstance(comment, str):
        raise TypeError(f"comment must be a string; got {type(comment).__name__}.")
    text = comment.strip()
    if not text:
        raise ValueError("comment must not be empty: every decision needs a reason.")
    if len(text) > MAX_COMMENT_LENGTH:
        raise ValueError(
            f"comment must be at most {MAX_COMMENT_LENGTH} characters; got {len(text)}."
        )
    return text


def decide(
    session: Session, campaign_id: int, *, decision: str, actor: str, role: str, comment: str
) -> Campaign:
    """Approve or reject a draft campaign with a required comment; audited by the store.

    Raises
    ------
    PermissionError
        ``role`` is not a reviewing role.
    ValueError
        Empty comment or unknown ``decision``.
    InvalidTransitionError
        The campaign is not a draft (it was decided already).
    RecordNotFoundError
        No such campaign.
    """
    check_review_role(role)
    text = _check_comment(comment)
    campaign = review_campaign(session, campaign_id, decision=decision, actor=actor, comment=text)
    logger.info("campaign %s %s by %s", campaign_id, decision, actor)
    return campaign


def approve(session: Session, campaign_id: int, *, actor: str, role: str, comment: str) -> Campaign:
    """Approve a draft campaign (the only way a list becomes exportable)."""
    return decide(
        session, campaign_id, decision="approved", actor=actor, role=role, comment=comment
    )


def reject(session: Session, campaign_id: int, *, actor: str, role: str, comment: str) -> Campaign:
    """Reject a draft campaign; it can then be re-run with :func:`rerun`."""
    return decide(
        session, campaign_id, decision="rejected", actor=actor, role=role, comment=comment
    )


def rerun(session: Session, campaign_id: int, *, actor: str, role: str, enqueue: EnqueueRun) -> str:
    """Enqueue a new run for the month of a rejected campaign; returns the enqueued id.

    The request is audited as ``campaign.rerun_requested`` with the id ``enqueue`` returned.
    """
    check_review_role(role)
    campaign = _get_campaign(session, campaign_id)
    if campaign.status != "rejected":
        raise InvalidTransitionError(
            f"campaign {campaign_id} is {campaign.status!r}; only a rejected campaign is re-run."
        )
    queued_id = enqueue(campaign.month, actor)
    detail = {"month": campaign.month, "queued_id": queued_id, "run_id": campaign.run_id}
    record_audit(session, actor, "campaign.rerun_requested", "campaigns", campaign_id, detail)
    logger.info("re-run of %s (campaign %s) queued as %s", campaign.month, campaign_id, queued_id)
    return queued_id


def _get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise RecordNotFoundError(f"no campaign with id {campaign_id}.")
    return campaign


def _figure(summary: Mapping[str, Any], key: str) -> float | None:
    value = summary.get(key)
    return float(value) if isinstance(value, int | float) else None


def list_campaigns(session: Session, *, limit: int = 500) -> list[CampaignRow]:
    """The newest ``limit`` campaigns, newest first, with their headline figures."""
    stmt = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc()).limit(limit)
    return [
        CampaignRow(
            id=c.id,
            month=c.month,
            name=c.name,
            status=c.status,
            n_targets=c.n_targets,
            expected_responses=_figure(c.summary or {}, "expected_responses"),
            expected_defaults=_figure(c.summary or {}, "expected_defaults"),
            created_at=c.created_at,
            reviewed_by=c.reviewed_by,
            reviewed_at=c.reviewed_at,
        )  # fmt: skip
        for c in session.scalars(stmt)
    ]


def mask_msisdn(msisdn: str | None) -> str | None:
    """``13800001234`` -> ``138****1234``: enough to tell numbers apart, not to dial them."""
    if not msisdn:
        return None
    if len(msisdn) < 8:
        return "*" * (len(msisdn) - 2) + msisdn[-2:]
    return msisdn[:3] + "*" * (len(msisdn) - 7) + msisdn[-4:]


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str | Mapping) else list(value)
    return [
        ", ".join(f"{k}: {v}" for k, v in item.items()) if isinstance(item, Mapping) else str(item)
        for item in items
        if item not in (None, "")
    ]


def target_view(target: Target) -> TargetView:
    """The reviewer's view of one target (msisdn masked)."""
    why = target.why or {}
    return TargetView(
        rank=target.rank, user_id=target.user_id, msisdn=mask_msisdn(target.msisdn),
        persona=target.persona, p_demand=target.p_demand, pd=target.pd,
        score_points=target.score_points, expected_value=target.expected_value,
        is_control=bool(target.is_control), drivers=_texts(why.get("drivers")),
        reasons=_texts(why.get("reasons")),
    )  # fmt: skip


def campaign_detail(
    session: Session, campaign_id: int, *, sample_size: int = DEFAULT_SAMPLE_SIZE
) -> CampaignDetail:
    """The campaign with its run, data-quality report, models, top-ranked sample and history."""
    if sample_size < 0:
        raise ValueError(f"sample_size must be >= 0; got {sample_size}.")
    campaign = _get_campaign(session, campaign_id)
    run = session.get(Run, campaign.run_id)
    dq = session.get(DQReport, run.dq_report_id) if run and run.dq_report_id else None
    stmt = (
        select(Target)
        .where(Target.campaign_id == campaign_id)
        .order_by(Target.rank)
        .limit(sample_size)
    )
    versions = sorted({campaign.model_version, *([run.model_version] if run else [])})
    return CampaignDetail(
        campaign=campaign, run=run, dq_report=dq, model_versions=versions,
        sample=[target_view(t) for t in session.scalars(stmt)],
        trail=audit_trail(session, "campaigns", campaign_id),
    )  # fmt: skip
