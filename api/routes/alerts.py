"""Early warnings on new cardholders for the bank's risk officers: listed and filtered, read
with their webhook delivery log, acknowledged and closed with a comment (audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ReviewerDep, SessionDep
from api.paging import LimitQuery, MonthQuery, OffsetQuery
from api.problems import Problem
from api.schemas import RecordId, problem_responses
from prospect.store import InvalidTransitionError, RecordNotFoundError
from prospect.store.alerts import delivery_log, list_alerts, review_alert
from prospect.store.models import Alert

router = APIRouter(prefix="/alerts", tags=["alerts"])
_ERRORS = problem_responses(401, 403, 404, 409, 422)
AlertStatus = Literal["open", "acknowledged", "closed"]
Severity = Literal["low", "medium", "high"]


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: str
    cause: str
    severity: Severity
    status: AlertStatus
    month: str
    run_id: str | None
    pd: float | None
    reasons: list[str]
    figures: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    updated_by: str | None
    comment: str | None


class AlertPage(BaseModel):
    items: list[AlertOut]
    total: int
    limit: int
    offset: int


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    seconds: float


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    idempotency_key: str
    status: Literal["pending", "delivered", "dead"]
    attempts: list[AttemptOut]
    body: str


class AlertDetail(AlertOut):
    deliveries: list[DeliveryOut]


class AlertAction(BaseModel):
    """What the reviewer did about the alert (kept in the audit log)."""

    model_config = ConfigDict(extra="forbid")

    comment: str = Field(min_length=1, max_length=2000)


@router.get("", response_model=AlertPage, responses=_ERRORS)
def get_alerts(
    session: SessionDep, caller: ReviewerDep,
    status: AlertStatus | None = None,
    severity: Severity | None = None,
    cause: Annotated[str | None, Query(max_length=64)] = None,
    user_id: Annotated[str | None, Query(max_length=64)] = None,
    month: MonthQuery = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> AlertPage:  # fmt: skip
    """Alerts matching every filter given, newest first."""
    rows, total = list_alerts(session, status=status, severity=severity, cause=cause,
                              user_id=user_id, month=month, limit=limit, offset=offset)  # fmt: skip
    return AlertPage(items=[AlertOut.model_validate(r) for r in rows], total=total, limit=limit,
                     offset=offset)  # fmt: skip


@router.get("/{alert_id}", response_model=AlertDetail, responses=_ERRORS)
def get_alert(alert_id: RecordId, session: SessionDep, caller: ReviewerDep) -> AlertDetail:
    """One alert with every webhook delivery of it and each attempt."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise Problem(404, f"no alert with id {alert_id}.")
    return _detail(session, alert)


@router.post("/{alert_id}/{action}", response_model=AlertDetail, responses=_ERRORS)
def act_on_alert(
    alert_id: RecordId, action: Literal["acknowledge", "close"], body: AlertAction,
    session: SessionDep, caller: ReviewerDep,
) -> AlertDetail:  # fmt: skip
    """Acknowledge an open alert or close it, with a comment; audited with the calling key."""
    try:
        alert = review_alert(session, alert_id, action=action, actor=caller.actor,
                             comment=body.comment)  # fmt: skip
    except RecordNotFoundError as exc:
        raise Problem(404, str(exc)) from exc
    except InvalidTransitionError as exc:
        raise Problem(409, str(exc)) from exc
    except ValueError as exc:
        raise Problem(422, str(exc)) from exc
    return _detail(session, alert)


def _detail(session, alert: Alert) -> AlertDetail:
    deliveries = [
        DeliveryOut.model_validate({
            "id": d.id, "url": d.url, "idempotency_key": d.idempotency_key, "status": d.status,
            "body": d.body, "attempts": [AttemptOut.model_validate(a) for a in attempts],
        })
        for d, attempts in delivery_log(session, alert.id)
    ]  # fmt: skip
    return AlertDetail(**AlertOut.model_validate(alert).model_dump(), deliveries=deliveries)
