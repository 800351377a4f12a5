"""The review page (``/review``): marketing ops log in, read draft campaign lists, and approve
or reject them with a comment before anyone is contacted.

Server-rendered Jinja2 pages with one stylesheet and no script. Errors are answered as HTML
pages (or a redirect to the login form), not the API's problem documents, by
:class:`ReviewRoute`. Reviewers and admins may decide; viewers may read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from kombu.exceptions import OperationalError
from sqlalchemy.orm import Session

from api import bundles
from api.deps import SessionDep, SettingsDep
from api.files import artifact_file, artifact_page
from api.problems import Problem
from api.web_auth import (
    COOKIE_PATH,
    CsrfError,
    LoginRequired,
    PageUser,
    WebSession,
    clear_session,
    current_user,
    log_in,
    log_out,
    new_session,
    page_user,
    read_session,
    verified_session,
    write_session,
)
from prospect import review
from prospect.exceptions import ProspectError
from prospect.pipeline.stability import THRESHOLDS, report_paths
from prospect.store import (
    DQReport,
    InvalidTransitionError,
    RecordNotFoundError,
    Run,
    verify_password,
)

logger = logging.getLogger(__name__)

BASE = COOKIE_PATH
HERE = Path(__file__).resolve().parents[1]
NOTICES = {
    "approved": "Campaign approved: it can now be exported.",
    "rejected": "Campaign rejected.",
    "rerun": "A new run for this month has been queued.",
    "out": "You are logged out.",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _num(value: Any, digits: int = 0) -> str:
    if not isinstance(value, int | float):
        return "—"
    return f"{value:,.{digits}f}"


def _pct(value: Any, digits: int = 2) -> str:
    return f"{100 * value:.{digits}f}%" if isinstance(value, int | float) else "—"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters.update(num=_num, pct=_pct, when=_when)
templates.env.globals.update(psi_monitor=THRESHOLDS[0][0], psi_shifted=THRESHOLDS[1][0])


class ReviewRoute(APIRoute):
    """Answers the page's errors as HTML: login redirect, 403, 404, 409 pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except LoginRequired:
                response = RedirectResponse(f"{BASE}/login", status_code=303)
            except (CsrfError, PermissionError) as exc:
                response = _error(request, 403, "Not allowed", str(exc))
            except RecordNotFoundError as exc:
                response = _error(request, 404, "Not found", str(exc))
            except Problem as exc:
                response = _error(request, exc.status, "Not available", exc.detail)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return route


router = APIRouter(prefix=BASE, tags=["review page"], route_class=ReviewRoute,
                   include_in_schema=False)  # fmt: skip
UserDep = Annotated[PageUser, Depends(current_user)]
PostDep = Annotated[WebSession, Depends(verified_session)]


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    notice = NOTICES.get(request.query_params.get("done", ""))
    full = {"base": BASE, "notice": notice, **context}
    return templates.TemplateResponse(request, f"review_{name}", full, status_code=status)


def _error(request: Request, status: int, title: str, message: str) -> Response:
    web = read_session(request)
    context = {"title": title, "message": message, "status": status,
               "me": None, "csrf_token": web.csrf if web else ""}  # fmt: skip
    return _page(request, "error.html", context, status)


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(f"{BASE}{path}", status_code=303)


def get_enqueue_run() -> review.EnqueueRun:
    """How a re-run is queued: the worker's ``enqueue_run`` (tests override this dependency)."""
    try:
        from worker.tasks import enqueue_run
    except ImportError as exc:
        logger.error("cannot import worker.tasks.enqueue_run: %s", exc)
        raise Problem(503, "the run queue is not available; try again later.") from exc
    return lambda month, requested_by: str(enqueue_run(month, None, requested_by))


@router.get("/login")
def login_form(request: Request, session: SessionDep) -> Response:
    if page_user(request, session) is not None:
        return _redirect("")
    web = read_session(request)
    if web is None or web.session_id is not None:  # none yet, or one that has ended
        web = new_session()
    response = _page(request, "login.html", {"csrf_token": web.csrf, "me": None})
    write_session(request, response, web)
    return response


@router.post("/login")
def login(
    request: Request, web: PostDep, session: SessionDep,
    username: Annotated[str, Form()], password: Annotated[str, Form()],
) -> Response:  # fmt: skip
    user = verify_password(session, username, password)
    if user is None:
        logger.info("review login refused for %r", username)
        context = {"csrf_token": web.csrf, "me": None, "username": username,
                   "login_error": "Unknown username or wrong password."}  # fmt: skip
        return _page(request, "login.html", context, status=401)
    response = _redirect("")
    write_session(request, response, log_in(request, session, user, web))
    return response


@router.post("/logout")
def logout(request: Request, web: PostDep, session: SessionDep) -> Response:
    log_out(session, web)
    response = _redirect("/login?done=out")
    clear_session(request, response)
    return response


@router.get("")
def campaign_list(request: Request, me: UserDep, session: SessionDep) -> Response:
    rows = review.list_campaigns(session)
    return _page(request, "list.html", {"me": me, "csrf_token": me.csrf, "rows": rows})


def _detail_page(
    request: Request, session: Session, me: PageUser, campaign_id: int, **extra: Any
) -> Response:
    status = extra.pop("status", 200)
    detail = review.campaign_detail(session, campaign_id)
    context = {"me": me, "csrf_token": me.csrf, "d": detail, "can_review": me.can_review}
    return _page(request, "detail.html", {**context, **extra}, status)


def _failed(
    request: Request, session: Session, me: PageUser, campaign_id: int, message: str,
    status: int, **extra: Any,
) -> Response:  # fmt: skip
    """The detail page again with ``message``; nothing of the failed action is kept."""
    session.rollback()
    return _detail_page(request, session, me, campaign_id, error=message, status=status, **extra)


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: int, me: UserDep, session: SessionDep) -> Response:
    return _detail_page(request, session, me, campaign_id)


@router.post("/campaigns/{campaign_id}/decision")
def decide(
    request: Request, campaign_id: int, web: PostDep, me: UserDep, session: SessionDep,
    decision: Annotated[str, Form()], comment: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    try:
        review.decide(session, campaign_id, decision=decision, actor=me.username,
                      role=me.role, comment=comment)  # fmt: skip
    except (ValueError, TypeError, InvalidTransitionError) as exc:
        status = 409 if isinstance(exc, InvalidTransitionError) else 400
        return _failed(request, session, me, campaign_id, str(exc), status, comment=comment)
    return _redirect(f"/campaigns/{campaign_id}?done={decision}")


@router.post("/campaigns/{campaign_id}/rerun")
def rerun(
    request: Request, campaign_id: int, web: PostDep, me: UserDep, session: SessionDep,
    enqueue: Annotated[review.EnqueueRun, Depends(get_enqueue_run)],
) -> Response:  # fmt: skip
    try:
        review.rerun(session, campaign_id, actor=me.username, role=me.role, enqueue=enqueue)
    except (InvalidTransitionError, ProspectError, ValueError, FileNotFoundError) as exc:
        status = 409 if isinstance(exc, InvalidTransitionError) else 422
        return _failed(request, session, me, campaign_id, str(exc), status)
    except OperationalError as exc:
        logger.error("broker unreachable while queueing a re-run: %s", exc)
        message = "the run queue is unreachable; nothing was queued, try again later."
        return _failed(request, session, me, campaign_id, message, 503)
    return _redirect(f"/campaigns/{campaign_id}?done=rerun")


@router.get("/reports/{report_id}")
def dq_report(report_id: int, me: UserDep, session: SessionDep, settings: SettingsDep) -> Response:
    """The batch's data-quality report, for a browser session without an API key."""
    row = session.get(DQReport, report_id)
    if row is None:
        raise RecordNotFoundError(f"no data-quality report with id {report_id}.")
    path = artifact_file(row.html_path, settings.reports_dir, "data-quality report")
    return artifact_page(path)


@router.get("/runs/{run_id}/stability")
def stability_report(
    run_id: str, me: UserDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """The run's scorecard stability report, for a browser session."""
    if session.get(Run, run_id) is None:
        raise RecordNotFoundError(f"no run with id {run_id!r}.")
    html = report_paths(settings, run_id)["html"]
    path = artifact_file(html, settings.reports_dir, "stability report")
    return artifact_page(path)


@router.get("/models/{version}")
def model_card(version: str, me: UserDep, session: SessionDep, settings: SettingsDep) -> Response:
    """The model card of ``version`` from its bundle, for a browser session."""
    row = bundles.model_version(session, version)
    path = bundles.bundle_file(row, bundles.CARD_HTML, settings.models_dir)
    return artifact_page(path)
