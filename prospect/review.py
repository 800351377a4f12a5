"""Review of draft campaigns by marketing ops, as plain functions of a store session.

Nobody is contacted before a person has looked at a draft list and decided, with a reason, so
decisions need a reviewing role and a non-empty comment, and a list is decided once (the store
refuses a second decision, atomically). Who may see drafts and personal data comes from
:mod:`prospect.policy`, the same rules the API applies to keys. A rejected list is re-run by
enqueueing a new run for its month with the rejected list's config; the enqueue function is
passed in because the core never imports the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospect import policy
from prospect.pipeline.lifecycle import admission
from prospect.risk_filter import SCORECARD
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
from prospect.store.audit import CAMPAIGN_ENTITY
from prospect.store.review import UNCHECKED, month_approved_id

logger = logging.getLogger(__name__)

REVIEW_ROLES = policy.REVIEW_ROLES
DEFAULT_SAMPLE_SIZE = 20
MAX_COMMENT_LENGTH = 2_000


@dataclass(frozen=True)
class Requeued:
    """What a re-run request did: the run id it maps to and that run's status just after."""

    run_id: str
    status: str

    @property
    def queued(self) -> bool:
        """False when the same batch, model and config lead to a run that already ended."""
        return admission(self.status) != "ended"


RequeueRun = Callable[[str, str, Mapping[str, Any]], Requeued]
"""``enqueue(month, requested_by, campaign_config) -> Requeued``: asks for a monthly run."""


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
    risk_filter: str = SCORECARD
    risk_warning: str | None = None


@dataclass(frozen=True)
class TargetView:
    """A target as a reviewer may see it: msisdn masked, the "why" split into lists."""

    rank: int
    user_id: str
    msisdn: str | None
    persona: str | None
    p_demand: float
    pd: float | None  # None on a list without a risk model
    score_points: float | None
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
    month_approved_id: int | None = None

    @property
    def summary(self) -> dict[str, Any]:
        return self.campaign.summary or {}


def check_review_role(role: str) -> None:
    """Refuse anyone but a reviewer or an admin (admins may review too: they own the system)."""
    if not policy.may_review(role):
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
    session: Session, campaign_id: int, *, decision: str, actor: str, role: str, comment: str,
    supersedes: int | None | object = UNCHECKED,
) -> Campaign:  # fmt: skip
    """Approve or reject a draft campaign with a required comment; audited by the store.

    ``supersedes`` is the month's approved campaign the reviewer saw (see
    :func:`prospect.store.review.review_campaign`).

    Raises
    ------
    PermissionError
        ``role`` is not a reviewing role.
    ValueError
        Empty comment or unknown ``decision``.
    InvalidTransitionError
        The campaign is not a draft (it was decided already, perhaps a moment ago), or another
        list of its month was approved since the reviewer looked.
    RecordNotFoundError
        No such campaign.
    """
    check_review_role(role)
    text = _check_comment(comment)
    campaign = review_campaign(session, campaign_id, decision=decision, actor=actor, comment=text,
                               supersedes=supersedes)  # fmt: skip
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


def rerun(
    session: Session, campaign_id: int, *, actor: str, role: str, enqueue: RequeueRun
) -> Requeued:
    """Ask for a new run of a rejected campaign's month with that campaign's config.

    Audited as ``campaign.rerun_requested`` with the run id and whether anything was queued:
    when the batch, model and config are unchanged the run is the rejected one, and nothing is.
    """
    check_review_role(role)
    campaign = _get_campaign(session, campaign_id)
    if campaign.status != "rejected":
        raise InvalidTransitionError(
            f"campaign {campaign_id} is {campaign.status!r}; only a rejected campaign is re-run."
        )
    outcome = enqueue(campaign.month, actor, dict(campaign.config or {}))
    detail = {"month": campaign.month, "run_id": outcome.run_id, "queued": outcome.queued,
              "rejected_run_id": campaign.run_id}  # fmt: skip
    record_audit(session, actor, "campaign.rerun_requested", CAMPAIGN_ENTITY, campaign_id, detail)
    logger.info("re-run of campaign %s: run %s (%s)", campaign_id, outcome.run_id, outcome.status)
    return outcome


def _get_campaign(session: Session, campaign_id: int, role: str = "admin") -> Campaign:
    """The campaign if ``role`` may see it; one not found and one hidden answer the same."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not policy.may_see_campaign(role, campaign.status):
        raise RecordNotFoundError(f"no campaign with id {campaign_id}.")
    return campaign


def _figure(summary: Mapping[str, Any], key: str) -> float | None:
    value = summary.get(key)
    return float(value) if isinstance(value, int | float) else None


def list_campaigns(session: Session, *, role: str, limit: int = 500) -> list[CampaignRow]:
    """The newest ``limit`` campaigns ``role`` may see, newest first, with headline figures."""
    stmt = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc()).limit(limit)
    if not policy.may_see_drafts(role):
        stmt = stmt.where(Campaign.status == policy.EXPORTABLE_STATUS)
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
            risk_filter=c.risk_filter,
            risk_warning=c.risk_warning,
        )  # fmt: skip
        for c in session.scalars(stmt)
    ]


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str | Mapping) else list(value)
    return [
        ", ".join(f"{k}: {v}" for k, v in item.items()) if isinstance(item, Mapping) else str(item)
        for item in items
        if item not in (None, "")
    ]


def target_view(target: Target, *, reveal: bool = False) -> TargetView:
    """The reviewer's view of one target: msisdn masked unless ``reveal``."""
    why = target.why or {}
    msisdn = target.msisdn if reveal else policy.mask(target.msisdn)
    return TargetView(
        rank=target.rank, user_id=target.user_id, msisdn=msisdn,
        persona=target.persona, p_demand=target.p_demand, pd=target.pd,
        score_points=target.score_points, expected_value=target.expected_value,
        is_control=bool(target.is_control), drivers=_texts(why.get("drivers")),
        reasons=_texts(why.get("reasons")),
    )  # fmt: skip


def campaign_detail(
    session: Session, campaign_id: int, *, role: str, sample_size: int = DEFAULT_SAMPLE_SIZE,
    reveal_pii: bool = False,
) -> CampaignDetail:  # fmt: skip
    """The campaign with its run, data-quality report, models, top-ranked sample and history.

    The sample's msisdn is masked unless ``reveal_pii`` (for a user granted personal data:
    the caller checks the grant with :func:`prospect.policy.sees_pii` and audits the read).
    """
    if sample_size < 0:
        raise ValueError(f"sample_size must be >= 0; got {sample_size}.")
    campaign = _get_campaign(session, campaign_id, role)
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
        sample=[target_view(t, reveal=reveal_pii) for t in session.scalars(stmt)],
        trail=audit_trail(session, CAMPAIGN_ENTITY, campaign_id),
        month_approved_id=month_approved_id(session, campaign.month),
    )  # fmt: skip
