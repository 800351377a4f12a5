"""Users (argon2 passwords), their review-page sessions (sha256 of a random id, revocable,
idle and absolute expiry) and API keys (secret shown once, sha256 at rest, revocable)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from prospect.store import (
    AlreadyExistsError,
    ApiKey,
    LoginSession,
    RecordNotFoundError,
    User,
    active_session,
    audit_trail,
    authenticate_api_key,
    create_api_key,
    create_user,
    list_api_keys,
    make_engine,
    purge_ended_sessions,
    revoke_api_key,
    revoke_session,
    revoke_user_sessions,
    session_scope,
    set_active,
    set_password,
    start_session,
    upgrade,
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


T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
EIGHT_HOURS, HALF_HOUR = timedelta(hours=8), timedelta(minutes=30)


def _user_id(engine, username: str) -> int:
    with session_scope(engine) as session:
        return create_user(session, username, "s3cret-pass", "reviewer", actor="cli:admin").id


def _active(engine, session_id: str, at: datetime):
    """``(id, last_seen_at)`` of the active session, or None; committed like a page request."""
    with session_scope(engine) as session:
        row = active_session(session, session_id, idle_timeout=HALF_HOUR, now=at)
        return None if row is None else (row.id, row.last_seen_at)


def test_a_session_keeps_only_the_sha256_of_its_random_id(store_engine):
    user_id = _user_id(store_engine, "rita")
    with session_scope(store_engine) as session:
        row, sid = start_session(session, user_id, lifetime=EIGHT_HOURS, now=T0)
        _other, other_sid = start_session(session, user_id, lifetime=EIGHT_HOURS, now=T0)
        row_id = row.id
    assert len(sid) >= 43 and sid != other_sid
    with session_scope(store_engine) as session:
        stored = session.get(LoginSession, row_id)
        assert stored.session_hash == hashlib.sha256(sid.encode()).hexdigest()
        values = [str(getattr(stored, a.key)) for a in LoginSession.__mapper__.column_attrs]
        assert all(sid not in v for v in values)
        assert (stored.created_at, stored.expires_at) == (T0, T0 + EIGHT_HOURS)
    assert _active(store_engine, sid[:-1] + "x", T0) is None
    with session_scope(store_engine) as session, pytest.raises(ValueError, match="lifetime"):
        start_session(session, user_id, lifetime=timedelta(0))


def test_a_session_ends_when_idle_too_long_or_at_its_absolute_expiry(store_engine):
    user_id = _user_id(store_engine, "rita")
    with session_scope(store_engine) as session:
        row, sid = start_session(session, user_id, lifetime=EIGHT_HOURS, now=T0)
        _row, busy = start_session(session, user_id, lifetime=EIGHT_HOURS, now=T0)
    at_29 = T0 + timedelta(minutes=29)
    assert _active(store_engine, sid, T0 + timedelta(seconds=30)) == (row.id, T0)  # not touched
    assert _active(store_engine, sid, at_29) == (row.id, at_29)  # touched: idle clock restarts
    assert _active(store_engine, sid, at_29 + HALF_HOUR) == (row.id, at_29 + HALF_HOUR)
    assert _active(store_engine, sid, at_29 + 2 * HALF_HOUR + timedelta(seconds=1)) is None
    for k in range(1, 17):  # never idle, yet over at 8 h
        assert _active(store_engine, busy, T0 + k * timedelta(minutes=29)) is not None
    assert _active(store_engine, busy, T0 + EIGHT_HOURS) is None


def test_revoking_ends_one_session_or_every_session_of_a_user(store_engine):
    rita, vic = _user_id(store_engine, "rita"), _user_id(store_engine, "vic")
    with session_scope(store_engine) as session:
        sids = [
            start_session(session, u, lifetime=EIGHT_HOURS, now=T0)[1] for u in (rita, rita, vic)
        ]
    with session_scope(store_engine) as session:
        assert revoke_session(session, sids[0], now=T0).user.username == "rita"
        assert revoke_session(session, sids[0], now=T0) is None  # already revoked
    assert _active(store_engine, sids[0], T0) is None and _active(store_engine, sids[1], T0)
    with session_scope(store_engine) as session:
        assert revoke_user_sessions(session, rita, now=T0) == 1
    assert [_active(store_engine, s, T0) is None for s in sids] == [True, True, False]


def test_purge_deletes_only_expired_and_idle_sessions(store_engine):
    user_id = _user_id(store_engine, "rita")
    starts = {"expired": T0 - EIGHT_HOURS, "idle": T0 - timedelta(minutes=31),
              "fresh": T0 - timedelta(minutes=5), "revoked": T0 - timedelta(minutes=5)}  # fmt: skip
    with session_scope(store_engine) as session:
        sids = {k: start_session(session, user_id, lifetime=EIGHT_HOURS, now=at)[1]
                for k, at in starts.items()}  # fmt: skip
        revoke_session(session, sids["revoked"], now=T0)
    with session_scope(store_engine) as session:
        assert purge_ended_sessions(session, idle_timeout=HALF_HOUR, now=T0) == 2
    with session_scope(store_engine) as session:
        left = {h for h in session.scalars(select(LoginSession.session_hash))}
    assert left == {hashlib.sha256(sids[k].encode()).hexdigest() for k in ("fresh", "revoked")}


@pytest.mark.parametrize("change", ["password", "disable"])
def test_new_password_or_disabling_ends_the_users_sessions_and_is_audited(store_engine, change):
    rita, vic = _user_id(store_engine, "rita"), _user_id(store_engine, "vic")
    with session_scope(store_engine) as session:
        sids = [start_session(session, u, lifetime=EIGHT_HOURS)[1] for u in (rita, rita, vic)]
    with session_scope(store_engine) as session:
        if change == "password":
            set_password(session, "rita", "n3w-passphrase", actor="cli:admin")
        else:
            set_active(session, "rita", False, actor="cli:admin")
    with session_scope(store_engine) as session:
        alive = [active_session(session, s, idle_timeout=HALF_HOUR) is not None for s in sids]
        last = audit_trail(session, "users", rita)[-1]
        can_log_in = verify_password(session, "rita", "n3w-passphrase") is not None
    assert alive == [False, False, True]
    action = {"password": "user.password_changed", "disable": "user.disabled"}[change]
    assert (last.actor, last.action, last.detail["sessions_ended"]) == ("cli:admin", action, 2)
    assert can_log_in is (change == "password")


def test_account_changes_name_the_unknown_user_and_refuse_short_passwords(store_engine):
    _user_id(store_engine, "rita")
    with session_scope(store_engine) as session:
        with pytest.raises(RecordNotFoundError, match="no user 'nobody'"):
            set_active(session, "nobody", False, actor="t")
        with pytest.raises(ValueError, match="at least 8 characters"):
            set_password(session, "rita", "short", actor="t")
        assert verify_password(session, "rita", "s3cret-pass") is not None
        set_active(session, "rita", False, actor="t")
        set_active(session, "rita", True, actor="t")
        assert verify_password(session, "rita", "s3cret-pass") is not None


def test_upgrade_from_the_first_schema_keeps_users_and_adds_sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:  # the first schema's columns, not today's model
            user_id = conn.exec_driver_sql(
                "INSERT INTO users (username, password_hash, role, active, created_at) "
                "VALUES ('rita', 'x', 'reviewer', 1, '2026-11-01 00:00:00') RETURNING id"
            ).scalar_one()
        upgrade(url)
        with session_scope(engine) as session:
            _row, sid = start_session(session, user_id, lifetime=EIGHT_HOURS)
        with session_scope(engine) as session:
            assert active_session(session, sid, idle_timeout=HALF_HOUR).user.username == "rita"
    finally:
        engine.dispose()
