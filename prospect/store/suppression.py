"""The suppression list: subscribers who must not be contacted (opt-outs, complaints, fraud)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospect.store.audit import record_audit
from prospect.store.models import Suppression
from prospect.store.types import utcnow
from prospect.store.upsert import upsert


def add_suppression(
    session: Session, user_ids: Iterable[str], *, reason: str, source: str, actor: str
) -> int:
    """Suppress ``user_ids`` (insert, or refresh reason and source if already listed).

    Running the same call twice leaves the same list. One audit row records the whole call.

    Returns
    -------
    int
        The number of distinct user ids written.
    """
    ids = sorted({str(u) for u in user_ids})
    if any(not u for u in ids):
        raise ValueError("user_ids must be non-empty strings; got ''.")
    now = utcnow()
    rows = [
        {"user_id": u, "reason": reason, "source": source, "added_by": actor, "added_at": now}
        for u in ids
    ]
    update = ("reason", "source", "added_by", "added_at")
    upsert(session, Suppression, rows, key=("user_id",), update=update)
    detail = {"count": len(ids), "reason": reason, "source": source, "sample": ids[:10]}
    record_audit(session, actor, "suppression.added", "suppression", source, detail)
    return len(ids)


def load_suppression(session: Session) -> set[str]:
    """All suppressed user ids, for excluding them when a list is built."""
    return set(session.scalars(select(Suppression.user_id)))
