"""``/api/v1/alerts``: reviewers list and filter alerts, read the delivery log, acknowledge and
close with a comment (audited with the key); viewers are refused."""

from __future__ import annotations

from datetime import date

import pytest

from prospect.store import audit_trail, session_scope
from prospect.store.alerts import NewAlert, log_attempt, raise_alerts
from prospect.store.cardholders import register_cardholders
from prospect.webhooks import queue_deliveries
from tests.api.conftest import bearer

URL = "/api/v1/alerts"


@pytest.fixture()
def alerts(api_engine) -> dict[str, int]:
    """Three alerts: u1 arrears (medium, 2026-10, one delivery tried twice), u1 pd_doubled
    (high, 2026-10), u2 arrears (high, 2026-11)."""
    with session_scope(api_engine) as s:
        register_cardholders(s, [("u1", date(2026, 3, 1)), ("u2", date(2026, 4, 1))],
                             watch_months=12, actor="test")  # fmt: skip
        made = raise_alerts(s, [
            NewAlert("u1", "arrears", "medium", "2026-10", 0.2, ["r1"], {"x": 1.0}),
            NewAlert("u1", "pd_doubled", "high", "2026-10", 0.3, [], {"pd": 0.3}),
            NewAlert("u2", "arrears", "high", "2026-11", None, [], {}),
        ], run_id="r")  # fmt: skip
        [delivery] = queue_deliveries(s, made[:1], "http://127.0.0.1:9/hook")
        log_attempt(s, delivery, status_code=500, error="boom", seconds=0.1, outcome=None)
        log_attempt(s, delivery, status_code=200, error=None, seconds=0.1, outcome="delivered")
        return {f"{a.user_id}:{a.cause}": a.id for a in made}


def test_list_filters_by_every_field_and_pages(client, reviewer_key, alerts):
    auth = bearer(reviewer_key)
    page = client.get(URL, headers=auth).json()
    assert page["total"] == 3 and [a["id"] for a in page["items"]] == sorted(alerts.values())[::-1]
    cases = {"severity=high": 2, "cause=arrears": 2, "user_id=u1": 2, "month=2026-11": 1,
             "status=open": 3, "status=closed": 0, "severity=high&cause=arrears": 1}  # fmt: skip
    for query, n in cases.items():
        assert client.get(f"{URL}?{query}", headers=auth).json()["total"] == n, query
    one = client.get(f"{URL}?limit=1&offset=1", headers=auth).json()
    assert one["total"] == 3 and len(one["items"]) == 1
    assert client.get(f"{URL}?severity=urgent", headers=auth).status_code == 422


def test_detail_shows_the_delivery_log(client, reviewer_key, alerts):
    body = client.get(f"{URL}/{alerts['u1:arrears']}", headers=bearer(reviewer_key)).json()
    [delivery] = body["deliveries"]
    assert delivery["status"] == "delivered"
    assert [(a["attempt"], a["status_code"]) for a in delivery["attempts"]] == [(1, 500), (2, 200)]
    assert '"cause":"arrears"' in delivery["body"] and body["reasons"] == ["r1"]
    assert client.get(f"{URL}/999", headers=bearer(reviewer_key)).status_code == 404


def test_acknowledge_and_close_are_audited_with_the_key_and_checked(client, reviewer_key, alerts,
                                                                    api_engine):  # fmt: skip
    auth, alert_id = bearer(reviewer_key), alerts["u2:arrears"]
    r = client.post(f"{URL}/{alert_id}/acknowledge", json={"comment": "bank called"}, headers=auth)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    again = client.post(f"{URL}/{alert_id}/acknowledge", json={"comment": "x"}, headers=auth)
    assert again.status_code == 409
    assert (
        client.post(f"{URL}/{alert_id}/close", json={"comment": ""}, headers=auth).status_code
        == 422
    )
    closed = client.post(f"{URL}/{alert_id}/close", json={"comment": "card blocked"}, headers=auth)
    assert closed.json()["status"] == "closed" and closed.json()["comment"] == "card blocked"
    with session_scope(api_engine) as s:
        trail = [(e.action, e.actor.endswith(":reviewer-crm")) for e in
                 audit_trail(s, "alerts", alert_id)]  # fmt: skip
    assert trail == [("alert.acknowledged", True), ("alert.closed", True)]
    assert client.get(f"{URL}?status=closed", headers=auth).json()["total"] == 1


def test_viewers_and_anonymous_callers_are_refused(client, viewer_key, alerts):
    assert client.get(URL, headers=bearer(viewer_key)).status_code == 403
    assert client.get(URL).status_code == 401
