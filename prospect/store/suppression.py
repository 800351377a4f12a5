"""The suppression list: subscribers who must not be contacted (opt-outs, complaints, fraud).

Append-only: ``suppression`` keeps each subscriber's first listing (reason, who and when, never
overwritten) and ``suppression_history`` gets one row for every request, so a repeated opt-out
adds a record rather than rewriting the original.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from prospect.store.audit import SUPPRESSION_ENTITY, record_audit
from prospect.store.models import Suppression, SuppressionRecord
from prospect.store.types import utcnow


def add_suppression(
    session: Session, user_ids: Iterable[str], *, reason: str, source: str, actor: str
) -> int:
    """Suppress ``user_ids``; returns how many were not suppressed before.

    Subscribers already listed keep their first record; every id of the call is added to the
    history. One audit row records the whole call.
    """
    ids = sorted({str(u) for u in user_ids})
    if any(not u for u in ids):
        raise ValueError("user_ids must be non-empty strings; got ''.")
    now = utcnow()
    rows = [
        {"user_id": u, "reason": reason, "source": source, "added_by": actor, "added_at": now}
        for u in ids
    ]
    if not rows:
        return 0
    session.execute(_insert_new(session), rows)
    new = session.scalar(  # the rows this call inserted carry its own timestamp and actor
        select(func.count())
        .select_from(Suppression)
        .where(Suppression.added_at == now, Suppression.added_by == actor)
    )
    session.execute(insert(SuppressionRecord), rows)
    detail = {"count": len(ids), "new": new, "reason": reason, "source": source,
              "sample": ids[:10]}  # fmt: skip
    record_audit(session, actor, "suppression.added", SUPPRESSION_ENTITY, source, detail)
    return int(new or 0)


def _insert_new(session: Session) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` on the suppression table, for either backend."""
    table = cast(Table, Suppression.__table__)
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=["user_id"])


def load_suppression(session: Session) -> set[str]:
    """All suppressed user ids, for excluding them when a list is built."""
    return set(session.scalars(select(Suppression.user_id)))


def suppression_history(session: Session, user_id: str) -> list[SuppressionRecord]:
    """Every suppression request for ``user_id``, oldest first."""
    stmt = (
        select(SuppressionRecord)
        .where(SuppressionRecord.user_id == user_id)
        .order_by(SuppressionRecord.added_at, SuppressionRecord.id)
    )
    return list(session.scalars(stmt))
