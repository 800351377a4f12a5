"""A run's state in the ``runs`` table: read it, move it, and record step timings.

The statuses and what asking for a run again does are in :mod:`prospect.pipeline.lifecycle`;
here they are read and written. A redelivered task reads the state first and skips the work a
previous delivery finished.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from prospect.pipeline.lifecycle import ENDED, STOPPED, Admission, admission, check_transition
from prospect.settings import Settings
from prospect.store import Run, make_engine, session_scope, set_run_status

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunState:
    """A detached copy of a ``runs`` row: what ``prospect runs`` and ``--wait`` print."""

    run_id: str
    month: str
    status: str
    failure_reason: str | None
    timings: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None
    dq_report_id: int | None
    model_version: str
    batch_path: str

    @classmethod
    def of(cls, run: Run) -> RunState:
        return cls(
            run.run_id,
            run.month,
            run.status,
            run.failure_reason,
            dict(run.timings or {}),
            run.created_at,
            run.finished_at,
            run.dq_report_id,
            run.model_version,
            run.batch_path,
        )


@contextmanager
def run_session(settings: Settings) -> Iterator[Session]:
    """A write session on the run database (write lock taken at begin on SQLite)."""
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine, immediate=True) as session:
            yield session
    finally:
        engine.dispose()


def get_state(settings: Settings, run_id: str) -> RunState | None:
    """The run's current state, or None when there is no such run."""
    with run_session(settings) as session:
        run = session.get(Run, run_id)
        return None if run is None else RunState.of(run)


def stopped(settings: Settings, run_id: str) -> bool:
    """Whether the run ended in ``failed`` or ``quarantined``: a late or duplicate task of such
    a run does nothing (:func:`admit` moves a failed run back to ``queued`` to restart it)."""
    state = get_state(settings, run_id)
    return state is not None and state.status in STOPPED


def admit(settings: Settings, run_id: str) -> Admission:
    """Apply the restart policy to a run asked for again and say what it decided: a failed
    run is moved back to ``queued`` (``restart``); nothing changes for an ended run (``ended``)
    or one in progress (``resume``). Read and moved under one lock, so two requests at once
    restart a run once."""
    with run_session(settings) as session:
        run = session.get(Run, run_id, with_for_update=True)
        decision = admission(None if run is None else run.status)
        if decision == "restart":
            move(session, run_id, "queued").finished_at = None  # it runs again
            logger.info("run %s: restarted after failing", run_id)
        return decision


def fail(
    settings: Settings, run_id: str, exc: BaseException, *, kind: str | None = None
) -> RunState | None:
    """Mark the run ``failed`` with the error as reason, unless it already ended (a late
    failure of a duplicate delivery must not undo a stored draft, and a failed run keeps its
    first reason). ``kind`` overrides the error's class name (Celery hands failure hooks a
    rebuilt exception)."""
    state = get_state(settings, run_id)
    if state is None or state.status in ENDED:
        return state
    return mark(settings, run_id, "failed", failure_reason=f"{kind or type(exc).__name__}: {exc}")


def mark(
    settings: Settings,
    run_id: str,
    status: str,
    *,
    failure_reason: str | None = None,
    timings: dict[str, float] | None = None,
    dq_report_id: int | None = None,
) -> RunState:
    """Move the run to ``status`` (audited by the store), merging ``timings`` in seconds.

    Raises TransitionError when the lifecycle does not allow the move.
    """
    with run_session(settings) as session:
        run = move(session, run_id, status, failure_reason=failure_reason, timings=timings)
        if dq_report_id is not None:
            run.dq_report_id = dq_report_id
        logger.info("run %s: %s %s", run_id, status, failure_reason or "")
        return RunState.of(run)


def move(
    session: Session,
    run_id: str,
    status: str,
    *,
    failure_reason: str | None = None,
    timings: dict[str, float] | None = None,
) -> Run:
    """Move the run to ``status`` in ``session`` once :func:`check_transition` allows it (the
    row is locked first on PostgreSQL; SQLite's write session already holds the lock)."""
    run = session.get(Run, run_id, with_for_update=True)
    if run is not None:
        check_transition(run_id, run.status, status)
    return set_run_status(
        session, run_id, status, failure_reason=failure_reason, timings=_rounded(timings)
    )


def _rounded(timings: dict[str, float] | None) -> dict[str, float] | None:
    return None if not timings else {k: round(float(v), 3) for k, v in timings.items()}
