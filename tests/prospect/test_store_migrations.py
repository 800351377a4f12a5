"""Schema migrations on an empty database, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import StatementError

from prospect.store import Base, User, make_engine, session_scope, upgrade
from prospect.store.users import create_user

TABLES = {
    "runs", "dq_reports", "campaigns", "targets", "suppression", "contact_history", "responses",
    "audit_log", "users", "web_sessions", "api_keys", "model_versions", "alembic_version",
    "suppression_history", "login_throttle",
    "cardholders", "alerts", "webhook_deliveries", "webhook_attempts", "idempotent_requests",
}  # fmt: skip


def test_upgrade_on_empty_database_creates_every_table_and_is_repeatable(store_url):
    upgrade(store_url)
    upgrade(store_url)  # a second start (worker after API) changes nothing
    engine = make_engine(store_url)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [
                ("0006",)
            ]
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(store_engine):
    with store_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_targets_keep_paging_index_and_one_row_per_user(store_engine):
    inspector = inspect(store_engine)
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("targets")}
    indexes = {tuple(i["column_names"]): i["unique"] for i in inspector.get_indexes("targets")}
    assert ("campaign_id", "user_id") in uniques
    assert bool(indexes[("campaign_id", "rank")]) is True


def test_datetimes_read_back_timezone_aware_utc(store_engine):
    with session_scope(store_engine) as session:
        user = create_user(session, "ana", "correct horse", "viewer", actor="test")
        user_id = user.id
    with session_scope(store_engine) as session:
        created = session.get(User, user_id).created_at
    assert created.tzinfo is not None and created.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60


def test_naive_datetimes_are_refused(store_engine):
    with pytest.raises(StatementError, match="timezone-aware"), session_scope(store_engine) as s:
        user = create_user(s, "bo", "correct horse", "viewer", actor="test")
        user.created_at = datetime(2026, 1, 1)
        s.flush()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    url = f"sqlite:///{tmp_path / 'nested' / 'store.db'}"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30_000
    finally:
        engine.dispose()
    assert (tmp_path / "nested" / "store.db").exists()


def test_processes_starting_together_can_all_upgrade(store_url):
    """The API and several workers each upgrade at start; none may fail on a half-made schema."""
    code = "import sys; from prospect.store import upgrade; upgrade(sys.argv[1])"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, store_url], stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    with ThreadPoolExecutor(max_workers=3) as pool:  # and threads of one process
        assert list(pool.map(lambda _: upgrade(store_url), range(3))) == [None] * 3
    engine = make_engine(store_url)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES
    finally:
        engine.dispose()


def test_0005_keeps_each_campaign_contacts_first_row_and_then_refuses_a_second(store_url):
    """A campaign sent twice before 0005 (the old ``prospect send`` race) keeps the first
    contact of each subscriber; afterwards the unique index refuses a repeat."""
    from sqlalchemy.exc import IntegrityError

    from prospect.store import get_or_create_run
    from prospect.store.models import Campaign

    upgrade(store_url, "0004")
    engine = make_engine(store_url)
    insert = text("INSERT INTO contact_history (user_id, campaign_id, channel, contacted_at) "
                  "VALUES (:u, :c, 'sms', :at)")  # fmt: skip
    try:
        with session_scope(engine) as session:
            fields = {"month": "2026-10", "batch_path": "b", "batch_checksum": "c",
                      "model_version": "m", "config_hash": "h"}  # fmt: skip
            get_or_create_run(session, "r", fields)
            campaign = Campaign(run_id="r", month="2026-10", name="c", model_version="m")
            session.add(campaign)
            session.flush()
            cid = campaign.id
        with engine.begin() as conn:
            for user, day in (("u1", 1), ("u1", 2), ("u2", 1), ("u1", 3)):
                conn.execute(insert, {"u": user, "c": cid, "at": datetime(2026, 10, day)})
        upgrade(store_url)
        with engine.connect() as conn:
            query = text("SELECT user_id, contacted_at FROM contact_history ORDER BY user_id")
            rows = [(u, str(at)[:10]) for u, at in conn.execute(query)]
        assert rows == [("u1", "2026-10-01"), ("u2", "2026-10-01")]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, {"u": "u2", "c": cid, "at": datetime(2026, 10, 9)})
    finally:
        engine.dispose()
