"""Signed webhooks to a real receiving HTTP server on loopback: the signature and timestamp
check out, the idempotency key is stable, failures are retried with backoff by a real Celery
worker, a timed-out delivery reaches the receiver twice but is processed once, and the last
failed attempt dead-letters the delivery."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import date

import pytest

from prospect.store import make_engine, session_scope, upgrade
from prospect.store.alerts import NewAlert, delivery_log, raise_alerts
from prospect.store.cardholders import register_cardholders
from prospect.store.models import WebhookDelivery
from prospect.webhooks import (
    WebhookSignatureError,
    attempt_delivery,
    idempotency_key,
    queue_deliveries,
    sign,
    verify,
)
from tests.worker.receiver import running_receiver

SECRET = "shared-secret-for-tests"


@pytest.fixture()
def hook_settings(settings, monkeypatch):
    """Settings with a webhook secret, fast retries and a short timeout; schema upgraded."""
    from prospect.settings import get_settings

    env = {"PROSPECT_WEBHOOK_SECRET": SECRET, "PROSPECT_WEBHOOK_URL": "http://127.0.0.1:9/x",
           "PROSPECT_WEBHOOK_BACKOFF": "0.2", "PROSPECT_WEBHOOK_TIMEOUT": "1.0",
           "PROSPECT_WEBHOOK_MAX_ATTEMPTS": "3"}  # fmt: skip
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    fresh = get_settings()
    upgrade(fresh.db_url)
    return fresh


def queue(settings, urls: list[str]) -> list[int]:
    """One cardholder and alert per URL, each with a pending delivery to that URL."""
    engine = make_engine(settings.db_url)
    ids = []
    with session_scope(engine) as s:
        users = [(f"u{i}", date(2026, 5, 1)) for i in range(len(urls))]
        register_cardholders(s, users, watch_months=12, actor="test")
        for i, url in enumerate(urls):
            [alert] = raise_alerts(s, [NewAlert(f"u{i}", "arrears", "medium", "2026-10", 0.3,
                                                ["reason"], {"x": 1.0})], run_id="r")  # fmt: skip
            ids += queue_deliveries(s, [alert], url)
    engine.dispose()
    return ids


def log_of(settings, delivery_id: int) -> tuple[str, list[int | None], str]:
    engine = make_engine(settings.db_url)
    with session_scope(engine) as s:
        d = s.get(WebhookDelivery, delivery_id)
        [(_, attempts)] = delivery_log(s, d.alert_id)
        out = (d.status, [a.status_code for a in attempts], d.idempotency_key)
    engine.dispose()
    return out


def test_signatures_verify_and_refuse_a_changed_body_a_wrong_secret_and_a_replay():
    body = b'{"alert_id":1}'
    header = sign(SECRET, body, 1_000_000)
    assert verify(SECRET, header, body, now=1_000_100) == 1_000_000
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify(SECRET, header, b'{"alert_id":2}', now=1_000_100)
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify("other", header, body, now=1_000_100)
    with pytest.raises(WebhookSignatureError, match="1000 s old"):
        verify(SECRET, header, body, now=1_001_000, tolerance=300)
    with pytest.raises(WebhookSignatureError, match="missing"):
        verify(SECRET, None, body)


def test_a_delivery_posts_the_signed_body_with_its_key_once(hook_settings):
    with running_receiver(SECRET) as receiver:
        [delivery_id] = queue(hook_settings, [receiver.url])
        assert attempt_delivery(hook_settings, delivery_id, last=False) == "delivered"
        assert attempt_delivery(hook_settings, delivery_id, last=False) == "delivered"
    [(key, body, signed_ok)] = receiver.seen  # the second call posted nothing
    status, codes, stored_key = log_of(hook_settings, delivery_id)
    assert signed_ok and key == stored_key and (status, codes) == ("delivered", [200])
    assert b'"cause":"arrears"' in body and b'"event":"cardholder.alert"' in body


def test_a_client_error_dead_letters_at_once_and_a_server_error_only_on_the_last_try(hook_settings):
    with running_receiver(SECRET, [422]) as bad, running_receiver(SECRET, [503]) as down:
        wrong, busy = queue(hook_settings, [bad.url, down.url])
        assert attempt_delivery(hook_settings, wrong, last=False) == "dead"
        assert attempt_delivery(hook_settings, busy, last=False) == "retry"
        assert attempt_delivery(hook_settings, busy, last=True) == "dead"
    assert log_of(hook_settings, wrong)[:2] == ("dead", [422])
    assert log_of(hook_settings, busy)[:2] == ("dead", [503, 503])


def test_idempotency_key_depends_on_the_alert_only():
    from prospect.store.models import Alert

    a = Alert(id=7, user_id="u", cause="c", month="2026-10")
    b = Alert(id=7, user_id="u", cause="c", month="2026-10", severity="high")
    other = Alert(id=8, user_id="u", cause="c", month="2026-10")
    assert idempotency_key(a) == idempotency_key(b) != idempotency_key(other)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    body = b'{"a":1}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign(SECRET, body, 1_700_000_000) == f"t=1700000000,v1={expected}"


@pytest.mark.slow
def test_a_celery_worker_retries_until_delivered_and_dead_letters_after_the_last_attempt(
    hook_settings, start_worker
):
    env = {"PROSPECT_DATA_DIR": str(hook_settings.data_dir), "PROSPECT_ENVIRONMENT": "test",
           "PROSPECT_WEBHOOK_SECRET": SECRET, "PROSPECT_WEBHOOK_BACKOFF": "0.2",
           "PROSPECT_WEBHOOK_TIMEOUT": "1.0", "PROSPECT_WEBHOOK_MAX_ATTEMPTS": "3"}  # fmt: skip
    from worker.tasks import enqueue_deliveries

    with (
        running_receiver(SECRET, [500, 500, 200]) as flaky,
        running_receiver(SECRET, [503]) as down,
        running_receiver(SECRET, [("slow", 2.5, 200), 200]) as slow,
    ):
        ids = queue(hook_settings, [flaky.url, down.url, slow.url])
        start_worker(env)
        enqueue_deliveries(ids)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if all(log_of(hook_settings, i)[0] != "pending" for i in ids):
                break
            time.sleep(0.5)
        time.sleep(3.0)  # the slow receiver finishes its late answer
    flaky_log, down_log, slow_log = (log_of(hook_settings, i) for i in ids)
    assert flaky_log[:2] == ("delivered", [500, 500, 200])
    assert down_log[:2] == ("dead", [503, 503, 503])  # max_attempts=3, then the dead letter
    assert slow_log[:2] == ("delivered", [None, 200])  # the first attempt timed out
    # The slow receiver got the same delivery twice under one key and processed it once.
    assert [k for k, _, _ in slow.seen] == [slow_log[2]] * 2
    assert list(slow.processed) == [slow_log[2]]
    assert all(ok for r in (flaky, down, slow) for _, _, ok in r.seen)
    assert len({body for _, body, _ in flaky.seen}) == 1  # every retry sent the same body
