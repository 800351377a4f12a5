"""Login throttling: failed review-page logins counted per username and per client address.

After ``max_failures`` failures in a row (each within ``window`` of the previous one) the
username or client is locked for ``lockout``; while locked every attempt is refused, even with
the right password, and the caller answers 429 with ``Retry-After``. A successful login clears
its username's count; ``prospect users unlock`` clears a lock by hand. Counters are updated
with ``failures = failures + 1`` so concurrent attempts cannot lose a failure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prospect.store.audit import LOGIN_ENTITY, record_audit
from prospect.store.models import LoginThrottle
from prospect.store.types import utcnow

SCOPES = ("user", "client")


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures lock a username or a client, and for how long."""

    max_user_failures: int
    max_client_failures: int
    lockout: timedelta

    def limit(self, scope: str) -> int:
        return self.max_user_failures if scope == "user" else self.max_client_failures


def retry_after(session: Session, username: str, client: str) -> int | None:
    """Seconds until ``username`` from ``client`` may try again, or None if not locked."""
    now = utcnow()
    stmt = select(LoginThrottle.locked_until).where(
        LoginThrottle.locked_until > now,
        ((LoginThrottle.scope == "user") & (LoginThrottle.subject == _cut(username)))
        | ((LoginThrottle.scope == "client") & (LoginThrottle.subject == _cut(client))),
    )
    until = [u for u in session.scalars(stmt) if u is not None]
    return _seconds(max(until) - now) if until else None


def record_failure(
    session: Session, username: str, client: str, policy: ThrottlePolicy
) -> int | None:
    """Count a failed login for ``username`` and ``client``; audited as ``user.login_failed``.

    Returns the seconds until the next attempt is allowed if this failure locked either.
    """
    now = utcnow()
    locks = [_count(session, scope, subject, policy, now)
             for scope, subject in (("user", username), ("client", client))]  # fmt: skip
    until = [u for u in locks if u is not None]
    wait = _seconds(max(until) - now) if until else None
    detail = {"username": username, "client": client, "locked_for_seconds": wait}
    record_audit(session, f"login:{username}"[:128], "user.login_failed", LOGIN_ENTITY,
                 _cut(username), detail)  # fmt: skip
    return wait


def clear_failures(session: Session, username: str) -> None:
    """Forget ``username``'s failures after a successful login."""
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.scope == "user", LoginThrottle.subject == _cut(username)
        )
    )


def unlock(session: Session, scope: str, subject: str, *, actor: str) -> bool:
    """Lift the lock and failure count of a username (``user``) or client address; audited.

    Returns whether there was anything to lift.
    """
    if scope not in SCOPES:
        raise ValueError(f"scope must be 'user' or 'client'; got {scope!r}.")
    stmt = delete(LoginThrottle).where(
        LoginThrottle.scope == scope, LoginThrottle.subject == _cut(subject)
    )
    found = bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
    record_audit(session, actor, "login.unlocked", LOGIN_ENTITY, _cut(subject),
                 {"scope": scope, "subject": subject, "was_locked": found})  # fmt: skip
    return found


def _count(
    session: Session, scope: str, subject: str, policy: ThrottlePolicy, now: datetime
) -> datetime | None:
    """One more failure for (scope, subject); the new lock's end when it reaches the limit."""
    key = (LoginThrottle.scope == scope, LoginThrottle.subject == _cut(subject))
    _ensure_row(session, scope, _cut(subject))
    stale = now - policy.lockout
    session.execute(  # a failure long after the last one starts a new count
        update(LoginThrottle).where(*key, LoginThrottle.last_failure_at < stale)
        .values(failures=0)
    )  # fmt: skip
    failures = session.scalar(
        update(LoginThrottle).where(*key)
        .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
        .returning(LoginThrottle.failures)
    )  # fmt: skip
    if failures is None or failures < policy.limit(scope):
        return None
    until = now + policy.lockout
    session.execute(update(LoginThrottle).where(*key).values(locked_until=until))
    return until


def _ensure_row(session: Session, scope: str, subject: str) -> None:
    exists = select(LoginThrottle.id).where(
        LoginThrottle.scope == scope, LoginThrottle.subject == subject
    )
    if session.scalar(exists) is not None:
        return
    try:
        with session.begin_nested():
            session.add(LoginThrottle(scope=scope, subject=subject, failures=0))
    except IntegrityError:  # a concurrent failure inserted it first
        pass


def _cut(text: str) -> str:
    return text[:128]


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))
