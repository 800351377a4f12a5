"""Review-page users: argon2 password hashes, never the password itself.

Disabling a user or changing their password ends every open review-page session of theirs.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from prospect.store.audit import USER_ENTITY, record_audit
from prospect.store.exceptions import AlreadyExistsError, RecordNotFoundError
from prospect.store.models import ROLES, User
from prospect.store.sessions import revoke_user_sessions

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def check_role(role: str) -> str:
    """Return ``role`` if it is one of :data:`ROLES`, else raise ValueError naming it."""
    if role not in ROLES:
        allowed = ", ".join(repr(r) for r in ROLES)
        raise ValueError(f"role must be one of {allowed}; got {role!r}.")
    return role


def create_user(
    session: Session, username: str, password: str, role: str, *, actor: str,
    pii_access: bool = False,
) -> User:  # fmt: skip
    """Add an active user with an argon2 hash of ``password``; audited as ``user.created``.

    ``pii_access`` lets the user see personal data (msisdn) in full, whatever the role.
    """
    check_role(role)
    if not username or len(username) > 64:
        raise ValueError(f"username must be 1 to 64 characters; got {username!r}.")
    _check_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AlreadyExistsError(f"user {username!r} already exists.")
    user = User(username=username, password_hash=_hasher.hash(password), role=role,
                pii_access=pii_access)  # fmt: skip
    session.add(user)
    session.flush()
    detail = {"username": username, "role": role, "pii_access": pii_access}
    record_audit(session, actor, "user.created", USER_ENTITY, user.id, detail)
    return user


def set_pii_access(session: Session, username: str, allowed: bool, *, actor: str) -> User:
    """Grant or withdraw full personal data for a user (``user.pii_granted`` / ``_revoked``)."""
    user = get_user(session, username)
    user.pii_access = allowed
    action = "user.pii_granted" if allowed else "user.pii_revoked"
    record_audit(session, actor, action, USER_ENTITY, user.id, {"username": username})
    return user


def set_password(session: Session, username: str, password: str, *, actor: str) -> User:
    """Replace the password and end the user's open sessions (``user.password_changed``)."""
    _check_password(password)
    user = get_user(session, username)
    user.password_hash = _hasher.hash(password)
    ended = revoke_user_sessions(session, user.id)
    record_audit(session, actor, "user.password_changed", USER_ENTITY, user.id,
                 {"username": username, "sessions_ended": ended})  # fmt: skip
    return user


def set_active(session: Session, username: str, active: bool, *, actor: str) -> User:
    """Enable or disable a user; disabling ends their open sessions (``user.disabled``)."""
    user = get_user(session, username)
    user.active = active
    ended = 0 if active else revoke_user_sessions(session, user.id)
    action = "user.enabled" if active else "user.disabled"
    record_audit(session, actor, action, USER_ENTITY, user.id,
                 {"username": username, "sessions_ended": ended})  # fmt: skip
    return user


def get_user(session: Session, username: str) -> User:
    """The user named ``username``; RecordNotFoundError naming it when there is none."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise RecordNotFoundError(f"no user {username!r}.")
    return user


def verify_password(session: Session, username: str, password: str) -> User | None:
    """The active user if ``password`` matches, else None (unknown, inactive or wrong).

    A hash made with older argon2 parameters is upgraded in place on success.
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        _matches(_dummy_hash(), password)
        return None
    if not _matches(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.flush()
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters.")


@cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so a miss costs as long as a hit."""
    return _hasher.hash("not-a-real-password")


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
