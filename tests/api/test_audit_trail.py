"""Every access on record: exports, pii reads, refusals and failed logins, read back by admins."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.api.conftest import bearer
from tests.api.test_review_pages import (
    PASSWORD,
    csrf_of,
    fast_password_hashing,  # noqa: F401 (autouse fixture)
    login,
    seed_review,
)

V1 = "/api/v1"


def events(engine, action: str):
    from prospect.store import AuditEvent, session_scope

    with session_scope(engine) as session:
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.scalars(stmt))


def prefix(key: str) -> str:
    return key.split("_")[1]


def test_an_export_is_audited_with_who_which_list_and_how_many_rows(
    client, api_engine, db_with_campaigns, viewer_key
):
    cid = db_with_campaigns["approved"]
    response = client.get(f"{V1}/campaigns/{cid}/targets.csv", headers=bearer(viewer_key))
    assert response.status_code == 200
    n_rows = len(list(csv.DictReader(io.StringIO(response.text))))
    (event,) = events(api_engine, "campaign.exported")
    assert (event.actor, event.entity, event.entity_id) == (
        f"key:{prefix(viewer_key)}:viewer-crm", "campaigns", str(cid))  # fmt: skip
    assert event.detail["rows"] == n_rows == 5 and event.detail["pii_columns"] == []


def test_pii_reads_are_audited_and_masked_reads_are_not(
    client, api_engine, db_with_campaigns, viewer_key, pii_viewer_key
):
    url = f"{V1}/campaigns/{db_with_campaigns['approved']}/targets"
    params = {"fields": "user_id,msisdn", "limit": 3}
    client.get(url, params=params, headers=bearer(viewer_key))
    assert events(api_engine, "campaign.pii_read") == []
    client.get(url, params=params, headers=bearer(pii_viewer_key))
    (event,) = events(api_engine, "campaign.pii_read")
    assert event.actor.startswith(f"key:{prefix(pii_viewer_key)}:")
    assert (event.detail["rows"], event.detail["columns"]) == (3, ["msisdn"])


def test_a_refused_request_is_audited(client, api_engine, viewer_key):
    response = client.post(f"{V1}/runs", json={"month": "2026-10"}, headers=bearer(viewer_key))
    assert response.status_code == 403
    (event,) = events(api_engine, "request.refused")
    assert event.detail == {"method": "POST", "path": "/api/v1/runs",
                            "reason": "needs the admin role"}  # fmt: skip


def test_the_review_page_masks_by_default_and_a_pii_login_may_reveal_on_record(
    client, api_app, api_settings, api_engine
):
    from prospect.store import session_scope, set_pii_access

    seeded = seed_review(api_engine, api_settings)
    login(client, "rita")
    page = client.get(f"/review/campaigns/{seeded.draft_id}").text
    assert "138****5678" in page and "13812345678" not in page
    assert 'data-testid="reveal"' not in page
    # Without the grant, asking for full numbers changes nothing and records nothing.
    assert "138****5678" in client.get(f"/review/campaigns/{seeded.draft_id}?pii=true").text
    assert events(api_engine, "campaign.pii_read") == []
    with session_scope(api_engine) as session:
        set_pii_access(session, "rita", True, actor="test")
    page = client.get(f"/review/campaigns/{seeded.draft_id}").text
    assert "138****5678" in page and 'data-testid="reveal"' in page
    revealed = client.get(f"/review/campaigns/{seeded.draft_id}?pii=true").text
    assert "13812345678" in revealed
    (event,) = events(api_engine, "campaign.pii_read")
    assert (event.actor, event.entity_id, event.detail["rows"]) == ("rita", str(seeded.draft_id), 5)


def _fail_login(client, username: str):
    token = csrf_of(client.get("/review/login").text)
    form = {"username": username, "password": "wrong-password", "csrf_token": token}
    return client.post("/review/login", data=form, follow_redirects=False)


def test_failed_logins_lock_the_user_with_429_and_retry_after_and_are_audited(
    client, api_app, api_settings, api_engine
):
    seed_review(api_engine, api_settings)
    limit = api_settings.login_max_failures
    codes = [_fail_login(client, "rita").status_code for _ in range(limit + 2)]
    assert codes == [401] * (limit - 1) + [429] * 3
    locked = login(client, "rita")  # the right password, but locked
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= api_settings.login_lockout_seconds
    assert "Too many failed logins" in locked.text
    failed = events(api_engine, "user.login_failed")
    assert len(failed) == limit and failed[0].detail["username"] == "rita"
    assert len(events(api_engine, "user.login_throttled")) == 3
    assert events(api_engine, "user.login") == []
    # Another user from another client is not affected by rita's lock.
    assert login(client, "ada", PASSWORD).status_code == 303


def test_a_client_guessing_many_usernames_is_locked(client, api_settings, api_engine):
    api_settings.login_max_client_failures = 4
    codes = [_fail_login(client, f"nobody{i}").status_code for i in range(6)]
    assert codes == [401, 401, 401, 429, 429, 429]


def test_unlock_from_the_cli_lets_the_user_in_again(
    client, api_app, api_settings, api_engine, monkeypatch
):
    from prospect.cli import app
    from prospect.settings import get_settings

    seed_review(api_engine, api_settings)
    for _ in range(api_settings.login_max_failures):
        _fail_login(client, "rita")
    assert login(client, "rita").status_code == 429
    get_settings.cache_clear()
    monkeypatch.setenv("PROSPECT_DATABASE_URL", api_settings.db_url)
    result = CliRunner().invoke(app, ["users", "unlock", "rita"])
    assert result.exit_code == 0 and "unlocked user 'rita'" in result.stdout
    assert login(client, "rita").status_code == 303
    (event,) = events(api_engine, "login.unlocked")
    assert event.detail["was_locked"] is True and event.actor.startswith("cli:")
    nothing = CliRunner().invoke(app, ["users", "unlock"])
    assert nothing.exit_code == 2


@pytest.fixture()
def trail(api_engine):
    """Audit rows by two actors over three actions."""
    from prospect.store import record_audit, session_scope

    with session_scope(api_engine) as session:
        for i in range(5):
            record_audit(session, "ana", "campaign.approved", "campaigns", i, {"n": i})
        for i in range(3):
            record_audit(session, "bo", "campaign.exported", "campaigns", i, {"rows": 7})
        record_audit(session, "bo", "user.created", "users", 1, {"comment": "=cmd()"})


def test_admins_read_the_audit_log_paged_and_filtered(client, trail, admin_key, viewer_key,
                                                      reviewer_key):  # fmt: skip
    for key in (viewer_key, reviewer_key):
        assert client.get(f"{V1}/audit", headers=bearer(key)).status_code == 403
    page = client.get(f"{V1}/audit", params={"actor": "ana", "limit": 2},
                      headers=bearer(admin_key)).json()  # fmt: skip
    assert page["total"] == 5 and [e["entity_id"] for e in page["items"]] == ["4", "3"]
    rest = client.get(f"{V1}/audit", params={"actor": "ana", "limit": 2, "offset": 4},
                      headers=bearer(admin_key)).json()  # fmt: skip
    assert [e["entity_id"] for e in rest["items"]] == ["0"]
    prefixed = client.get(f"{V1}/audit", params={"action": "campaign.", "actor": "bo"},
                          headers=bearer(admin_key)).json()  # fmt: skip
    assert prefixed["total"] == 3
    future = client.get(f"{V1}/audit", params={"since": "2999-01-01T00:00:00Z"},
                        headers=bearer(admin_key)).json()  # fmt: skip
    assert future["total"] == 0
    past = client.get(f"{V1}/audit", params={"until": "2000-01-01T00:00:00Z"},
                      headers=bearer(admin_key)).json()  # fmt: skip
    assert past["total"] == 0


def test_admins_export_the_audit_log_as_csv_and_the_export_is_audited(
    client, api_engine, trail, admin_key
):
    response = client.get(f"{V1}/audit.csv", params={"actor": "bo"}, headers=bearer(admin_key))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["action"] for r in rows] == ["user.created"] + ["campaign.exported"] * 3
    assert rows[0]["detail"] == '{"comment": "=cmd()"}'
    (event,) = events(api_engine, "audit.exported")
    assert event.detail == {"filters": {"actor": "bo"}}
