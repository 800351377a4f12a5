"""The cardholder register: who took the card, when, through which campaign, watched until when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospect.store.audit import record_audit
from prospect.store.exceptions import RecordNotFoundError
from prospect.store.models import Campaign, Cardholder
from prospect.store.upsert import upsert


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    k = day.year * 12 + day.month - 1 + months
    year, month = divmod(k, 12)
    last = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]
    return date(year, month + 1, min(day.day, last))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def register_cardholders(
    session: Session,
    issued: Sequence[tuple[str, date]],
    *,
    watch_months: int,
    actor: str,
    campaign_id: int | None = None,
) -> int:
    """Add or refresh cardholders from (user id, card issue date) pairs; audited as one event.

    Registering the same card again changes nothing but the acquiring campaign, if given; the
    watch runs ``watch_months`` from the issue date.
    """
    if watch_months < 1:
        raise ValueError(f"watch_months must be at least 1; got {watch_months}.")
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        raise RecordNotFoundError(f"no campaign with id {campaign_id}.")
    rows = [
        {"user_id": str(user_id), "campaign_id": campaign_id, "issued_on": day,
         "watch_until": add_months(day, watch_months), "registered_by": actor}
        for user_id, day in issued
    ]  # fmt: skip
    upsert(session, Cardholder, rows, key=("user_id",),
           update=("campaign_id", "issued_on", "watch_until"))  # fmt: skip
    if rows:
        detail = {"n": len(rows), "campaign_id": campaign_id, "watch_months": watch_months}
        record_audit(session, actor, "cardholders.registered", "cardholders", "*", detail)
    return len(rows)


def watched_on(session: Session, day: date) -> dict[str, Cardholder]:
    """Cardholders watched on ``day`` (issued on or before it, watch not yet over), by user id."""
    stmt = select(Cardholder).where(Cardholder.issued_on <= day, Cardholder.watch_until >= day)
    return {c.user_id: c for c in session.scalars(stmt)}
