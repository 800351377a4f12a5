"""Alerts on the review page: listed with filters, read with their delivery log, acknowledged
then closed by a reviewer with a comment (audited); viewers read but cannot act."""

from __future__ import annotations

from datetime import date

import pytest

from prospect.store import audit_trail, create_user, session_scope
from prospect.store.alerts import NewAlert, raise_alerts
from prospect.store.cardholders import register_cardholders
from prospect.store.models import Alert
from tests.api.test_review_pages import PASSWORD, csrf_of, login


@pytest.fixture()
def alert_id(api_app, api_engine) -> int:
    with session_scope(api_engine) as s:
        for name, role in (("rita", "reviewer"), ("vic", "viewer")):
            create_user(s, name, PASSWORD, role, actor="test")
        register_cardholders(s, [("u7", date(2026, 3, 1))], watch_months=12, actor="test")
        reason = "last_payment_amount, change over 6 months: [-inf, -40) (-23 points)"
        figures = {"last_payment_amount": [90, 60, 30, 0]}
        new = NewAlert("u7", "topups_falling", "medium", "2026-10", 0.31, [reason], figures)
        [a] = raise_alerts(s, [new], run_id="r")
        raise_alerts(s, [NewAlert("u7", "arrears", "high", "2026-10", 0.31, [], {})], run_id="r")
        return int(a.id)


def act(client, alert_id: int, action: str, comment: str):
    token = csrf_of(client.get(f"/review/alerts/{alert_id}").text)
    form = {"action": action, "comment": comment, "csrf_token": token}
    return client.post(f"/review/alerts/{alert_id}/action", data=form, follow_redirects=False)


def test_the_list_filters_and_links_each_alert(client, alert_id):
    login(client, "rita")
    page = client.get("/review/alerts").text
    assert (
        'data-testid="alert-total">2 alerts' in page and f'href="/review/alerts/{alert_id}"' in page
    )
    only = client.get("/review/alerts?severity=medium").text
    assert 'data-testid="alert-total">1 alert<' in only and "topups_falling" in only
    assert 'data-testid="alerts-link"' in client.get("/review").text


def test_reviewer_acknowledges_then_closes_with_comments_audited(client, alert_id, api_engine):
    login(client, "rita")
    detail = client.get(f"/review/alerts/{alert_id}").text
    assert "(-23 points)" in detail and "[90, 60, 30, 0]" in detail
    assert "Not pushed: no bank webhook is configured." in detail
    assert act(client, alert_id, "acknowledge", "asked the bank to call").status_code == 303
    refused = act(client, alert_id, "close", "")
    assert refused.status_code == 400 and "comment must say" in refused.text
    assert act(client, alert_id, "close", "limit reduced").status_code == 303
    page = client.get(f"/review/alerts/{alert_id}").text
    assert 'data-testid="alert-status">closed' in page and "limit reduced" in page
    with session_scope(api_engine) as s:
        trail = [
            (e.actor, e.action, e.detail["comment"]) for e in audit_trail(s, "alerts", alert_id)
        ]
        assert s.get(Alert, alert_id).status == "closed"
    assert trail == [("rita", "alert.acknowledged", "asked the bank to call"),
                     ("rita", "alert.closed", "limit reduced")]  # fmt: skip


def test_viewer_reads_but_cannot_act_and_forms_need_the_csrf_token(client, alert_id, api_engine):
    login(client, "vic")
    page = client.get(f"/review/alerts/{alert_id}").text
    assert "Acknowledge" not in page
    assert act(client, alert_id, "acknowledge", "me too").status_code == 403
    client.cookies.clear()
    login(client, "rita")
    form = {"action": "close", "comment": "x", "csrf_token": "forged"}
    forged = client.post(f"/review/alerts/{alert_id}/action", data=form)
    assert forged.status_code == 403
    with session_scope(api_engine) as s:
        assert s.get(Alert, alert_id).status == "open"


def test_anonymous_visitors_go_to_the_login(client, alert_id):
    response = client.get("/review/alerts", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/review/login"
