"""Login sessions and CSRF tokens for the review page (browser users, not API keys).

A login is a row of ``web_sessions`` (:mod:`prospect.store.sessions`); the browser holds its
random id in one signed cookie (itsdangerous, keyed by ``settings.secret_key``): HttpOnly so
scripts cannot read it, SameSite=Strict so other sites cannot ride on it, Secure over HTTPS.
Every page request checks that the row is still active, so logout, disabling the user or a new
password ends the session at once, even for a stolen copy of the cookie; a session also ends
``settings.session_idle_timeout`` seconds after its last request and
``settings.session_max_age`` seconds after login.

The CSRF token stays in the signed cookie beside the id rather than in the row: the login form
needs one before any row exists, and no row is written for anonymous visitors. Each form echoes
it back and every POST must match it; login replaces both the id and the token, so nothing seen
before login (session fixation) is worth anything after it.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from api.deps import SessionDep, get_app_settings
from prospect import policy
from prospect.settings import Settings
from prospect.store import (
    User,
    active_session,
    purge_ended_sessions,
    record_audit,
    revoke_session,
    start_session,
)
from prospect.store.audit import USER_ENTITY

logger = logging.getLogger(__name__)

SESSION_COOKIE = "prospect_review"
COOKIE_PATH = "/review"
CSRF_FIELD = "csrf_token"
_SALT = "prospect.review.session"
_VIA = {"via": "review page"}


class LoginRequired(Exception):
    """The request needs a logged-in user and has none (or the session ended)."""


class CsrfError(Exception):
    """A POST came without the session's CSRF token."""


@dataclass(frozen=True)
class WebSession:
    """What the cookie holds: the CSRF token and, once logged in, the random session id."""

    csrf: str
    session_id: str | None = None


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_app_settings(request).secret_key, salt=_SALT)


def _idle_timeout(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.session_idle_timeout)


def new_session() -> WebSession:
    """An anonymous session with a fresh CSRF token."""
    return WebSession(csrf=secrets.token_urlsafe(32))


def read_session(request: Request) -> WebSession | None:
    """The session in the request's cookie, or None if absent, tampered with or too old."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    max_age = get_app_settings(request).session_max_age
    try:
        data: Any = _serializer(request).loads(cookie, max_age=max_age)
    except BadSignature:  # also covers SignatureExpired
        logger.info("review session cookie refused (bad signature or expired)")
        return None
    if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
        return None
    sid = data.get("sid")
    return WebSession(csrf=data["csrf"], session_id=sid if isinstance(sid, str) else None)


def write_session(request: Request, response: Response, session: WebSession) -> None:
    """Set the signed session cookie on ``response`` (HttpOnly, SameSite=Strict)."""
    token = _serializer(request).dumps({"csrf": session.csrf, "sid": session.session_id})
    response.set_cookie(
        SESSION_COOKIE, token, max_age=get_app_settings(request).session_max_age,
        path=COOKIE_PATH, httponly=True, samesite="strict", secure=cookie_secure(request),
    )  # fmt: skip


def clear_session(request: Request, response: Response) -> None:
    """Expire the session cookie (logout)."""
    response.delete_cookie(
        SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
        secure=cookie_secure(request),
    )  # fmt: skip


def cookie_secure(request: Request) -> bool:
    """Secure cookies over HTTPS and always in production (behind a TLS proxy)."""
    return request.url.scheme == "https" or get_app_settings(request).environment == "production"


def log_in(request: Request, db: Session, user: User, previous: WebSession | None) -> WebSession:
    """Start a server-side session for ``user`` with a new id and CSRF token; audited.

    Ends the session ``previous`` carried (if any) and deletes ended sessions, so the table
    holds only recent logins.
    """
    settings = get_app_settings(request)
    if previous is not None and previous.session_id is not None:
        revoke_session(db, previous.session_id)
    purged = purge_ended_sessions(db, idle_timeout=_idle_timeout(settings))
    lifetime = timedelta(seconds=settings.session_max_age)
    row, session_id = start_session(db, user.id, lifetime=lifetime)
    record_audit(db, user.username, "user.login", USER_ENTITY, user.id, {**_VIA, "session": row.id})
    logger.debug("review login of %r; %d ended session(s) purged", user.username, purged)
    return WebSession(csrf=secrets.token_urlsafe(32), session_id=session_id)


def log_out(db: Session, web: WebSession) -> None:
    """Revoke the session ``web`` carries, so no copy of its cookie works again; audited."""
    row = revoke_session(db, web.session_id) if web.session_id else None
    if row is not None:
        detail = {**_VIA, "session": row.id}
        record_audit(db, row.user.username, "user.logout", USER_ENTITY, row.user_id, detail)


def check_csrf(session: WebSession | None, submitted: object) -> None:
    """Raise :class:`CsrfError` unless ``submitted`` equals the session's token."""
    if session is None or not isinstance(submitted, str) or not submitted:
        raise CsrfError("the form has no valid CSRF token; reload the page and try again.")
    if not hmac.compare_digest(session.csrf.encode(), submitted.encode()):
        raise CsrfError("the form's CSRF token does not match this session; reload the page.")


async def verified_session(request: Request) -> WebSession:
    """FastAPI dependency for every POST: the session, after checking the form's CSRF token."""
    session = read_session(request)
    form = await request.form()
    check_csrf(session, form.get(CSRF_FIELD))
    assert session is not None  # check_csrf refused a missing session
    return session


@dataclass(frozen=True)
class PageUser:
    """The logged-in user of a request, with the session's CSRF token for its forms."""

    username: str
    role: str
    csrf: str
    pii_access: bool = False

    @property
    def can_review(self) -> bool:
        return policy.may_review(self.role)


def page_user(request: Request, db: Session) -> PageUser | None:
    """The user of the request's active session (role read fresh from the store), or None."""
    web = read_session(request)
    if web is None or web.session_id is None:
        return None
    idle = _idle_timeout(get_app_settings(request))
    row = active_session(db, web.session_id, idle_timeout=idle)
    if row is None or not row.user.active:
        return None
    user = row.user
    return PageUser(username=user.username, role=user.role, csrf=web.csrf,
                    pii_access=user.pii_access)  # fmt: skip


def current_user(request: Request, session: SessionDep) -> PageUser:
    """FastAPI dependency: the logged-in user of an active session, else :class:`LoginRequired`."""
    user = page_user(request, session)
    if user is None:
        raise LoginRequired("log in to use the review page.")
    return user
