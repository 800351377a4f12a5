"""Decisions that hold under real concurrency: two reviewers, one draft, the same moment.

The app is served by uvicorn on a free port; two HTTP clients, each logged in as its own
reviewer, wait at a barrier and post their decisions together, many rounds, on PostgreSQL and
on SQLite. Exactly one wins (303); the other gets the 409 page (never a 500 or a second
"success"), the campaign's status is the winner's, and the audit log holds one row for it.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select

from tests.api.conftest import make_targets
from tests.api.test_review_pages import (
    PASSWORD,
    fast_password_hashing,  # noqa: F401 (autouse fixture)
)

ROUNDS_PG = 16
ROUNDS_SQLITE = 8
DECISIONS = ("approved", "rejected")


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start within 30 s"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def seed_users(engine: Engine) -> None:
    from prospect.store import create_user, session_scope

    with session_scope(engine) as session:
        for name, role in (("rita", "reviewer"), ("ada", "admin")):
            create_user(session, name, PASSWORD, role, actor="test")


def seed_draft(engine: Engine, month: str, tag: str) -> int:
    """A draft campaign of ``month`` on its own run ``run-<month>-<tag>``."""
    from prospect.store import get_or_create_run, save_campaign, session_scope

    run_id = f"run-{month}-{tag}"
    fields = {"month": month, "batch_path": f"/landing/{month}.csv", "batch_checksum": tag,
              "model_version": "m-1", "config_hash": "c1"}  # fmt: skip
    with session_scope(engine) as session:
        get_or_create_run(session, run_id, fields, requested_by="scheduler")
        fields = {"month": month, "name": f"Cards {month}", "model_version": "m-1"}
        campaign = save_campaign(session, run_id, fields, make_targets(3))
        return int(campaign.id)


@contextmanager
def logged_in(base: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=120) as client:
        token = _csrf(client.get("/review/login").text)
        form = {"username": username, "password": PASSWORD, "csrf_token": token}
        assert client.post("/review/login", data=form).status_code == 303
        yield client


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def together(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run ``calls`` in threads released at once by a barrier; their responses in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # reported below, with the round
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    for r in results:
        assert isinstance(r, httpx.Response), f"a request failed: {r!r}"
    return results


def post_decision(client: httpx.Client, campaign_id: int, decision: str) -> Callable[[], Any]:
    """The page's decision form, filled in and ready to send (its hidden fields included)."""
    page = client.get(f"/review/campaigns/{campaign_id}").text
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    assert "csrf_token" in hidden
    form = {**hidden, "decision": decision, "comment": f"{decision} in a race"}
    return lambda: client.post(f"/review/campaigns/{campaign_id}/decision", data=form)


def decision_rows(engine: Engine, campaign_id: int) -> list[str]:
    from prospect.store import AuditEvent, session_scope

    with session_scope(engine) as session:
        stmt = select(AuditEvent.action).where(
            AuditEvent.entity == "campaigns", AuditEvent.entity_id == str(campaign_id),
            AuditEvent.action.in_([f"campaign.{d}" for d in DECISIONS]),
        )  # fmt: skip
        return list(session.scalars(stmt))


def status_of(engine: Engine, campaign_id: int) -> str:
    from prospect.store import Campaign, session_scope

    with session_scope(engine) as session:
        return str(session.get(Campaign, campaign_id).status)


def approved_in(engine: Engine, month: str) -> int:
    from prospect.store import Campaign, session_scope

    with session_scope(engine) as session:
        stmt = select(func.count()).where(Campaign.month == month, Campaign.status == "approved")
        return int(session.scalar(stmt) or 0)


def race_approve_and_reject(app: FastAPI, rounds: int) -> None:
    engine = app.state.engine
    seed_users(engine)
    with served(app) as base, logged_in(base, "rita") as rita, logged_in(base, "ada") as ada:
        for i in range(rounds):
            cid = seed_draft(engine, f"2030-{i % 12 + 1:02d}", f"ar{i}")
            responses = together(post_decision(rita, cid, "approved"),
                                 post_decision(ada, cid, "rejected"))  # fmt: skip
            codes = [r.status_code for r in responses]
            assert sorted(codes) == [303, 409], f"round {i}: {codes}"
            winner = DECISIONS[codes.index(303)]
            loser = responses[codes.index(409)]
            assert "only a draft can be" in loser.text, f"round {i}"
            assert loser.headers["content-type"].startswith("text/html")
            assert status_of(engine, cid) == winner
            assert decision_rows(engine, cid) == [f"campaign.{winner}"], f"round {i}"
            page = rita.get(responses[codes.index(303)].headers["location"]).text
            badge = re.search(r'data-testid="status">(\w+)<', page)
            assert badge and badge.group(1) == winner


def race_two_drafts_of_a_month(app: FastAPI, rounds: int) -> None:
    engine = app.state.engine
    seed_users(engine)
    with served(app) as base, logged_in(base, "rita") as rita, logged_in(base, "ada") as ada:
        for i in range(rounds):
            month = f"2031-{i % 12 + 1:02d}" if i < 12 else f"2032-{i % 12 + 1:02d}"
            first, second = seed_draft(engine, month, f"a{i}"), seed_draft(engine, month, f"b{i}")
            responses = together(post_decision(rita, first, "approved"),
                                 post_decision(ada, second, "approved"))  # fmt: skip
            codes = [r.status_code for r in responses]
            assert sorted(codes) == [303, 409], f"round {i}: {codes}"
            assert approved_in(engine, month) == 1, f"round {i}"
            won, lost = (first, second) if codes[0] == 303 else (second, first)
            assert (status_of(engine, won), status_of(engine, lost)) == ("approved", "draft")
            assert decision_rows(engine, won) == ["campaign.approved"]
            assert decision_rows(engine, lost) == []


@pytest.fixture()
def pg_app(settings, postgres_url) -> Iterator[FastAPI]:
    from api.main import create_app
    from prospect.store import upgrade

    settings.database_url = postgres_url
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db_url)
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


@pytest.mark.postgres
def test_approve_and_reject_race_on_postgres_has_one_winner(pg_app):
    race_approve_and_reject(pg_app, ROUNDS_PG)


@pytest.mark.postgres
def test_two_approvals_of_one_month_on_postgres_leave_one_approved(pg_app):
    race_two_drafts_of_a_month(pg_app, ROUNDS_PG)


def test_approve_and_reject_race_on_sqlite_is_a_409_not_a_500(api_app):
    race_approve_and_reject(api_app, ROUNDS_SQLITE)


def test_two_approvals_of_one_month_on_sqlite_leave_one_approved(api_app):
    race_two_drafts_of_a_month(api_app, ROUNDS_SQLITE)
