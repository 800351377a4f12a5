"""Alerts on the review page (``/review/alerts``): the list with filters, one alert with its
figures, reasons and webhook delivery log, and acknowledge / close with a comment (audited).

Rides on the review page's route class, templates and login (:mod:`api.routes.review`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.routes.review import BASE, PostDep, ReviewRoute, UserDep, _page, _redirect
from api.web_auth import PageUser
from prospect.store import InvalidTransitionError, RecordNotFoundError
from prospect.store.alerts import delivery_log, list_alerts, review_alert
from prospect.store.models import ALERT_SEVERITIES, ALERT_STATUSES, Alert

router = APIRouter(prefix=f"{BASE}/alerts", tags=["review page"], route_class=ReviewRoute,
                   include_in_schema=False)  # fmt: skip
DONE = {"acknowledge": "Alert acknowledged.", "close": "Alert closed."}


@router.get("")
def alert_list(
    request: Request, me: UserDep, session: SessionDep,
    status: str = "", severity: str = "", cause: str = "", user_id: str = "",
) -> Response:  # fmt: skip
    filters: dict[str, str | None] = {
        "status": status if status in ALERT_STATUSES else None,
        "severity": severity if severity in ALERT_SEVERITIES else None,
        "cause": cause or None, "user_id": user_id or None,
    }  # fmt: skip
    rows, total = list_alerts(session, limit=200, status=filters["status"],
                              severity=filters["severity"], cause=filters["cause"],
                              user_id=filters["user_id"])  # fmt: skip
    context = {"me": me, "csrf_token": me.csrf, "rows": rows, "total": total,
               "filters": {k: v or "" for k, v in filters.items()},
               "statuses": ALERT_STATUSES, "severities": ALERT_SEVERITIES}  # fmt: skip
    return _page(request, "alerts.html", context)


def _alert_page(request: Request, session: Session, me: PageUser, alert_id: int,
                status: int = 200, **extra: object) -> Response:  # fmt: skip
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise RecordNotFoundError(f"no alert with id {alert_id}.")
    done = DONE.get(request.query_params.get("did", ""))
    context = {"me": me, "csrf_token": me.csrf, "a": alert, "can_review": me.can_review,
               "deliveries": delivery_log(session, alert_id), "done": done, **extra}  # fmt: skip
    return _page(request, "alert.html", context, status)


@router.get("/{alert_id}")
def alert_page(request: Request, alert_id: int, me: UserDep, session: SessionDep) -> Response:
    return _alert_page(request, session, me, alert_id)


@router.post("/{alert_id}/action")
def act(
    request: Request, alert_id: int, web: PostDep, me: UserDep, session: SessionDep,
    action: Annotated[str, Form()], comment: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    if not me.can_review:
        raise PermissionError(f"your role ({me.role}) can read alerts but not act on them.")
    try:
        review_alert(session, alert_id, action=action, actor=me.username, comment=comment)
    except (ValueError, InvalidTransitionError) as exc:
        session.rollback()
        code = 409 if isinstance(exc, InvalidTransitionError) else 400
        return _alert_page(request, session, me, alert_id, code, error=str(exc), comment=comment)
    return _redirect(f"/alerts/{alert_id}?did={action}")
