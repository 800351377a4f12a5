"""RFC 9457 problem details for every 4xx/5xx answer, and the request-size limit.

Clients get ``application/problem+json`` with ``type``, ``title``, ``status``, ``detail`` and
``instance``; validation errors add ``errors``. Unhandled exceptions are logged here and
answered with a bare 500 so no stack trace or internal message leaks.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.schemas import PROBLEM_MEDIA_TYPE
from prospect.store import InvalidTransitionError, RecordNotFoundError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = f"{PROBLEM_MEDIA_TYPE}; charset=utf-8"
PROBLEM_TYPE_BASE = "https://prospect.example/problems/"


class Problem(Exception):
    """An error a handler raises to answer with a problem document.

    Parameters
    ----------
    status : int
        HTTP status code.
    detail : str
        What went wrong for this request, in words a client developer can act on.
    slug : str, optional
        Last part of the problem ``type`` URI; by default derived from the status phrase.
    headers : dict, optional
        Extra response headers (e.g. ``WWW-Authenticate``).
    """

    def __init__(
        self, status: int, detail: str, *, slug: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.headers = headers


def problem_response(
    request: Request, status: int, detail: str, *, slug: str | None = None,
    headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None,
) -> JSONResponse:  # fmt: skip
    """A problem+json response for ``request`` (``instance`` is the request path)."""
    phrase = HTTPStatus(status).phrase
    body = {
        "type": PROBLEM_TYPE_BASE + (slug or phrase.lower().replace(" ", "-").replace("'", "")),
        "title": phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(request, exc.status, exc.detail, slug=exc.slug, headers=exc.headers)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(request, exc.status_code, str(exc.detail), headers=headers)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
         "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]  # fmt: skip
    detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors) or "invalid request"
    return problem_response(request, 422, detail, slug="validation-error", extra={"errors": errors})


async def _on_not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 404, str(exc))


async def _on_conflict(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 409, str(exc), slug="invalid-transition")


async def _on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path,
        exc_info=exc,
    )  # fmt: skip
    detail = "The server could not complete the request; the error has been logged."
    return problem_response(request, 500, detail)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error raised in ``app`` with a problem document."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(RecordNotFoundError, _on_not_found)
    app.add_exception_handler(InvalidTransitionError, _on_conflict)
    app.add_exception_handler(Exception, _on_unhandled)


class BodySizeLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` with a 413 problem.

    Checks ``Content-Length`` up front; a body without one (chunked) is read here, at most
    ``max_bytes`` of it, and replayed to the app, so chunked encoding cannot get round the limit.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(scope, send)
                return
            await self.app(scope, receive, send)
            return
        messages = await self._read_capped(receive)
        if messages is None:
            await self._refuse(scope, send)
            return
        await self.app(scope, _replay(messages, receive), send)

    async def _read_capped(self, receive: Receive) -> list[Message] | None:
        """The body's messages, or None as soon as they pass ``max_bytes``."""
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                return None
            if message["type"] != "http.request" or not message.get("more_body", False):
                return messages

    def _detail(self) -> str:
        return f"request body is larger than the {self.max_bytes}-byte limit."

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = {
            "type": PROBLEM_TYPE_BASE + "body-too-large", "title": HTTPStatus(413).phrase,
            "status": 413, "detail": self._detail(), "instance": scope.get("path", ""),
        }  # fmt: skip
        payload = json.dumps(body).encode()
        headers = [(b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                   (b"content-length", str(len(payload)).encode())]  # fmt: skip
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
