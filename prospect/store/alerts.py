"""Alerts on cardholders: raised once per cardholder and cause, acknowledged and closed by a
reviewer (audited), listed with filters; and their webhook deliveries with the attempt log."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prospect.store.audit import record_audit
from prospect.store.exceptions import InvalidTransitionError, RecordNotFoundError
from prospect.store.models import (
    ALERT_SEVERITIES,
    ALERT_STATUSES,
    Alert,
    WebhookAttempt,
    WebhookDelivery,
)
from prospect.store.types import utcnow

# reviewer action -> (allowed from, new status)
TRANSITIONS = {
    "acknowledge": (("open",), "acknowledged"),
    "close": (("open", "acknowledged"), "closed"),
}


@dataclass(frozen=True)
class NewAlert:
    """An alert the monthly run wants to raise."""

    user_id: str
    cause: str
    severity: str
    month: str
    pd: float | None
    reasons: list[str]
    figures: dict[str, Any]


def open_causes(session: Session, user_ids: Sequence[str] | None = None) -> set[tuple[str, str]]:
    """(user id, cause) of every alert not closed (the ones that must not be raised again)."""
    stmt = select(Alert.user_id, Alert.cause).where(Alert.status != "closed")
    if user_ids is not None:
        stmt = stmt.where(Alert.user_id.in_(list(user_ids)))
    return {(u, c) for u, c in session.execute(stmt)}


def raise_alerts(
    session: Session, alerts: Sequence[NewAlert], *, run_id: str | None
) -> list[Alert]:
    """Insert the alerts whose cardholder has no open alert of the same cause; the new rows.

    The partial unique index on (user_id, cause) for alerts not closed backs this up, so two
    runs racing cannot both raise the same alert.
    """
    for alert in alerts:
        if alert.severity not in ALERT_SEVERITIES:
            raise ValueError(f"severity must be one of {ALERT_SEVERITIES}; got {alert.severity!r}.")
    already = open_causes(session)
    rows = []
    seen: set[tuple[str, str]] = set()
    for a in alerts:
        key = (a.user_id, a.cause)
        if key in already or key in seen:
            continue
        seen.add(key)
        rows.append(Alert(run_id=run_id, **dataclasses.asdict(a)))
    session.add_all(rows)
    session.flush()
    return rows


def review_alert(
    session: Session, alert_id: int, *, action: str, actor: str, comment: str
) -> Alert:
    """Acknowledge or close an alert with a comment; the change and the comment are audited."""
    if action not in TRANSITIONS:
        raise ValueError(f"action must be 'acknowledge' or 'close'; got {action!r}.")
    if not comment.strip():
        raise ValueError("comment must say what was done about the alert; got ''.")
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise RecordNotFoundError(f"no alert with id {alert_id}.")
    allowed, new = TRANSITIONS[action]
    if alert.status not in allowed:
        raise InvalidTransitionError(f"alert {alert_id} is {alert.status!r}; cannot {action} it.")
    old = alert.status
    alert.status, alert.comment, alert.updated_by, alert.updated_at = new, comment, actor, utcnow()
    session.flush()
    detail = {"from": old, "to": new, "comment": comment, "user_id": alert.user_id}
    record_audit(session, actor, f"alert.{new}", "alerts", alert_id, detail)
    return alert


def list_alerts(
    session: Session,
    *,
    status: str | None = None,
    severity: str | None = None,
    cause: str | None = None,
    user_id: str | None = None,
    month: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Alert], int]:
    """Alerts matching every filter given, newest first, and how many match in all."""
    if status is not None and status not in ALERT_STATUSES:
        raise ValueError(f"status must be one of {ALERT_STATUSES}; got {status!r}.")
    if severity is not None and severity not in ALERT_SEVERITIES:
        raise ValueError(f"severity must be one of {ALERT_SEVERITIES}; got {severity!r}.")
    filters = [
        column == value
        for column, value in ((Alert.status, status), (Alert.severity, severity),
                              (Alert.cause, cause), (Alert.user_id, user_id), (Alert.month, month))
        if value is not None
    ]  # fmt: skip
    total = session.scalar(select(func.count()).select_from(Alert).where(*filters)) or 0
    stmt = select(Alert).where(*filters).order_by(Alert.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt)), int(total)


def add_delivery(
    session: Session, alert_id: int, *, url: str, key: str, body: str
) -> WebhookDelivery:
    """A pending delivery of one alert's body; the key is the receiver's idempotency key."""
    delivery = WebhookDelivery(alert_id=alert_id, url=url, idempotency_key=key, body=body)
    session.add(delivery)
    session.flush()
    return delivery


def log_attempt(
    session: Session, delivery_id: int, *, status_code: int | None, error: str | None,
    seconds: float, outcome: str | None,
) -> WebhookDelivery:  # fmt: skip
    """Append an attempt to the delivery log; ``outcome`` 'delivered' or 'dead' ends delivery."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise RecordNotFoundError(f"no webhook delivery with id {delivery_id}.")
    delivery.attempts += 1
    session.add(WebhookAttempt(delivery_id=delivery_id, attempt=delivery.attempts,
                               status_code=status_code, error=error, seconds=seconds))  # fmt: skip
    if outcome is not None:
        delivery.status, delivery.finished_at = outcome, utcnow()
    session.flush()
    return delivery


def delivery_log(
    session: Session, alert_id: int
) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    """Each delivery of an alert with its attempts, oldest first (what the review page shows)."""
    deliveries = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.alert_id == alert_id)
        .order_by(WebhookDelivery.id)
    )
    out = []
    for d in deliveries:
        attempts = session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == d.id)
            .order_by(WebhookAttempt.attempt)
        )
        out.append((d, list(attempts)))
    return out
