"""Suppression upserts, contact history, responses, runs and the audit rows they leave."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from prospect.store import (
    AuditEvent,
    Response,
    Run,
    Suppression,
    add_suppression,
    audit_trail,
    contact_counts,
    get_or_create_run,
    insert_contacts,
    load_suppression,
    record_audit,
    save_campaign,
    save_responses,
    session_scope,
    set_run_status,
    suppression_history,
)

FIELDS = {"month": "2026-10", "name": "Oct", "model_version": "m-1"}


def test_suppression_is_append_only_and_audited(store_engine):
    with session_scope(store_engine) as session:
        n = add_suppression(
            session, ["u1", "u2", "u2"], reason="opt-out", source="crm", actor="ops-li"
        )
        assert n == 2
    with session_scope(store_engine) as session:
        n = add_suppression(session, ["u2", "u3"], reason="complaint", source="call-centre",
                            actor="li")  # fmt: skip
        assert n == 1  # u2 was listed already
    with session_scope(store_engine) as session:
        assert load_suppression(session) == {"u1", "u2", "u3"}
        reasons = dict(session.execute(select(Suppression.user_id, Suppression.reason)).all())
        assert reasons == {"u1": "opt-out", "u2": "opt-out", "u3": "complaint"}
        history = [(r.reason, r.added_by) for r in suppression_history(session, "u2")]
        assert history == [("opt-out", "ops-li"), ("complaint", "li")]
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.actor, e.action, e.detail["count"]) for e in events] == [
            ("ops-li", "suppression.added", 2),
            ("li", "suppression.added", 2),
        ]


def test_contact_counts_cover_the_window_asked_for(store_engine):
    now = datetime.now(UTC)
    with session_scope(store_engine) as session:
        before = now - timedelta(days=40)
        insert_contacts(session, None, [("u1", before, "sms"), ("u2", before, "sms")])
        insert_contacts(session, None, [("u1", now - timedelta(days=3), "sms")])
        insert_contacts(session, None, [("u1", now, "app"), ("u3", now, "app")])
    with session_scope(store_engine) as session:
        assert contact_counts(session, since=now - timedelta(days=30)) == {"u1": 2, "u3": 1}
        assert contact_counts(session, since=now - timedelta(days=90)) == {
            "u1": 3, "u2": 1, "u3": 1,
        }  # fmt: skip


def test_reloading_responses_updates_instead_of_duplicating(store_engine, store_run, store_targets):
    with session_scope(store_engine) as session:
        campaign = save_campaign(session, store_run(session), FIELDS, store_targets(3))
        save_responses(session, campaign.id, [("u001", True, None), ("u002", False, None)])
    with session_scope(store_engine) as session:
        corrected = [("u002", True, date(2026, 11, 2)), ("u003", False, None)]
        assert save_responses(session, campaign.id, corrected) == 2
    with session_scope(store_engine) as session:
        rows = session.execute(
            select(Response.user_id, Response.took_card).order_by(Response.user_id)
        )
        assert rows.all() == [("u001", True), ("u002", True), ("u003", False)]
        assert session.get(Response, (campaign.id, "u002")).taken_on == date(2026, 11, 2)


def test_run_is_created_once_and_status_changes_are_stamped_and_audited(store_engine):
    fields = {
        "month": "2026-10", "batch_path": "b.parquet", "batch_checksum": "c",
        "model_version": "m", "config_hash": "h",
    }  # fmt: skip
    with session_scope(store_engine) as session:
        assert get_or_create_run(session, "r1", fields)[1] is True
        assert get_or_create_run(session, "r1", {**fields, "month": "2026-11"})[1] is False
        set_run_status(session, "r1", "validating")
        set_run_status(session, "r1", "failed", failure_reason="disk full", timings={"gate": 1.5})
    with session_scope(store_engine) as session:
        run = session.get(Run, "r1")
        assert (run.month, run.status, run.failure_reason, run.timings) == (
            "2026-10", "failed", "disk full", {"gate": 1.5},
        )  # fmt: skip
        assert run.started_at <= run.finished_at
        assert [e.action for e in audit_trail(session, "runs", "r1")] == [
            "run.validating",
            "run.failed",
        ]
        with pytest.raises(ValueError, match="status must be one of"):
            set_run_status(session, "r1", "done")


def test_audit_rows_need_an_actor_and_roll_back_with_their_change(store_engine):
    with pytest.raises(RuntimeError), session_scope(store_engine) as session:
        record_audit(session, "ann", "campaign.approved", "campaigns", 7, {"comment": "ok"})
        raise RuntimeError("the change failed")
    with session_scope(store_engine) as session:
        assert audit_trail(session, "campaigns", 7) == []
        with pytest.raises(ValueError, match="actor must be a non-empty string"):
            record_audit(session, "", "x", "campaigns", 7)
