"""Shared fixtures: public datasets located through one setting, isolated settings per test."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import OperationalError

REPO = Path(__file__).resolve().parents[1]
POSTGRES_URL_ENV = "PROSPECT_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """``PROSPECT_DATASETS`` or ``../shared/datasets``; tests needing it skip when absent."""
    path = Path(os.environ.get("PROSPECT_DATASETS", REPO.parent / "shared" / "datasets"))
    if not path.is_dir():
        pytest.skip(f"public datasets not found at {path} (set PROSPECT_DATASETS)")
    return path


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite file at the latest schema (what an entry point leaves), copied per test."""
    from prospect.store import upgrade

    path = tmp_path_factory.mktemp("schema") / "prospect.db"
    upgrade(f"sqlite:///{path}")  # the engine is disposed, so the WAL is folded into the file
    return path


@pytest.fixture()
def bare_settings(tmp_path, monkeypatch):
    """Settings pointing every path and URL at a fresh temporary data directory, with no
    database yet (as before any entry point ran)."""
    from prospect.settings import get_settings

    monkeypatch.setenv("PROSPECT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PROSPECT_ENVIRONMENT", "test")
    for var in ("PROSPECT_DATABASE_URL", "PROSPECT_BROKER_URL", "PROSPECT_RESULT_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture()
def settings(bare_settings, migrated_sqlite):
    """:func:`bare_settings` with the database at the latest schema, as the entry points
    (``prospect db upgrade``, the CLI, the API and the worker at start) leave it; library
    code only checks the schema."""
    database = Path(make_url(bare_settings.db_url).database or "")
    database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_sqlite, database)
    return bare_settings


@pytest.fixture()
def postgres_url() -> Iterator[str]:
    """A URL on a fresh schema of the test PostgreSQL server (``PROSPECT_TEST_POSTGRES_URL``),
    dropped after the test, so concurrent runs never meet; skips when no server is reachable."""
    server = os.environ.get(POSTGRES_URL_ENV)
    if not server:
        pytest.skip(f"PostgreSQL tests skipped: {POSTGRES_URL_ENV} is not set")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL tests skipped: cannot reach {POSTGRES_URL_ENV}: {exc}")
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
