"""Login sessions and CSRF tokens for the review page (browser users, not API keys).

The session lives in one signed cookie (itsdangerous, keyed by ``settings.secret_key``):
HttpOnly so scripts cannot read it, SameSite=Strict so other sites cannot ride on it, Secure
over HTTPS, and valid for :data:`SESSION_MAX_AGE` seconds from login. Every session, logged in
or not, carries a random CSRF token that each form echoes back and every POST must match; the
token is replaced at login so a token seen before login is useless after it.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass, replace
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from api.deps import SessionDep, get_app_settings
from prospect.review import REVIEW_ROLES
from prospect.store import User

logger = logging.getLogger(__name__)

SESSION_COOKIE = "prospect_review"
SESSION_MAX_AGE = 8 * 3600
COOKIE_PATH = "/review"
CSRF_FIELD = "csrf_token"
_SALT = "prospect.review.session"


class LoginRequired(Exception):
    """The request needs a logged-in user and has none (or the session expired)."""


class CsrfError(Exception):
    """A POST came without the session's CSRF token."""


@dataclass(frozen=True)
class WebSession:
    """What the cookie holds: the CSRF token and, once logged in, who is logged in."""

    csrf: str
    username: str | None = None

    @property
    def logged_in(self) -> bool:
        return self.username is not None


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_app_settings(request).secret_key, salt=_SALT)


def new_session() -> WebSession:
    """An anonymous session with a fresh CSRF token."""
    return WebSession(csrf=secrets.token_urlsafe(32))


def read_session(request: Request) -> WebSession | None:
    """The session in the request's cookie, or None if absent, tampered with or expired."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        data: Any = _serializer(request).loads(cookie, max_age=SESSION_MAX_AGE)
    except BadSignature:  # also covers SignatureExpired
        logger.info("review session cookie refused (bad signature or expired)")
        return None
    if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
        return None
    username = data.get("user")
    return WebSession(csrf=data["csrf"], username=username if isinstance(username, str) else None)


def write_session(request: Request, response: Response, session: WebSession) -> None:
    """Set the signed session cookie on ``response`` (HttpOnly, SameSite=Strict)."""
    token = _serializer(request).dumps({"csrf": session.csrf, "user": session.username})
    response.set_cookie(
        SESSION_COOKIE, token, max_age=SESSION_MAX_AGE, path=COOKIE_PATH,
        httponly=True, samesite="strict", secure=cookie_secure(request),
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


def logged_in_as(user: User) -> WebSession:
    """A new session for ``user`` with a new CSRF token (no token survives a login)."""
    return replace(new_session(), username=user.username)


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

    @property
    def can_review(self) -> bool:
        return self.role in REVIEW_ROLES


def current_user(request: Request, session: SessionDep) -> PageUser:
    """FastAPI dependency: the logged-in, still active user (role read fresh from the store)."""
    web = read_session(request)
    if web is None or web.username is None:
        raise LoginRequired("log in to use the review page.")
    user = session.scalar(select(User).where(User.username == web.username))
    if user is None or not user.active:
        raise LoginRequired(f"user {web.username!r} is no longer active.")
    return PageUser(username=user.username, role=user.role, csrf=web.csrf)
