"""Fixtures for API tests: an app on a fresh SQLite database, seeded campaigns and API keys.

Reusable by every test under ``tests/api`` (the review page's too): ``api_settings``,
``api_app``, ``api_engine``, ``client``, ``db_with_campaigns``, ``admin_key``,
``reviewer_key``, ``viewer_key``, ``pii_viewer_key`` and the ``bearer`` helper.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

APPROVED_MONTH, DRAFT_MONTH, REJECTED_MONTH = "2026-10", "2026-11", "2026-09"
# Personas that a spreadsheet would run as formulas unless the export escapes them.
PERSONAS = ["+digital natives", "=HYPERLINK(\"http://x\")", "savers", "@mall-goers",
            "-families", "travellers", "savers"]  # fmt: skip


def bearer(key: str) -> dict[str, str]:
    """Request headers carrying ``key``."""
    return {"Authorization": f"Bearer {key}"}


def make_targets(n: int) -> pd.DataFrame:
    """``n`` targets ranked 1..n; every third a control; msisdn ``138000000<i>``."""
    i = pd.RangeIndex(1, n + 1)
    return pd.DataFrame(
        {
            "user_id": [f"u{k:03d}" for k in i],
            "msisdn": [f"138{k:08d}" for k in i],
            "rank": list(i),
            "persona": [PERSONAS[(k - 1) % len(PERSONAS)] for k in i],
            "p_demand": [round(0.9 - 0.05 * k, 2) for k in i],
            "pd": [round(0.01 * k, 2) for k in i],
            "score_points": [700.0 - 10 * k for k in i],
            "expected_value": [100.0 - k for k in i],
            "is_control": [k % 3 == 0 for k in i],
            "why": [{"drivers": ["data_down_gb"], "reasons": ["R01"]}] * n,
        }
    )


@pytest.fixture()
def api_settings(settings):
    """Settings on a fresh data directory with the schema migrated."""
    from prospect.store import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db_url)
    return settings


@pytest.fixture()
def api_app(api_settings) -> Iterator[FastAPI]:
    from api.main import create_app

    app = create_app(api_settings)
    yield app
    app.state.engine.dispose()


@pytest.fixture()
def api_engine(api_app) -> Engine:
    engine: Engine = api_app.state.engine
    return engine


@pytest.fixture()
def client(api_app) -> Iterator[TestClient]:
    """An httpx-based client speaking HTTP to the app (lifespan included)."""
    with TestClient(api_app, raise_server_exceptions=False) as test_client:
        yield test_client


def _key(engine: Engine, role: str, *, pii_access: bool = False) -> str:
    from prospect.store import create_api_key, session_scope

    with session_scope(engine) as session:
        _row, key = create_api_key(
            session, name=f"{role}-crm", role=role, created_by="cli:test", pii_access=pii_access
        )
    return key


@pytest.fixture()
def admin_key(api_engine) -> str:
    return _key(api_engine, "admin")


@pytest.fixture()
def reviewer_key(api_engine) -> str:
    return _key(api_engine, "reviewer")


@pytest.fixture()
def viewer_key(api_engine) -> str:
    return _key(api_engine, "viewer")


@pytest.fixture()
def pii_viewer_key(api_engine) -> str:
    return _key(api_engine, "viewer", pii_access=True)


def seed_campaign(engine: Engine, month: str, n: int, decision: str | None) -> int:
    """A campaign of ``n`` targets for ``month``: left draft, or approved/rejected."""
    from prospect.store import get_or_create_run, review_campaign, save_campaign, session_scope

    run_id = f"run-{month}"
    fields = {"month": month, "batch_path": f"/landing/{month}.csv", "batch_checksum": "sha256:0",
              "model_version": "m-1", "config_hash": "cfg-1"}  # fmt: skip
    with session_scope(engine) as session:
        get_or_create_run(session, run_id, fields, requested_by="scheduler")
        campaign = save_campaign(
            session, run_id,
            {"month": month, "name": f"Cards {month}", "model_version": "m-1",
             "summary": {"expected_takers": 3.5}},
            make_targets(n),
        )  # fmt: skip
        if decision is not None:
            review_campaign(session, campaign.id, decision=decision, actor="ops", comment="ok")
        return int(campaign.id)


@pytest.fixture()
def db_with_campaigns(api_engine) -> dict[str, int]:
    """Campaign ids by status: ``approved`` (7 targets; ranks 3, 6 control), ``draft`` (4 targets),
    ``rejected`` (3 targets)."""
    return {
        "approved": seed_campaign(api_engine, APPROVED_MONTH, 7, "approved"),
        "draft": seed_campaign(api_engine, DRAFT_MONTH, 4, None),
        "rejected": seed_campaign(api_engine, REJECTED_MONTH, 3, "rejected"),
    }
