"""Review-page users: argon2 password hashes, never the password itself."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from prospect.store.audit import record_audit
from prospect.store.exceptions import AlreadyExistsError
from prospect.store.models import ROLES, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def check_role(role: str) -> str:
    """Return ``role`` if it is one of :data:`ROLES`, else raise ValueError naming it."""
    if role not in ROLES:
        allowed = ", ".join(repr(r) for r in ROLES)
        raise ValueError(f"role must be one of {allowed}; got {role!r}.")
    return role


def create_user(session: Session, username: str, password: str, role: str, *, actor: str) -> User:
    """Add an active user with an argon2 hash of ``password``; audited as ``user.created``."""
    check_role(role)
    if not username or len(username) > 64:
        raise ValueError(f"username must be 1 to 64 characters; got {username!r}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AlreadyExistsError(f"user {username!r} already exists.")
    user = User(username=username, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    record_audit(
        session, actor, "user.created", "users", user.id, {"username": username, "role": role}
    )
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


@cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so a miss costs as long as a hit."""
    return _hasher.hash("not-a-real-password")


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
