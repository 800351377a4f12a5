"""Engines, sessions and schema upgrades for SQLite (default) and PostgreSQL (by URL).

SQLite is shared by the worker and the API, so connections run in WAL mode with foreign keys
on and a generous busy timeout, and transactions are begun explicitly (``BEGIN`` /
``BEGIN IMMEDIATE``) instead of by the driver, so savepoints and write locks behave.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

from prospect.store.exceptions import SchemaNotCurrentError

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 60_000
_WAL_ATTEMPTS = 100
# Any constant works; it only has to be the same for every process upgrading the database.
_PG_UPGRADE_LOCK = 7_310_582_941
_UPGRADE_LOCK = threading.Lock()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, creates the file's folder and sets up WAL and locking."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    _use_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL once; retry when another process is switching the new file too.

    Changing the journal mode needs an exclusive lock and SQLite answers ``database is locked``
    at once (no busy wait) when two connections race to convert a new file, which processes
    starting together (API, workers) do.
    """
    for attempt in range(_WAL_ATTEMPTS):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == _WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


def _sqlite_on_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session maker bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine, *, immediate: bool = False) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error.

    Parameters
    ----------
    engine : Engine
        From :func:`make_engine`.
    immediate : bool
        On SQLite, take the write lock at ``BEGIN`` so a read-then-write transaction cannot
        fail half-way because another process wrote in between. Ignored on PostgreSQL.
    """
    bind = engine.execution_options(sqlite_immediate=True) if immediate else engine
    session = Session(bind=bind, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    package = Path(__file__).resolve().parents[1]
    config = Config(str(package / "alembic.ini"))
    config.set_main_option("script_location", str(package / "migrations"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` to ``revision``; safe when several processes start at once."""
    engine = make_engine(url)
    config = alembic_config()
    try:
        # Alembic keeps its running context in module globals: one upgrade per process at once.
        # Across processes, BEGIN IMMEDIATE (SQLite) or an advisory lock (PostgreSQL) serialises.
        with _UPGRADE_LOCK, engine.execution_options(sqlite_immediate=True).begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_UPGRADE_LOCK})")
            before = MigrationContext.configure(connection).get_current_revision()
            if before is not None and before not in _revisions():
                raise SchemaNotCurrentError(_unknown(url, before))
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            after = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    if before != after:
        logger.info("database schema upgraded from %s to %s", before or "empty", after)


def require_schema(url: str) -> None:
    """SchemaNotCurrentError unless the schema at ``url`` is the latest migration's.

    Library code checks, never migrates: the entry points (``prospect db upgrade``, the
    CLI commands that open the database, the API and the worker at start) call
    :func:`upgrade`. A SQLite file that does not exist is not created here.
    """
    parsed = make_url(url)
    missing = parsed.get_backend_name() == "sqlite" and not (
        parsed.database and (parsed.database == ":memory:" or Path(parsed.database).exists())
    )
    current = None if missing else current_revision(url)
    head = _head()
    if current == head:
        return
    if current is not None and current not in _revisions():
        raise SchemaNotCurrentError(_unknown(url, current))
    where = "has no schema yet" if current is None else f"is at revision {current}, not {head}"
    raise SchemaNotCurrentError(
        f"the database {_shown(url)} {where}: run `prospect db upgrade` (the API and the "
        "worker also upgrade it when they start)."
    )


def current_revision(url: str) -> str | None:
    """The Alembic revision the database at ``url`` is at (None: no schema yet)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def _head() -> str | None:
    return _script().get_current_head()


def _revisions() -> frozenset[str]:
    return frozenset(r.revision for r in _script().walk_revisions())


def _unknown(url: str, revision: str) -> str:
    return (
        f"the database {_shown(url)} is at revision {revision}, which this version of "
        "prospect does not know (a newer version migrated it): run the version that did, "
        "or point PROSPECT_DATABASE_URL at this version's database."
    )


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
