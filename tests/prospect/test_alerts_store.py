"""The cardholder register and alert records on SQLite and PostgreSQL: one open alert per
cardholder and cause (even against a direct insert), reviewer actions audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from prospect.store import audit_trail, session_scope
from prospect.store.alerts import NewAlert, list_alerts, raise_alerts, review_alert
from prospect.store.cardholders import add_months, register_cardholders, watched_on
from prospect.store.exceptions import InvalidTransitionError, RecordNotFoundError
from prospect.store.models import Alert, Cardholder


def alert(user_id: str = "u1", cause: str = "arrears", month: str = "2026-10", **kw) -> NewAlert:
    fields = {"severity": "medium", "pd": 0.2, "reasons": ["r"], "figures": {"x": 1.0}} | kw
    return NewAlert(user_id=user_id, cause=cause, month=month, **fields)


@pytest.fixture()
def holders(store_engine):
    with session_scope(store_engine) as s:
        register_cardholders(s, [("u1", date(2026, 1, 31)), ("u2", date(2026, 5, 1))],
                             watch_months=12, actor="cli:test")  # fmt: skip
    return store_engine


def test_watch_runs_the_configured_months_from_issue(holders):
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    with session_scope(holders) as s:
        assert sorted(watched_on(s, date(2026, 4, 30))) == ["u1"]
        assert sorted(watched_on(s, date(2026, 10, 31))) == ["u1", "u2"]
        assert sorted(watched_on(s, date(2027, 2, 1))) == ["u2"]  # u1's watch ended 2027-01-31
        assert s.get(Cardholder, "u1").watch_until == date(2027, 1, 31)
        [event] = audit_trail(s, "cardholders", "*")
        assert event.action == "cardholders.registered" and event.detail["n"] == 2


def test_registering_again_keeps_one_row_and_an_unknown_campaign_is_refused(holders):
    with session_scope(holders) as s:
        register_cardholders(s, [("u1", date(2026, 2, 1))], watch_months=6, actor="cli:test")
    with session_scope(holders) as s:
        assert s.get(Cardholder, "u1").watch_until == date(2026, 8, 1)
        assert len(watched_on(s, date(2026, 6, 1))) == 2
    with (
        pytest.raises(RecordNotFoundError, match="no campaign with id 99"),
        session_scope(holders) as s,
    ):
        register_cardholders(s, [("u3", date(2026, 2, 1))], watch_months=6, actor="x",
                             campaign_id=99)  # fmt: skip


def test_an_open_cause_is_not_raised_again_but_a_closed_one_is(holders):
    with session_scope(holders) as s:
        first = raise_alerts(s, [alert(), alert(cause="pd_doubled"), alert()], run_id="r1")
        assert [(a.user_id, a.cause) for a in first] == [("u1", "arrears"), ("u1", "pd_doubled")]
        assert raise_alerts(s, [alert(month="2026-11")], run_id="r2") == []
        review_alert(s, first[0].id, action="close", actor="ana", comment="paid up")
        again = raise_alerts(s, [alert(month="2026-12")], run_id="r3")
        assert [(a.cause, a.month) for a in again] == [("arrears", "2026-12")]


def test_the_database_refuses_a_second_open_alert_of_a_cause(holders):
    with pytest.raises(IntegrityError), session_scope(holders) as s:
        for _ in range(2):
            s.add(Alert(user_id="u1", cause="arrears", severity="low", month="2026-10"))
            s.flush()


def test_acknowledge_then_close_with_comments_is_audited_and_order_is_enforced(holders):
    with session_scope(holders) as s:
        [a] = raise_alerts(s, [alert()], run_id="r1")
        alert_id = a.id
    with session_scope(holders) as s:
        with pytest.raises(ValueError, match="comment"):
            review_alert(s, alert_id, action="acknowledge", actor="ana", comment="  ")
        review_alert(s, alert_id, action="acknowledge", actor="ana", comment="calling the bank")
        with pytest.raises(InvalidTransitionError, match="is 'acknowledged'; cannot acknowledge"):
            review_alert(s, alert_id, action="acknowledge", actor="bo", comment="again")
        review_alert(s, alert_id, action="close", actor="bo", comment="limit lowered")
    with session_scope(holders) as s:
        trail = [
            (e.actor, e.action, e.detail["comment"]) for e in audit_trail(s, "alerts", alert_id)
        ]
        assert trail == [("ana", "alert.acknowledged", "calling the bank"),
                         ("bo", "alert.closed", "limit lowered")]  # fmt: skip
        assert s.get(Alert, alert_id).status == "closed"
        with pytest.raises(InvalidTransitionError):
            review_alert(s, alert_id, action="close", actor="bo", comment="twice")


def test_list_filters_and_counts(holders):
    with session_scope(holders) as s:
        raise_alerts(s, [alert(), alert(cause="pd_doubled", severity="high"),
                         alert(user_id="u2", severity="high")], run_id="r1")  # fmt: skip
        rows, total = list_alerts(s, severity="high")
        assert total == 2 and {(a.user_id, a.cause) for a in rows} == {
            ("u1", "pd_doubled"), ("u2", "arrears")}  # fmt: skip
        rows, total = list_alerts(s, user_id="u1", limit=1)
        assert total == 2 and len(rows) == 1
        with pytest.raises(ValueError, match="status must be one of"):
            list_alerts(s, status="gone")
