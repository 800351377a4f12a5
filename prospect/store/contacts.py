"""Contact history (who was contacted when, for contact caps) and campaign responses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from prospect.store.models import ContactHistory, Response
from prospect.store.types import utcnow
from prospect.store.upsert import upsert

if TYPE_CHECKING:  # pandas is only needed by callers; keep `import prospect.store` light
    import pandas as pd


def record_contacts(
    session: Session,
    user_ids: Iterable[str],
    *,
    channel: str,
    campaign_id: int | None = None,
    contacted_at: datetime | None = None,
) -> int:
    """Append one contact per user id; returns how many rows were written."""
    if not channel:
        raise ValueError("channel must name the contact channel (e.g. 'sms'); got ''.")
    at = contacted_at or utcnow()
    rows = [
        {"user_id": str(u), "campaign_id": campaign_id, "channel": channel, "contacted_at": at}
        for u in user_ids
    ]
    if rows:
        session.execute(insert(ContactHistory), rows)
    return len(rows)


def contact_counts(session: Session, *, since: datetime) -> dict[str, int]:
    """Contacts per user id from ``since`` on (what contact caps are checked against)."""
    stmt = (
        select(ContactHistory.user_id, func.count())
        .where(ContactHistory.contacted_at >= since)
        .group_by(ContactHistory.user_id)
    )
    return {user_id: int(n) for user_id, n in session.execute(stmt)}


def load_responses(session: Session, campaign_id: int, responses: pd.DataFrame) -> int:
    """Upsert who took the card after ``campaign_id``; reloading the same file changes nothing.

    Parameters
    ----------
    responses : DataFrame
        Columns ``user_id`` and ``took_card`` (bool or 0/1, no missing values).
    """
    missing = [c for c in ("user_id", "took_card") if c not in responses.columns]
    if missing:
        raise ValueError(
            f"responses is missing column(s) {missing}; got {list(responses.columns)}."
        )
    if responses["took_card"].isna().any():
        raise ValueError("responses column 'took_card' has missing values; expected 0/1.")
    now = utcnow()
    rows = [
        {"campaign_id": campaign_id, "user_id": str(u), "took_card": bool(t), "loaded_at": now}
        for u, t in zip(responses["user_id"], responses["took_card"], strict=True)
    ]
    upsert(
        session,
        Response,
        rows,
        key=("campaign_id", "user_id"),
        update=("took_card", "loaded_at"),
    )
    return len(rows)
