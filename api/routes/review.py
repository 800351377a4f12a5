"""The review page (``/review``): marketing ops log in, read draft campaign lists, and approve
or reject them with a comment before anyone is contacted.

Server-rendered Jinja2 pages with one stylesheet and no script. Errors are answered as HTML
pages (or a redirect to the login form), not the API's problem documents, by
:class:`ReviewRoute`. Reviewers and admins may decide; viewers may read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from kombu.exceptions import OperationalError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api import bundles
from api.deps import SessionDep, SettingsDep, audit_refusal, get_app_settings
from api.files import artifact_file, artifact_page
from api.problems import Problem
from api.schemas import RecordId
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
from prospect import policy, review
from prospect.exceptions import ProspectError
from prospect.pipeline.stability import THRESHOLDS, report_paths
from prospect.settings import Settings
from prospect.store import (
    DQReport,
    InvalidTransitionError,
    RecordNotFoundError,
    Run,
    ThrottlePolicy,
    clear_failures,
    record_audit,
    record_failure,
    retry_after,
    session_scope,
    verify_password,
)
from prospect.store.audit import CAMPAIGN_ENTITY, LOGIN_ENTITY
from prospect.store.review import UNCHECKED

logger = logging.getLogger(__name__)

BASE = COOKIE_PATH
HERE = Path(__file__).resolve().parents[1]
NOTICES = {
    "approved": "Campaign approved: it can now be exported.",
    "rejected": "Campaign rejected.",
    "rerun": "A new run for this month has been queued with this list's config.",
    "rerun-none": "Nothing was queued: the same batch, model and config lead to a run that has "
    "already ended. Land a corrected batch or promote another model, then re-run.",
    "out": "You are logged out.",
}
# A decision notice is shown only over the status it announces (a stale link says nothing).
_DECISION_NOTICES = ("approved", "rejected")
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
                _audit_page_refusal(request, str(exc))
                response = _error(request, 403, "Not allowed", str(exc))
            except RecordNotFoundError as exc:
                response = _error(request, 404, "Not found", str(exc))
            except Problem as exc:
                response = _error(request, exc.status, "Not available", exc.detail)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return route


def _audit_page_refusal(request: Request, reason: str) -> None:
    engine: Engine = request.app.state.engine
    with session_scope(engine) as session:
        user = page_user(request, session)
    audit_refusal(engine, user.username if user else "anonymous", request, reason)


router = APIRouter(prefix=BASE, tags=["review page"], route_class=ReviewRoute,
                   include_in_schema=False)  # fmt: skip
UserDep = Annotated[PageUser, Depends(current_user)]
PostDep = Annotated[WebSession, Depends(verified_session)]


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    done = request.query_params.get("done", "")
    detail = context.get("d")
    if done in _DECISION_NOTICES and (detail is None or detail.campaign.status != done):
        done = ""
    notice = NOTICES.get(done)
    full = {"base": BASE, "notice": notice, **context}
    return templates.TemplateResponse(request, f"review_{name}", full, status_code=status)


def _error(request: Request, status: int, title: str, message: str) -> Response:
    web = read_session(request)
    context = {"title": title, "message": message, "status": status,
               "me": None, "csrf_token": web.csrf if web else ""}  # fmt: skip
    return _page(request, "error.html", context, status)


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(f"{BASE}{path}", status_code=303)


def get_requeue_run(settings: SettingsDep) -> review.RequeueRun:
    """How a re-run is queued: the worker's ``enqueue_run`` with the rejected list's config,
    then the run's status read back (tests override this dependency)."""
    try:
        from prospect.pipeline import get_state
        from prospect.targeting import CampaignConfig
        from worker.tasks import enqueue_run
    except ImportError as exc:
        logger.error("cannot import worker.tasks.enqueue_run: %s", exc)
        raise Problem(503, "the run queue is not available; try again later.") from exc

    def enqueue(month: str, requested_by: str, config: Any) -> review.Requeued:
        given = CampaignConfig.model_validate(config) if config else None  # None: the default
        run_id = str(enqueue_run(month, None, requested_by, config=given))
        state = get_state(settings, run_id)
        return review.Requeued(run_id, state.status if state is not None else "queued")

    return enqueue


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
    client = request.client.host if request.client else "unknown"
    wait = retry_after(session, username, client)
    if wait is None:
        user = verify_password(session, username, password)
        if user is not None:
            clear_failures(session, username)
            response = _redirect("")
            write_session(request, response, log_in(request, session, user, web))
            return response
        logger.info("review login refused for %r from %s", username, client)
        wait = record_failure(session, username, client, _throttle(get_app_settings(request)))
        if wait is None:
            return _login_error(request, web, username, "Unknown username or wrong password.",
                                401)  # fmt: skip
    else:
        record_audit(session, f"login:{username}"[:128], "user.login_throttled", LOGIN_ENTITY,
                     username[:128], {"client": client, "retry_after": wait})  # fmt: skip
    message = f"Too many failed logins: try again in {wait} seconds."
    refused = _login_error(request, web, username, message, 429)
    refused.headers["Retry-After"] = str(wait)
    return refused


def _login_error(
    request: Request, web: WebSession, username: str, message: str, status: int
) -> Response:
    context = {"csrf_token": web.csrf, "me": None, "username": username, "login_error": message}
    return _page(request, "login.html", context, status=status)


def _throttle(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        max_user_failures=settings.login_max_failures,
        max_client_failures=settings.login_max_client_failures,
        lockout=timedelta(seconds=settings.login_lockout_seconds),
    )


@router.post("/logout")
def logout(request: Request, web: PostDep, session: SessionDep) -> Response:
    log_out(session, web)
    response = _redirect("/login?done=out")
    clear_session(request, response)
    return response


@router.get("")
def campaign_list(request: Request, me: UserDep, session: SessionDep) -> Response:
    rows = review.list_campaigns(session, role=me.role)
    return _page(request, "list.html", {"me": me, "csrf_token": me.csrf, "rows": rows})


def _detail_page(
    request: Request, session: Session, me: PageUser, campaign_id: int, **extra: Any
) -> Response:
    status = extra.pop("status", 200)
    reveal = bool(extra.pop("reveal", False)) and policy.sees_pii(me.pii_access)
    detail = review.campaign_detail(session, campaign_id, role=me.role, reveal_pii=reveal)
    if reveal and detail.sample:
        record_audit(session, me.username, "campaign.pii_read", CAMPAIGN_ENTITY, campaign_id,
                     {"rows": len(detail.sample), "via": "review page"})  # fmt: skip
    context = {"me": me, "csrf_token": me.csrf, "d": detail, "can_review": me.can_review,
               "revealed": reveal}  # fmt: skip
    return _page(request, "detail.html", {**context, **extra}, status)


def _failed(
    request: Request, session: Session, me: PageUser, campaign_id: int, message: str,
    status: int, **extra: Any,
) -> Response:  # fmt: skip
    """The detail page again with ``message``; nothing of the failed action is kept."""
    session.rollback()
    return _detail_page(request, session, me, campaign_id, error=message, status=status, **extra)


@router.get("/campaigns/{campaign_id}")
def campaign_page(
    request: Request, campaign_id: RecordId, me: UserDep, session: SessionDep,
    pii: Annotated[bool, Query(description="Show msisdn in full (users granted pii).")] = False,
) -> Response:  # fmt: skip
    return _detail_page(request, session, me, campaign_id, reveal=pii)


@router.post("/campaigns/{campaign_id}/decision")
def decide(
    request: Request, campaign_id: RecordId, web: PostDep, me: UserDep, session: SessionDep,
    decision: Annotated[str, Form()], comment: Annotated[str, Form()] = "",
    supersedes: Annotated[str | None, Form(max_length=20)] = None,
) -> Response:  # fmt: skip
    # The decision is its own write transaction (BEGIN IMMEDIATE on SQLite), begun after the
    # request's reads are committed, so a concurrent decision waits instead of failing.
    session.commit()
    try:
        with session_scope(request.app.state.engine, immediate=True) as decision_session:
            review.decide(decision_session, campaign_id, decision=decision, actor=me.username,
                          role=me.role, comment=comment,
                          supersedes=_seen_approval(supersedes))  # fmt: skip
    except (ValueError, TypeError, InvalidTransitionError) as exc:
        status = 409 if isinstance(exc, InvalidTransitionError) else 400
        return _failed(request, session, me, campaign_id, str(exc), status, comment=comment)
    return _redirect(f"/campaigns/{campaign_id}?done={decision}")


def _seen_approval(field: str | None) -> int | None | object:
    """The form's ``supersedes``: the month's approved campaign id the page showed, ``none``."""
    if field is None:
        return UNCHECKED
    if field == "none":
        return None
    if field.isdigit():
        return int(field)
    raise ValueError(f"supersedes must be a campaign id or 'none'; got {field!r}.")


@router.post("/campaigns/{campaign_id}/rerun")
def rerun(
    request: Request, campaign_id: RecordId, web: PostDep, me: UserDep, session: SessionDep,
    enqueue: Annotated[review.RequeueRun, Depends(get_requeue_run)],
) -> Response:  # fmt: skip
    try:
        outcome = review.rerun(session, campaign_id, actor=me.username, role=me.role,
                               enqueue=enqueue)  # fmt: skip
    except (InvalidTransitionError, ProspectError, ValueError, FileNotFoundError) as exc:
        status = 409 if isinstance(exc, InvalidTransitionError) else 422
        return _failed(request, session, me, campaign_id, str(exc), status)
    except OperationalError as exc:
        logger.error("broker unreachable while queueing a re-run: %s", exc)
        message = "the run queue is unreachable; nothing was queued, try again later."
        return _failed(request, session, me, campaign_id, message, 503)
    return _redirect(f"/campaigns/{campaign_id}?done={'rerun' if outcome.queued else 'rerun-none'}")


@router.get("/reports/{report_id}")
def dq_report(
    report_id: RecordId, me: UserDep, session: SessionDep, settings: SettingsDep
) -> Response:
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
