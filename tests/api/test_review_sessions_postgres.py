"""Review-page sessions on PostgreSQL: the same login, idle clock, logout and replay."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.test_postgres import pg_settings  # noqa: F401 (fixture)
from tests.api.test_review_pages import (
    fast_password_hashing,  # noqa: F401 (autouse fixture)
    login,
    seed_review,
)
from tests.api.test_review_sessions import COOKIE, audit_actions, idle_for, log_out, replay

pytestmark = pytest.mark.postgres


def test_logout_and_idle_expiry_on_postgres(pg_settings):  # noqa: F811
    from api.main import create_app

    app = create_app(pg_settings)
    engine = app.state.engine
    seed_review(engine, pg_settings)
    try:
        with TestClient(app) as client:
            assert login(client, "rita").status_code == 303
            stolen = client.cookies.get(COOKIE)
            idle_for(engine, 29)
            assert client.get("/review", follow_redirects=False).status_code == 200
            log_out(client)
            assert replay(app, stolen).status_code == 303
            login(client, "vic")
            idle_for(engine, 31)
            assert client.get("/review", follow_redirects=False).status_code == 303
        assert [a for _, a in audit_actions(engine, "rita")][1:] == ["user.login", "user.logout"]
    finally:
        engine.dispose()
