"""Contacts and responses in SQL: what was sent to whom, who took the card, and the campaign
history they make (contacted or control, took a card or not).

Writes here are plain: checking a post against its campaign is :mod:`prospect.outcomes`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from prospect.store.models import Campaign, ContactHistory, Response, Target
from prospect.store.types import utcnow
from prospect.store.upsert import insert_new, upsert

# Ids per ``IN (...)`` look-up: far below every backend's limit on bound parameters.
LOOKUP_CHUNK = 5_000
HISTORY_FIELDS = (
    "campaign_id", "month", "user_id", "treated", "sent_at", "took_card", "taken_on",
)  # fmt: skip


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


def target_groups(session: Session, campaign_id: int, user_ids: Sequence[str]) -> dict[str, bool]:
    """``is_control`` of each of ``user_ids`` on the campaign's list (absent: not on it)."""
    out: dict[str, bool] = {}
    for chunk in _chunks(user_ids):
        stmt = select(Target.user_id, Target.is_control).where(
            Target.campaign_id == campaign_id, Target.user_id.in_(chunk)
        )
        out.update((u, bool(c)) for u, c in session.execute(stmt))
    return out


def campaign_contacts(
    session: Session, campaign_id: int, user_ids: Sequence[str]
) -> dict[str, tuple[datetime, str]]:
    """``(contacted_at, channel)`` of each of ``user_ids`` the campaign has contacted."""
    out: dict[str, tuple[datetime, str]] = {}
    for chunk in _chunks(user_ids):
        stmt = select(
            ContactHistory.user_id, ContactHistory.contacted_at, ContactHistory.channel
        ).where(ContactHistory.campaign_id == campaign_id, ContactHistory.user_id.in_(chunk))
        out.update((u, (at, channel)) for u, at, channel in session.execute(stmt))
    return out


def first_contact(session: Session, campaign_id: int) -> datetime | None:
    """When the campaign was first sent (its earliest contact), or None if it never was."""
    stmt = select(func.min(ContactHistory.contacted_at)).where(
        ContactHistory.campaign_id == campaign_id
    )
    return session.scalar(stmt)


def insert_contacts(
    session: Session, campaign_id: int | None, rows: Iterable[tuple[str, datetime, str]]
) -> int:
    """Append ``(user_id, contacted_at, channel)`` contacts; returns how many were given.

    A campaign's contact of a subscriber already stored (even by a concurrent transaction)
    is kept as it is: a campaign contacts each subscriber once.
    """
    values = [
        {"user_id": u, "campaign_id": campaign_id, "contacted_at": at, "channel": channel}
        for u, at, channel in rows
    ]
    if campaign_id is None:
        if values:
            session.execute(insert(ContactHistory), values)
    else:
        insert_new(session, ContactHistory, values, key=("campaign_id", "user_id"))
    return len(values)


def contact_counts(session: Session, *, since: datetime) -> dict[str, int]:
    """Contacts per user id from ``since`` on (what contact caps are checked against)."""
    stmt = (
        select(ContactHistory.user_id, func.count())
        .where(ContactHistory.contacted_at >= since)
        .group_by(ContactHistory.user_id)
    )
    return {user_id: int(n) for user_id, n in session.execute(stmt)}


def campaign_responses(
    session: Session, campaign_id: int, user_ids: Sequence[str]
) -> dict[str, tuple[bool, date | None]]:
    """``(took_card, taken_on)`` already recorded for each of ``user_ids`` in the campaign."""
    out: dict[str, tuple[bool, date | None]] = {}
    for chunk in _chunks(user_ids):
        stmt = select(Response.user_id, Response.took_card, Response.taken_on).where(
            Response.campaign_id == campaign_id, Response.user_id.in_(chunk)
        )
        out.update((u, (bool(t), on)) for u, t, on in session.execute(stmt))
    return out


def save_responses(
    session: Session, campaign_id: int, rows: Iterable[tuple[str, bool, date | None]]
) -> int:
    """Insert or correct ``(user_id, took_card, taken_on)`` responses; returns the row count."""
    now = utcnow()
    values = [
        {"campaign_id": campaign_id, "user_id": u, "took_card": bool(t), "taken_on": on,
         "loaded_at": now}
        for u, t, on in rows
    ]  # fmt: skip
    upsert(session, Response, values, key=("campaign_id", "user_id"),
           update=("took_card", "taken_on", "loaded_at"))  # fmt: skip
    return len(values)


def history_rows(
    session: Session,
    *,
    campaign_ids: Sequence[int] | None = None,
    months: Sequence[str] | None = None,
) -> list[tuple[Any, ...]]:
    """Every contacted and every control subscriber of the campaigns that were sent.

    One tuple per row, ordered as :data:`HISTORY_FIELDS`: ``treated`` is 1 for a contact and
    0 for a control target; ``sent_at`` is the contact's time, or for a control the campaign's
    first contact (when its control would have been contacted). ``took_card``/``taken_on`` are
    the recorded response (None when none was posted). Campaigns never sent give no rows.
    """
    sent = (
        select(ContactHistory.campaign_id, func.min(ContactHistory.contacted_at).label("at"))
        .where(ContactHistory.campaign_id.is_not(None))
        .group_by(ContactHistory.campaign_id)
        .subquery()
    )
    contacted = (
        select(
            Campaign.id,
            Campaign.month,
            ContactHistory.user_id,
            ContactHistory.contacted_at,
            Response.took_card,
            Response.taken_on,
        )  # fmt: skip
        .join(ContactHistory, ContactHistory.campaign_id == Campaign.id)
        .outerjoin(
            Response,
            (Response.campaign_id == Campaign.id) & (Response.user_id == ContactHistory.user_id),
        )  # fmt: skip
    )
    control = (
        select(
            Campaign.id,
            Campaign.month,
            Target.user_id,
            sent.c.at,
            Response.took_card,
            Response.taken_on,
        )  # fmt: skip
        .join(sent, sent.c.campaign_id == Campaign.id)
        .join(Target, (Target.campaign_id == Campaign.id) & Target.is_control)
        .outerjoin(
            Response, (Response.campaign_id == Campaign.id) & (Response.user_id == Target.user_id)
        )  # fmt: skip
    )
    if campaign_ids is not None:
        contacted = contacted.where(Campaign.id.in_(list(campaign_ids)))
        control = control.where(Campaign.id.in_(list(campaign_ids)))
    if months is not None:
        contacted = contacted.where(Campaign.month.in_(list(months)))
        control = control.where(Campaign.month.in_(list(months)))
    rows = [(c, m, u, 1, at, t, on) for c, m, u, at, t, on in session.execute(contacted)]
    rows += [(c, m, u, 0, at, t, on) for c, m, u, at, t, on in session.execute(control)]
    return rows
