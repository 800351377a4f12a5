"""Users (argon2 passwords) and API keys (secret shown once, sha256 at rest, revocable)."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from prospect.store import (
    AlreadyExistsError,
    ApiKey,
    RecordNotFoundError,
    User,
    audit_trail,
    authenticate_api_key,
    create_api_key,
    create_user,
    list_api_keys,
    revoke_api_key,
    session_scope,
    verify_password,
)

KEY_FORMAT = re.compile(r"psk_([0-9a-f]{8})_[A-Za-z0-9_-]{40,}")


def test_password_is_verified_against_an_argon2_hash(store_engine):
    with session_scope(store_engine) as session:
        create_user(session, "rita", "s3cret-pass", "reviewer", actor="cli:admin")
    with session_scope(store_engine) as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "rita"))
        assert stored.startswith("$argon2id$") and "s3cret-pass" not in stored
        assert verify_password(session, "rita", "s3cret-pass").role == "reviewer"
        assert verify_password(session, "rita", "s3cret-pasS") is None
        assert verify_password(session, "nobody", "s3cret-pass") is None


def test_inactive_user_cannot_log_in_and_usernames_are_unique(store_engine):
    with session_scope(store_engine) as session:
        create_user(session, "rita", "s3cret-pass", "reviewer", actor="cli:admin").active = False
    with session_scope(store_engine) as session:
        assert verify_password(session, "rita", "s3cret-pass") is None
        with pytest.raises(AlreadyExistsError, match="user 'rita' already exists"):
            create_user(session, "rita", "other-pass", "viewer", actor="cli:admin")
    with pytest.raises(IntegrityError), session_scope(store_engine) as session:
        session.add(User(username="rita", password_hash="x", role="viewer"))
        session.flush()


def test_user_arguments_are_checked(store_engine):
    with session_scope(store_engine) as session:
        with pytest.raises(ValueError, match="role must be one of 'viewer', 'reviewer', 'admin'"):
            create_user(session, "ana", "long-enough", "boss", actor="t")
        with pytest.raises(ValueError, match="at least 8 characters"):
            create_user(session, "ana", "short", "viewer", actor="t")


def test_api_key_is_shown_once_and_only_its_sha256_is_stored(store_engine):
    with session_scope(store_engine) as session:
        row, key = create_api_key(session, name="crm", role="viewer", created_by="cli:root")
        key_id = row.id
    match = KEY_FORMAT.fullmatch(key)
    assert match is not None
    with session_scope(store_engine) as session:
        stored = session.get(ApiKey, key_id)
        assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert stored.prefix == match.group(1)
        secret = key.split("_", 2)[2]
        values = [str(getattr(stored, a.key)) for a in ApiKey.__mapper__.column_attrs]
        assert len(values) == 9 and all(secret not in v for v in values)
        assert [k.prefix for k in list_api_keys(session)] == [match.group(1)]
        assert authenticate_api_key(session, key).id == key_id
        assert authenticate_api_key(session, key[:-1] + "x") is None
        assert authenticate_api_key(session, "not-a-key") is None


def test_revoked_key_no_longer_authenticates_and_both_events_are_audited(store_engine):
    with session_scope(store_engine) as session:
        row, key = create_api_key(
            session, name="sms", role="reviewer", created_by="cli:root", pii_access=True
        )
        key_id = row.id
    with session_scope(store_engine) as session:
        first = revoke_api_key(session, key_id, actor="admin-ann").revoked_at
        assert revoke_api_key(session, key_id, actor="admin-ann").revoked_at == first
    with session_scope(store_engine) as session:
        assert authenticate_api_key(session, key) is None
        assert list_api_keys(session, include_revoked=False) == []
        trail = audit_trail(session, "api_keys", key_id)
        assert [(e.actor, e.action) for e in trail] == [
            ("cli:root", "api_key.created"),
            ("admin-ann", "api_key.revoked"),
        ]
        assert trail[0].detail["pii_access"] is True and key not in str(trail[0].detail)
        with pytest.raises(RecordNotFoundError, match="no API key with id 999"):
            revoke_api_key(session, 999, actor="admin-ann")
