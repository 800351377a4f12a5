"""Review decisions: a draft campaign is approved or rejected once, with an audit row."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospect.store.audit import record_audit
from prospect.store.exceptions import InvalidTransitionError, RecordNotFoundError
from prospect.store.models import Campaign, Run
from prospect.store.types import utcnow

DECISIONS = ("approved", "rejected")


def review_campaign(
    session: Session, campaign_id: int, *, decision: str, actor: str, comment: str = ""
) -> Campaign:
    """Approve or reject a draft campaign; approving supersedes the month's earlier approval.

    The run takes the same status, and every change is audited in the same transaction.
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision must be 'approved' or 'rejected'; got {decision!r}.")
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise RecordNotFoundError(f"no campaign with id {campaign_id}.")
    if campaign.status != "draft":
        raise InvalidTransitionError(
            f"campaign {campaign_id} is {campaign.status!r}; only a draft can be {decision}."
        )
    if decision == "approved":
        _supersede(session, campaign, actor)
    campaign.status = decision
    campaign.reviewed_by, campaign.reviewed_at, campaign.review_comment = actor, utcnow(), comment
    run = session.get(Run, campaign.run_id)
    if run is not None:
        run.status = decision
    session.flush()
    detail = {"comment": comment, "run_id": campaign.run_id}
    record_audit(session, actor, f"campaign.{decision}", "campaigns", campaign_id, detail)
    return campaign


def _supersede(session: Session, campaign: Campaign, actor: str) -> None:
    stmt = select(Campaign).where(
        Campaign.month == campaign.month, Campaign.status == "approved", Campaign.id != campaign.id
    )
    for old in session.scalars(stmt):
        old.status = "superseded"
        detail = {"by": campaign.id}
        record_audit(session, actor, "campaign.superseded", "campaigns", old.id, detail)
