"""Fixtures for tests of the prospect core.

Store fixtures (``store_url``, ``store_engine``): every store test runs on SQLite and on
PostgreSQL. PostgreSQL needs ``PROSPECT_TEST_POSTGRES_URL`` (``scripts/services.sh postgres``
prints one); each test gets its own schema there, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

POSTGRES_URL_ENV = "PROSPECT_TEST_POSTGRES_URL"


def _postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests skipped: {POSTGRES_URL_ENV} is not set")
    return url


def _postgres_schema_url(server_url: str) -> Iterator[str]:
    """A URL whose connections live in a fresh schema, dropped after the test."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL tests skipped: cannot reach {POSTGRES_URL_ENV}: {exc}")
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> Iterator[str]:
    """An empty database URL: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield from _postgres_schema_url(_postgres_server_url())


@pytest.fixture()
def store_engine(store_url) -> Iterator[Engine]:
    """An engine on ``store_url`` with the schema upgraded to head."""
    from prospect.store import make_engine, upgrade

    upgrade(store_url)
    engine = make_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def store_targets():
    """Factory of small target frames: ``n`` rows ranked 1..n, every third row a control."""
    import pandas as pd

    def make(n: int = 5) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "user_id": [f"u{i:03d}" for i in range(1, n + 1)],
                "msisdn": [f"1380000{i:04d}" if i % 2 else float("nan") for i in range(1, n + 1)],
                "rank": list(range(1, n + 1)),
                "persona": ["digital natives"] * n,
                "p_demand": [round(0.9 - 0.1 * i, 2) for i in range(n)],
                "pd": [0.01 * (i + 1) for i in range(n)],
                "score_points": [700.0 - 10 * i for i in range(n)],
                "expected_value": [120.5 - i for i in range(n)],
                "is_control": [1.0 if i % 3 == 2 else 0.0 for i in range(n)],
                "why": [{"drivers": ["data_flow"], "reasons": ["R01"]}] * n,
            }
        )

    return make


@pytest.fixture()
def store_run():
    """Factory adding a run row (campaigns reference one) and returning its id."""

    def make(session, run_id: str = "run-abc", month: str = "2026-10") -> str:
        from prospect.store import get_or_create_run

        fields = {
            "month": month,
            "batch_path": f"/landing/{month}.parquet",
            "batch_checksum": "sha256:00ff",
            "model_version": "m-1",
            "config_hash": "cfg-1",
        }
        get_or_create_run(session, run_id, fields, requested_by="scheduler")
        return run_id

    return make
