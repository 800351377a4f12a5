"""Contacts and responses posted by the CRM: validated, authorised, audited, idempotent, and
the take-up they give (``/api/v1/campaigns/{id}/contacts``, ``/responses``, ``/take-up``)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.api.conftest import bearer

SENT = "2026-10-05T09:30:00+08:00"


def contacts(*ids: str, sent_at: str = SENT) -> dict:
    return {"contacts": [{"user_id": u, "sent_at": sent_at, "channel": "sms"} for u in ids]}


def responses(*rows: tuple[str, bool, str | None]) -> dict:
    return {"responses": [{"user_id": u, "took_card": t, "taken_on": d} for u, t, d in rows]}


def stored(engine, model) -> int:
    from prospect.store import session_scope

    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def audit(engine, action: str) -> list[tuple[str, dict]]:
    from prospect.store import AuditEvent, session_scope

    with session_scope(engine) as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.detail)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return [(a, d) for a, d in rows]


def test_contacts_are_stored_once_refusals_counted_and_every_post_audited(
    client, api_engine, db_with_campaigns, reviewer_key
):
    from prospect.store import ContactHistory

    cid = db_with_campaigns["approved"]  # u001..u007; u003 and u006 are control
    url = f"/api/v1/campaigns/{cid}/contacts"
    first = client.post(url, json=contacts("u001", "u002", "u003", "zzz"),
                        headers=bearer(reviewer_key))  # fmt: skip
    assert first.status_code == 200, first.text
    assert first.json() == {"campaign_id": cid, "received": 4, "accepted": 2, "refused": 2,
                            "refused_ids": ["u003", "zzz"]}  # fmt: skip
    again = client.post(url, json=contacts("u001", "u002", "u003", "zzz"),
                        headers=bearer(reviewer_key))  # fmt: skip
    assert again.json() == first.json()
    assert stored(api_engine, ContactHistory) == 2
    rows = audit(api_engine, "campaign.contacts")
    assert [d["written"] for _a, d in rows] == [2, 0]
    assert rows[0][0].startswith("key:") and rows[0][1]["refused"] == 2


def test_a_contact_re_sent_at_another_time_is_a_conflict_and_writes_nothing(
    client, api_engine, db_with_campaigns, reviewer_key
):
    from prospect.store import ContactHistory

    url = f"/api/v1/campaigns/{db_with_campaigns['approved']}/contacts"
    assert client.post(url, json=contacts("u001"), headers=bearer(reviewer_key)).status_code == 200
    clash = client.post(url, json=contacts("u002", "u001", sent_at="2026-10-06T09:30:00Z"),
                        headers=bearer(reviewer_key))  # fmt: skip
    assert clash.status_code == 409
    assert "u001" in clash.json()["detail"]
    assert stored(api_engine, ContactHistory) == 1


def test_who_may_post_and_to_which_campaign(client, db_with_campaigns, viewer_key, reviewer_key):
    url = "/api/v1/campaigns/{}/contacts"
    body = contacts("u001")
    viewer = client.post(url.format(db_with_campaigns["approved"]), json=body,
                         headers=bearer(viewer_key))  # fmt: skip
    assert viewer.status_code == 403
    assert client.post(url.format(db_with_campaigns["approved"]), json=body).status_code == 401
    draft = client.post(url.format(db_with_campaigns["draft"]), json=body,
                        headers=bearer(reviewer_key))  # fmt: skip
    assert draft.status_code == 409 and "only approved" in draft.json()["detail"]
    missing = client.post(url.format(99_999), json=body, headers=bearer(reviewer_key))
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "loc", "words"),
    [
        ({"contacts": [{"user_id": "u001", "channel": "sms"}]},
         ["body", "contacts", "0", "sent_at"], "Field required"),
        (contacts("u001", sent_at="2026-10-05T09:30:00"), ["body", "contacts", "0", "sent_at"],
         "timezone"),
        (contacts("u001", "u002", "u001"), ["body"], "row 2: user_id 'u001' repeats row 0"),
        ({"contacts": []}, ["body", "contacts"], "at least 1"),
        ({"contacts": [{"user_id": "", "sent_at": SENT, "channel": "sms"}]},
         ["body", "contacts", "0", "user_id"], "at least 1"),
    ],
)  # fmt: skip
def test_bad_contact_batches_get_a_422_naming_the_row_and_field(
    client, db_with_campaigns, reviewer_key, body, loc, words
):
    url = f"/api/v1/campaigns/{db_with_campaigns['approved']}/contacts"
    answer = client.post(url, json=body, headers=bearer(reviewer_key))
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert errors[0]["loc"] == loc
    assert words in errors[0]["msg"]


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ({"user_id": "u001", "took_card": "yes"}, "took_card", "valid boolean"),
        ({"user_id": "u001", "took_card": False, "taken_on": "2026-10-09"}, None, "only for"),
        ({"user_id": "u001", "took_card": True, "taken_on": "9/10/2026"}, "taken_on", "date"),
    ],
)
def test_bad_response_rows_get_a_422_naming_the_row(
    client, db_with_campaigns, reviewer_key, row, field, words
):
    url = f"/api/v1/campaigns/{db_with_campaigns['approved']}/responses"
    ok = {"user_id": "u002", "took_card": True}
    answer = client.post(url, json={"responses": [ok, row]}, headers=bearer(reviewer_key))
    assert answer.status_code == 422
    loc = answer.json()["errors"][0]["loc"]
    assert loc[:3] == ["body", "responses", "1"]
    assert field is None or loc[-1] == field
    assert words in answer.json()["detail"]


def test_an_idempotency_key_replays_the_answer_and_refuses_another_batch(
    client, api_engine, db_with_campaigns, reviewer_key, admin_key
):
    from prospect.store import AuditEvent

    url = f"/api/v1/campaigns/{db_with_campaigns['approved']}/contacts"
    key = {**bearer(reviewer_key), "Idempotency-Key": "crm-batch-1"}
    first = client.post(url, json=contacts("u001", "u002"), headers=key)
    events = stored(api_engine, AuditEvent)
    replay = client.post(url, json=contacts("u001", "u002"), headers=key)
    assert (replay.status_code, replay.json()) == (200, first.json())
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert stored(api_engine, AuditEvent) == events  # a replay does no work, audits nothing
    reused = client.post(url, json=contacts("u004"), headers=key)
    assert reused.status_code == 409 and "crm-batch-1" in reused.json()["detail"]
    # Keys are per caller: the admin's "crm-batch-1" is its own request.
    admin = {**bearer(admin_key), "Idempotency-Key": "crm-batch-1"}
    other = client.post(url, json=contacts("u004"), headers=admin)
    assert other.status_code == 200 and other.json()["accepted"] == 1


def test_responses_follow_a_send_and_give_the_take_up_against_control(
    client, db_with_campaigns, reviewer_key, viewer_key
):
    cid = db_with_campaigns["approved"]
    base = f"/api/v1/campaigns/{cid}"
    early = client.post(f"{base}/responses", json=responses(("u001", True, None)),
                        headers=bearer(reviewer_key))  # fmt: skip
    assert early.status_code == 409 and "no contacts recorded" in early.json()["detail"]
    sent = contacts("u001", "u002", "u004", "u005", "u007")
    assert client.post(f"{base}/contacts", json=sent, headers=bearer(reviewer_key)).is_success
    posted = responses(("u001", True, "2026-10-09"), ("u002", True, None), ("u004", False, None),
                       ("u003", True, "2026-10-20"), ("nobody", True, None))  # fmt: skip
    answer = client.post(f"{base}/responses", json=posted, headers=bearer(reviewer_key))
    assert answer.json() | {"refused_ids": None} == {
        "campaign_id": cid,
        "received": 5,
        "accepted": 4,
        "refused": 1,
        "refused_ids": None,
    }
    assert answer.json()["refused_ids"] == ["nobody"]
    report = client.get(f"{base}/take-up", headers=bearer(viewer_key)).json()
    # contacted 2 of 5, control (u003, u006) 1 of 2: difference 0.4 - 0.5 = -0.1
    assert (report["contacted"]["takers"], report["contacted"]["n"]) == (2, 5)
    assert (report["control"]["takers"], report["control"]["n"]) == (1, 2)
    assert report["uplift"]["difference"] == pytest.approx(-0.1)
    assert report["incremental"]["cardholders"] == pytest.approx(-0.5)
    assert report["uplift"]["ci_low"] < -0.1 < report["uplift"]["ci_high"]
