"""API keys for the CRM and channel systems: the secret is shown once, only its sha256 is kept.

A key reads ``psk_<prefix>_<secret>``; the prefix is stored in clear so listings can say which
key is which, and the sha256 of the whole key is what requests are checked against.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospect.store.audit import API_KEY_ENTITY, record_audit
from prospect.store.digests import hash_key
from prospect.store.exceptions import RecordNotFoundError
from prospect.store.models import ApiKey
from prospect.store.types import utcnow
from prospect.store.users import check_role

KEY_SCHEME = "psk"


def create_api_key(
    session: Session, *, name: str, role: str, created_by: str, pii_access: bool = False
) -> tuple[ApiKey, str]:
    """Create a key and return ``(row, key)``; the key itself is never retrievable again."""
    check_role(role)
    if not name:
        raise ValueError("name must be a non-empty label for the key; got ''.")
    prefix = secrets.token_hex(4)
    key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        name=name,
        prefix=prefix,
        key_hash=hash_key(key),
        role=role,
        pii_access=pii_access,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    detail = {"name": name, "prefix": prefix, "role": role, "pii_access": pii_access}
    record_audit(session, created_by, "api_key.created", API_KEY_ENTITY, row.id, detail)
    return row, key


def authenticate_api_key(session: Session, key: str) -> ApiKey | None:
    """The key's row if ``key`` is a known key that is not revoked, else None."""
    if not key.startswith(f"{KEY_SCHEME}_"):
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def revoke_api_key(session: Session, key_id: int, *, actor: str) -> ApiKey:
    """Revoke a key from now on; revoking twice keeps the first revocation time."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise RecordNotFoundError(f"no API key with id {key_id}.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
        detail = {"name": row.name, "prefix": row.prefix}
        record_audit(session, actor, "api_key.revoked", API_KEY_ENTITY, row.id, detail)
    return row


def list_api_keys(session: Session, *, include_revoked: bool = True) -> list[ApiKey]:
    """All keys, oldest first (rows carry the prefix, never the secret)."""
    stmt = select(ApiKey).order_by(ApiKey.id)
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(stmt))
