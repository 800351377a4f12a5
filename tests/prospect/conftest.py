"""Fixtures for tests of the prospect core.

Store fixtures (``store_url``, ``store_engine``): every store test runs on SQLite and on
PostgreSQL. PostgreSQL needs ``PROSPECT_TEST_POSTGRES_URL`` (``scripts/services.sh postgres``
prints one); each test gets its own schema there, so tests never see each other's rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> Iterator[str]:
    """An empty database URL: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


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


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory):
    """A small trained bundle (trained once per test module)."""
    from tests.worker.helpers import train_small_bundle

    return train_small_bundle(tmp_path_factory.mktemp("bundle"))


@pytest.fixture()
def ready(settings, small_bundle):
    """Settings of an empty data folder with the small bundle promoted."""
    from tests.worker.helpers import install_bundle

    install_bundle(small_bundle, settings)
    return settings
