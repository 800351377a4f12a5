"""Review decisions: a draft campaign is approved or rejected once, with one audit row.

Every decision is one conditional write (``UPDATE ... WHERE status = 'draft'``), so of two
reviewers deciding the same draft at the same moment exactly one changes it and the other is
told it was decided already; on PostgreSQL the second ``UPDATE`` waits for the first to commit
and then finds no draft. At most one approved campaign per month is held by the partial unique
index ``ux_campaigns_month_approved``: when two drafts of a month are approved at once, the
later commit breaks the index and is refused the same way. A reviewer who saw the month's
approved list (or none) passes ``supersedes``; if another list was approved since, the approval
is refused rather than silently replacing a list the reviewer never saw, so the outcome is the
same whether the database serialises the two approvals (SQLite) or runs them together.
"""

from __future__ import annotations

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prospect.store.audit import CAMPAIGN_ENTITY, record_audit
from prospect.store.exceptions import InvalidTransitionError, RecordNotFoundError
from prospect.store.models import Campaign, Run
from prospect.store.types import utcnow

DECISIONS = ("approved", "rejected")
UNCHECKED: object = object()
"""Default of ``supersedes``: approve whatever the month's approved list is (CLI, scripts)."""


def review_campaign(
    session: Session, campaign_id: int, *, decision: str, actor: str, comment: str = "",
    supersedes: int | None | object = UNCHECKED,
) -> Campaign:  # fmt: skip
    """Approve or reject a draft campaign; approving supersedes the month's earlier approval.

    The run takes the same status, and every change is audited in the same transaction.

    Parameters
    ----------
    supersedes : int or None, optional
        The id of the month's approved campaign the reviewer saw (None: none was approved).
        An approval is refused when the month's approved campaign is another by now.

    Raises
    ------
    InvalidTransitionError
        The campaign is no longer a draft (decided, possibly a moment ago by someone else), or
        another list of its month was approved at the same time.
    RecordNotFoundError
        No such campaign.
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision must be 'approved' or 'rejected'; got {decision!r}.")
    month = session.scalar(select(Campaign.month).where(Campaign.id == campaign_id))
    if month is None:
        raise RecordNotFoundError(f"no campaign with id {campaign_id}.")
    if decision == "approved" and supersedes is not UNCHECKED:
        _check_month_unchanged(session, month, campaign_id, supersedes)
    try:
        with session.begin_nested():
            superseded = (
                _supersede(session, month, campaign_id, supersedes)
                if decision == "approved" else []
            )  # fmt: skip
            _decide_draft(session, campaign_id, decision, actor, comment)
    except IntegrityError as exc:
        raise InvalidTransitionError(
            f"another campaign of {month} was approved at the same moment; campaign "
            f"{campaign_id} stays a draft. Reload to see the month's approved list."
        ) from exc
    campaign = session.get(Campaign, campaign_id, populate_existing=True)
    assert campaign is not None  # it was just updated in this transaction
    session.execute(update(Run).where(Run.run_id == campaign.run_id).values(status=decision))
    for old_id in superseded:
        record_audit(session, actor, "campaign.superseded", CAMPAIGN_ENTITY, old_id,
                     {"by": campaign_id})  # fmt: skip
    detail = {"comment": comment, "run_id": campaign.run_id}
    record_audit(session, actor, f"campaign.{decision}", CAMPAIGN_ENTITY, campaign_id, detail)
    return campaign


def _decide_draft(
    session: Session, campaign_id: int, decision: str, actor: str, comment: str
) -> None:
    """The compare-and-set: write ``decision`` only if the campaign is still a draft."""
    stmt = (
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == "draft")
        .values(status=decision, reviewed_by=actor, reviewed_at=utcnow(), review_comment=comment)
        .execution_options(synchronize_session=False)
    )
    result: CursorResult[object] = session.execute(stmt)  # type: ignore[assignment]
    if result.rowcount == 1:
        return
    status = session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    raise InvalidTransitionError(
        f"campaign {campaign_id} is {status!r}; only a draft can be {decision}."
    )


def month_approved_id(session: Session, month: str) -> int | None:
    """The id of ``month``'s approved campaign, or None."""
    stmt = select(Campaign.id).where(Campaign.month == month, Campaign.status == "approved")
    return session.scalar(stmt)


def _check_month_unchanged(
    session: Session, month: str, campaign_id: int, expected: object
) -> None:
    current = month_approved_id(session, month)
    if current != expected and current != campaign_id:
        raise InvalidTransitionError(
            f"campaign {current} of {month} was approved since this page was opened; campaign "
            f"{campaign_id} stays a draft. Reload to compare the two lists before approving."
        )


def _supersede(session: Session, month: str, campaign_id: int, expected: object) -> list[int]:
    """Mark the month's approved list superseded; returns the ids changed (none or one).

    With an ``expected`` id (or None) only that list (or none) is replaced: a list approved
    meanwhile by someone else stays approved, and the unique index then refuses this approval.
    """
    stmt = (
        update(Campaign)
        .where(Campaign.month == month, Campaign.status == "approved", Campaign.id != campaign_id)
        .values(status="superseded")
        .returning(Campaign.id)
        .execution_options(synchronize_session=False)
    )
    if expected is None:
        return []
    if expected is not UNCHECKED:
        stmt = stmt.where(Campaign.id == expected)
    return list(session.scalars(stmt))
