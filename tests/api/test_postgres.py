"""The same paging and export on PostgreSQL (server-side cursor, JSON columns, COPY-loaded)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer, seed_campaign

pytestmark = pytest.mark.postgres


@pytest.fixture()
def pg_settings(settings, postgres_url):
    """Settings whose database is a fresh schema on the test PostgreSQL server."""
    from prospect.store import upgrade

    settings.database_url = postgres_url
    upgrade(settings.db_url)
    return settings


def test_paging_and_export_on_postgres(pg_settings):
    from api.main import create_app
    from prospect.store import create_api_key, session_scope

    app = create_app(pg_settings)
    engine = app.state.engine
    cid = seed_campaign(engine, "2026-10", 11, "approved")
    with session_scope(engine) as session:
        _row, key = create_api_key(session, name="crm", role="viewer", created_by="test")
    with TestClient(app) as client:
        url = f"/api/v1/campaigns/{cid}/targets"
        first = client.get(url, params={"limit": 4, "fields": "rank,why"}, headers=bearer(key))
        items = first.json()["items"]
        assert [t["rank"] for t in items] == [1, 2, 4, 5]
        assert items[0]["why"] == {"drivers": ["data_down_gb"], "reasons": ["R01"]}
        rest = client.get(url, params={"cursor": first.json()["next_cursor"], "fields": "rank"},
                          headers=bearer(key)).json()  # fmt: skip
        assert [t["rank"] for t in rest["items"]] == [7, 8, 10, 11]
        export = client.get(f"{url}.csv", params={"fields": "rank,msisdn,persona"},
                            headers=bearer(key))  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["rank"] for r in rows] == ["1", "2", "4", "5", "7", "8", "10", "11"]
    assert rows[1] == {"rank": "2", "msisdn": "138****0002", "persona": '\'=HYPERLINK("http://x")'}
    engine.dispose()
