"""Suppression: admins add opt-outs; they are stored, audited and later lists see them."""

from __future__ import annotations

from tests.api.conftest import bearer

V1 = "/api/v1"


def test_admin_adds_opt_outs_and_later_lists_see_them(client, api_engine, admin_key):
    from prospect.store import audit_trail, load_suppression, session_scope

    body = {"user_ids": ["u002", "u001", "u002"], "reason": "customer opt-out (call centre)"}
    response = client.post(f"{V1}/suppression", json=body, headers=bearer(admin_key))
    assert (response.status_code, response.json()) == (201, {"added": 2, "recorded": 2})
    prefix = admin_key.split("_")[1]
    with session_scope(api_engine) as session:
        assert load_suppression(session) == {"u001", "u002"}
        (event,) = audit_trail(session, "suppression", "api")
        assert (event.actor, event.action) == (f"key:{prefix}:admin-crm", "suppression.added")
        assert event.detail["count"] == 2


def test_empty_or_blank_user_ids_are_refused(client, admin_key):
    for ids in ([], [""]):
        response = client.post(f"{V1}/suppression", json={"user_ids": ids, "reason": "x"},
                               headers=bearer(admin_key))  # fmt: skip
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"][:2] == ["body", "user_ids"]


def test_body_over_the_size_limit_is_413(client, api_settings, admin_key):
    ids = [f"user{i:07d}" for i in range(api_settings.api_max_body_bytes // 10)]
    response = client.post(f"{V1}/suppression", json={"user_ids": ids, "reason": "bulk"},
                           headers=bearer(admin_key))  # fmt: skip
    assert response.status_code == 413
    assert response.json()["detail"] == (
        f"request body is larger than the {api_settings.api_max_body_bytes}-byte limit."
    )


def test_chunked_body_over_the_limit_is_413_too(client, api_settings, admin_key):
    limit = api_settings.api_max_body_bytes

    def chunks():
        yield b'{"reason": "bulk", "user_ids": ['
        for _ in range(limit // 1000 + 1):
            yield b'"u000000001",' * 80
        yield b'"u1"]}'

    headers = {**bearer(admin_key), "content-type": "application/json"}
    response = client.post(f"{V1}/suppression", content=chunks(), headers=headers)
    assert response.status_code == 413


def test_chunked_body_under_the_limit_goes_through(client, admin_key):
    def chunks():
        yield b'{"reason": "opt-out", '
        yield b'"user_ids": ["u7", "u8"]}'

    headers = {**bearer(admin_key), "content-type": "application/json"}
    response = client.post(f"{V1}/suppression", content=chunks(), headers=headers)
    assert (response.status_code, response.json()) == (201, {"added": 2, "recorded": 2})


def test_a_second_opt_out_adds_history_and_keeps_the_first_record(client, api_engine, admin_key):
    from prospect.store import Suppression, session_scope, suppression_history

    first = {"user_ids": ["u001"], "reason": "opt-out by sms", "source": "sms"}
    again = {"user_ids": ["u001", "u009"], "reason": "complaint", "source": "call-centre"}
    assert client.post(f"{V1}/suppression", json=first, headers=bearer(admin_key)).json() == {
        "added": 1, "recorded": 1}  # fmt: skip
    assert client.post(f"{V1}/suppression", json=again, headers=bearer(admin_key)).json() == {
        "added": 1, "recorded": 2}  # fmt: skip
    with session_scope(api_engine) as session:
        kept = session.get(Suppression, "u001")
        assert (kept.reason, kept.source) == ("opt-out by sms", "sms")
        history = suppression_history(session, "u001")
        assert [(h.reason, h.source) for h in history] == [
            ("opt-out by sms", "sms"), ("complaint", "call-centre")]  # fmt: skip
        assert history[0].added_at < history[1].added_at
