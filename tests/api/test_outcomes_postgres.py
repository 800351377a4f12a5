"""The same batch posted twice at once, on PostgreSQL behind a live server: one stored copy.

Two threads released by a barrier post the same contacts (and then responses) batch to
uvicorn, with and without an ``Idempotency-Key``, over several rounds. Both answers are 200
and the same; the store holds each contact and response once; with a key, the work (and its
audit row) happens once.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from tests.api.conftest import bearer, seed_campaign
from tests.api.test_review_races import served, together

pytestmark = pytest.mark.postgres
ROUNDS = 6
SENT = "2026-10-05T09:30:00Z"


@pytest.fixture()
def live(settings, postgres_url):
    from api.main import create_app
    from prospect.store import create_api_key, session_scope, upgrade

    settings.database_url = postgres_url
    upgrade(settings.db_url)
    app = create_app(settings)
    with session_scope(app.state.engine) as session:
        _row, key = create_api_key(session, name="crm", role="reviewer", created_by="test")
    with served(app) as base:
        yield base, key, app.state.engine
    app.state.engine.dispose()


def _count(engine, stmt) -> int:
    from prospect.store import session_scope

    with session_scope(engine) as session:
        return int(session.scalar(stmt))


def post_pair(clients, url: str, bodies: list[dict], headers: dict) -> list[httpx.Response]:
    """``bodies[0]`` and ``bodies[1]`` posted to ``url`` by the two clients at one moment."""
    one, two = clients
    return together(lambda: one.post(url, json=bodies[0], headers=headers),
                    lambda: two.post(url, json=bodies[1], headers=headers))  # fmt: skip


def _rows(engine, model, campaign_id: int, *where) -> int:
    stmt = select(func.count()).select_from(model).where(model.campaign_id == campaign_id, *where)
    return _count(engine, stmt)


@pytest.mark.parametrize("with_key", [False, True], ids=["natural-key", "idempotency-key"])
def test_concurrent_double_posts_store_one_copy(live, with_key):
    from prospect.store import AuditEvent, ContactHistory, Response

    base, key, engine = live
    contacts = {"contacts": [{"user_id": f"u{i:03d}", "sent_at": SENT, "channel": "sms"}
                             for i in range(1, 31) if i % 3]}  # fmt: skip
    responses = {"responses": [{"user_id": f"u{i:03d}", "took_card": i % 2 == 0}
                               for i in range(1, 31)]}  # fmt: skip
    with httpx.Client(base_url=base, timeout=120) as one, \
            httpx.Client(base_url=base, timeout=120) as two:  # fmt: skip
        for r in range(ROUNDS):
            cid = seed_campaign(engine, f"2026-{r + 1:02d}", 30, "approved")
            for path, body in (("contacts", contacts), ("responses", responses)):
                headers = bearer(key) | ({"Idempotency-Key": f"{path}-{r}"} if with_key else {})
                answers = post_pair(
                    (one, two), f"/api/v1/campaigns/{cid}/{path}", [body, body], headers
                )
                assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
                assert answers[0].json() == answers[1].json()
            stored = (_rows(engine, ContactHistory, cid), _rows(engine, Response, cid))
            assert stored == (20, 30), f"round {r}"
            stmt = (
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.entity_id == str(cid), AuditEvent.action == "campaign.contacts")
            )
            assert _count(engine, stmt) == (1 if with_key else 2), f"round {r}"


def _contacted_at(engine, campaign_id: int) -> set[str]:
    from prospect.store import ContactHistory, session_scope

    stmt = select(ContactHistory.contacted_at).where(ContactHistory.campaign_id == campaign_id)
    with session_scope(engine) as session:
        return {at.isoformat()[:19] for (at,) in session.execute(stmt)}


def test_concurrent_posts_of_another_time_are_a_conflict_not_two_successes(live):
    """Two CRMs post the same subscribers sent at different times at once: one batch is
    stored, the other gets 409, and the store holds the winner's times, never a mix."""
    base, key, engine = live
    users = [f"u{i:03d}" for i in range(1, 31) if i % 3]
    times = ("2026-10-05T09:30:00", "2026-10-06T11:00:00")
    bodies = [{"contacts": [{"user_id": u, "sent_at": t + "Z", "channel": "sms"} for u in users]}
              for t in times]  # fmt: skip
    with httpx.Client(base_url=base, timeout=120) as one, \
            httpx.Client(base_url=base, timeout=120) as two:  # fmt: skip
        for r in range(ROUNDS):
            cid = seed_campaign(engine, f"2026-{r + 1:02d}", 30, "approved")
            url = f"/api/v1/campaigns/{cid}/contacts"
            answers = post_pair((one, two), url, bodies, bearer(key))
            codes = [a.status_code for a in answers]
            assert sorted(codes) == [200, 409], [a.text for a in answers]
            assert _contacted_at(engine, cid) == {times[codes.index(200)]}, f"round {r}"
