"""Server-side login sessions of the review page, so that a session can be ended for good.

The browser holds a random id (``secrets.token_urlsafe``); the table holds only its sha256, so
a copy of the table cannot be replayed as a cookie. A session is active until its absolute
expiry, an idle gap longer than the caller's timeout, or its revocation (logout, user disabled,
password changed). Ended rows are deleted by :func:`purge_ended_sessions`.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, Select, delete, or_, select, update
from sqlalchemy.orm import Session

from prospect.store.digests import hash_key
from prospect.store.models import LoginSession
from prospect.store.types import utcnow

logger = logging.getLogger(__name__)

# last_seen_at is written at most this often, so reading pages does not write on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


def start_session(
    session: Session, user_id: int, *, lifetime: timedelta, now: datetime | None = None
) -> tuple[LoginSession, str]:
    """Create a session for ``user_id`` and return ``(row, session_id)``.

    The id is new and random every time (never one seen before login), and it is returned
    only here: the row keeps its sha256.
    """
    if lifetime <= timedelta(0):
        raise ValueError(f"lifetime must be positive; got {lifetime}.")
    now = now or utcnow()
    session_id = secrets.token_urlsafe(32)
    row = LoginSession(session_hash=hash_key(session_id), user_id=user_id, created_at=now,
                       last_seen_at=now, expires_at=now + lifetime)  # fmt: skip
    session.add(row)
    session.flush()
    return row, session_id


def active_session(
    session: Session, session_id: str, *, idle_timeout: timedelta, now: datetime | None = None
) -> LoginSession | None:
    """The active session with ``session_id``, its ``last_seen_at`` moved to now; else None."""
    now = now or utcnow()
    row = session.scalar(_with_id(session_id))
    if row is None:
        return None
    if row.revoked_at is not None:
        logger.warning("revoked review session %d of user id %d presented", row.id, row.user_id)
        return None
    if now >= row.expires_at or now - row.last_seen_at > idle_timeout:
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        session.flush()
    return row


def revoke_session(
    session: Session, session_id: str, *, now: datetime | None = None
) -> LoginSession | None:
    """End the session with ``session_id``; the row if it was still unrevoked, else None."""
    row = session.scalar(_with_id(session_id).where(LoginSession.revoked_at.is_(None)))
    if row is not None:
        row.revoked_at = now or utcnow()
        session.flush()
    return row


def revoke_user_sessions(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """End every open session of ``user_id`` (disabled, or a new password); how many ended."""
    stmt = (
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    count = _rowcount(session, stmt)
    logger.info("revoked %d review session(s) of user id %d", count, user_id)
    return count


def purge_ended_sessions(
    session: Session, *, idle_timeout: timedelta, now: datetime | None = None
) -> int:
    """Delete sessions past their expiry or idle timeout; how many were deleted.

    Revoked rows stay until then, so a replayed cookie of a logged-out session is still
    recognised (and logged) as revoked rather than unknown.
    """
    now = now or utcnow()
    ended = or_(LoginSession.expires_at <= now, LoginSession.last_seen_at < now - idle_timeout)
    return _rowcount(session, delete(LoginSession).where(ended))


def _with_id(session_id: str) -> Select[tuple[LoginSession]]:
    return select(LoginSession).where(LoginSession.session_hash == hash_key(session_id))


def _rowcount(session: Session, stmt: Executable) -> int:
    """Run a bulk UPDATE or DELETE; rows in ``session`` are refreshed from the database."""
    options = {"synchronize_session": "fetch"}
    result = cast(CursorResult[Any], session.execute(stmt, execution_options=options))
    return int(result.rowcount)
