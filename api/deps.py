"""Request dependencies: settings, database sessions and API-key authentication with roles.

Every request looks its key up again (no caching), so a revoked key stops working at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.problems import Problem
from prospect import policy
from prospect.settings import Settings
from prospect.store import authenticate_api_key, record_audit, session_scope
from prospect.store.audit import REQUEST_ENTITY
from prospect.store.models import ROLES

logger = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer psk_...`")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="prospect"'}


@dataclass(frozen=True)
class Caller:
    """The authenticated API key behind a request."""

    key_id: int
    name: str
    prefix: str
    role: str
    pii_access: bool

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"key:{self.prefix}:{self.name}"[:128]

    def at_least(self, role: str) -> bool:
        return policy.at_least(self.role, role)

    @property
    def sees_pii(self) -> bool:
        """Personal data in full only for a key granted it (``--pii``), whatever its role."""
        return policy.sees_pii(self.pii_access)


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    """A session committed when the handler succeeds, rolled back when it raises."""
    with session_scope(engine) as session:
        yield session


def authenticate(
    engine: Annotated[Engine, Depends(get_engine)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The caller of a valid, unrevoked key; 401 with a Bearer challenge otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(401, "send an API key as 'Authorization: Bearer <key>'.",
                      slug="unauthenticated", headers=_CHALLENGE)  # fmt: skip
    with session_scope(engine) as session:
        row = authenticate_api_key(session, credentials.credentials)
        if row is None:
            raise Problem(401, "the API key is unknown or revoked.", slug="unauthenticated",
                          headers=_CHALLENGE)  # fmt: skip
        return Caller(row.id, row.name, row.prefix, row.role, row.pii_access)


def require(role: str) -> Callable[..., Caller]:
    """A dependency admitting keys of ``role`` or higher (viewer < reviewer < admin)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {list(ROLES)}; got {role!r}.")

    def check(
        request: Request, engine: Annotated[Engine, Depends(get_engine)],
        caller: Annotated[Caller, Depends(authenticate)],
    ) -> Caller:  # fmt: skip
        if not caller.at_least(role):
            logger.info("key %s (%s) refused: needs %s", caller.prefix, caller.role, role)
            audit_refusal(engine, caller.actor, request, f"needs the {role} role")
            raise Problem(403, f"this endpoint needs the {role} role; the key is a {caller.role}.",
                          slug="forbidden")  # fmt: skip
        return caller

    return check


def audit_refusal(engine: Engine, actor: str, request: Request, reason: str) -> None:
    """Record a refused request (403) in its own transaction: the refusal itself is kept."""
    detail = {"method": request.method, "path": request.url.path, "reason": reason}
    with session_scope(engine) as session:
        record_audit(
            session, actor, "request.refused", REQUEST_ENTITY, request.url.path[:128], detail
        )


QueueRun = Callable[[str, str | None, str], str]
"""``enqueue(month, batch, requested_by) -> run_id``: queue a monthly run for the worker."""


def get_queue_run() -> QueueRun:
    """The worker's ``enqueue_run``, imported only when a run is started (tests override it)."""
    try:
        from worker.tasks import enqueue_run
    except ImportError as exc:
        logger.error("cannot import worker.tasks.enqueue_run: %s", exc)
        raise Problem(503, "the run queue is not available; try again later.",
                      slug="queue-unavailable") from exc  # fmt: skip
    return enqueue_run  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
# "function" scope: the commit happens before the response is sent, so a 2xx means written.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ViewerDep = Annotated[Caller, Depends(require("viewer"))]
ReviewerDep = Annotated[Caller, Depends(require("reviewer"))]
AdminDep = Annotated[Caller, Depends(require("admin"))]
QueueRunDep = Annotated[QueueRun, Depends(get_queue_run)]
