"""Signed webhooks to the bank: one POST per alert, at least once, with an idempotency key.

The body is compact JSON. The ``X-Prospect-Signature`` header is ``t=<unix seconds>,v1=<hex>``
where hex is HMAC-SHA256 with the shared secret over ``"<t>." + body``: the receiver recomputes
it, compares in constant time and refuses a timestamp older than its tolerance (a replayed
request). Each attempt is signed afresh; the ``Idempotency-Key`` header stays the same for
every attempt of one alert, so a receiver that sees a request twice can drop the second.

:func:`attempt_delivery` makes one attempt and writes it to the delivery log; the retries with
backoff are the Celery task's (``worker.tasks.deliver_webhook``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any, Literal

import httpx

from prospect.exceptions import ProspectError
from prospect.settings import Settings
from prospect.store import make_engine, session_scope
from prospect.store.alerts import add_delivery, log_attempt
from prospect.store.models import Alert, Cardholder, WebhookDelivery

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Prospect-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT = "cardholder.alert"
# Answers worth another try; any other 4xx means the request itself is wrong.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
Outcome = Literal["delivered", "dead", "retry"]


class WebhookSignatureError(ProspectError):
    """A webhook's signature header is missing, malformed, wrong or too old."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(
    secret: str, header: str | None, body: bytes, *, tolerance: int = 300, now: float | None = None
) -> int:
    """Check a received signature (what the bank runs); returns its timestamp.

    Raises WebhookSignatureError when the header is missing or malformed, the HMAC differs, or
    the timestamp is more than ``tolerance`` seconds from ``now``.
    """
    if not header:
        raise WebhookSignatureError(f"missing {SIGNATURE_HEADER} header")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        raise WebhookSignatureError(f"malformed {SIGNATURE_HEADER}: {header!r}")
    timestamp = int(parts["t"])
    if not hmac.compare_digest(sign(secret, body, timestamp), f"t={timestamp},v1={parts['v1']}"):
        raise WebhookSignatureError("signature does not match the body")
    age = abs((time.time() if now is None else now) - timestamp)
    if age > tolerance:
        raise WebhookSignatureError(f"timestamp is {age:.0f} s old; tolerance is {tolerance} s")
    return timestamp


def alert_body(alert: Alert, cardholder: Cardholder | None) -> str:
    """The JSON the bank receives for an alert (keys sorted, so the same alert, same bytes)."""
    payload: dict[str, Any] = {
        "event": EVENT, "alert_id": alert.id, "user_id": alert.user_id, "cause": alert.cause,
        "severity": alert.severity, "month": alert.month, "pd": alert.pd,
        "reasons": alert.reasons, "figures": alert.figures,
        "campaign_id": cardholder.campaign_id if cardholder else None,
        "issued_on": cardholder.issued_on.isoformat() if cardholder else None,
    }  # fmt: skip
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def idempotency_key(alert: Alert) -> str:
    """Stable per alert: the same key on every attempt and every re-enqueue."""
    raw = f"{alert.id}|{alert.user_id}|{alert.cause}|{alert.month}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def queue_deliveries(session, alerts: list[Alert], url: str) -> list[int]:
    """A pending delivery per alert (in the caller's transaction); their ids."""
    ids = []
    for alert in alerts:
        body = alert_body(alert, session.get(Cardholder, alert.user_id))
        delivery = add_delivery(session, alert.id, url=url, key=idempotency_key(alert), body=body)
        ids.append(delivery.id)
    return ids


def attempt_delivery(settings: Settings, delivery_id: int, *, last: bool) -> Outcome:
    """POST a pending delivery once and log the attempt; a delivered or dead one is left alone.

    ``last``: no retry follows, so a failure moves the delivery to ``dead`` (the dead letter).
    """
    if not settings.webhook_secret:
        raise ValueError("webhook_secret is not set; cannot sign webhooks.")
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is None:
                raise LookupError(f"no webhook delivery with id {delivery_id}.")
            if delivery.status != "pending":
                return "delivered" if delivery.status == "delivered" else "dead"
            url, key, body = delivery.url, delivery.idempotency_key, delivery.body.encode()
        code, error, seconds = _post(settings, url, key, body)
        ok = code is not None and 200 <= code < 300
        permanent = code is not None and 400 <= code < 500 and code not in RETRYABLE_STATUS
        outcome: Outcome = "delivered" if ok else ("dead" if last or permanent else "retry")
        with session_scope(engine) as session:
            log_attempt(session, delivery_id, status_code=code, error=error, seconds=seconds,
                        outcome=None if outcome == "retry" else outcome)  # fmt: skip
    finally:
        engine.dispose()
    logger.info("webhook delivery %s: %s (%s)", delivery_id, outcome, code or error)
    return outcome


def _post(
    settings: Settings, url: str, key: str, body: bytes
) -> tuple[int | None, str | None, float]:
    headers = {
        "Content-Type": "application/json",
        IDEMPOTENCY_HEADER: key,
        SIGNATURE_HEADER: sign(settings.webhook_secret or "", body, int(time.time())),
    }
    started = time.perf_counter()
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=settings.webhook_timeout)
        return response.status_code, None if response.is_success else response.text[:500], (
            time.perf_counter() - started)  # fmt: skip
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], time.perf_counter() - started


def backoff_seconds(settings: Settings, retries: int) -> float:
    """Wait before retry number ``retries + 1``: the base doubled each time, capped at an hour."""
    return min(3600.0, settings.webhook_backoff * 2**retries)
