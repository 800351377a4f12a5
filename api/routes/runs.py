"""Monthly runs: an admin starts one (queued for the worker, 202), anyone with a reviewer key
follows its state, timings and failure reason."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.deps import AdminDep, EngineDep, EnqueueDep, EnqueueRun, ReviewerDep, SessionDep
from api.paging import offset_page
from api.problems import Problem
from api.schemas import (
    MONTH_PATTERN,
    RunAccepted,
    RunOut,
    RunPage,
    RunRequest,
    RunStatus,
    problem_responses,
)
from prospect.exceptions import ProspectError
from prospect.store import Run, record_audit, session_scope

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/runs", tags=["runs"])
_ERRORS = problem_responses(401, 403, 404, 422, 503)


@router.post("", status_code=202, response_model=RunAccepted, responses=_ERRORS)
def start_run(
    body: RunRequest, caller: AdminDep, engine: EngineDep, enqueue: EnqueueDep
) -> RunAccepted:
    """Queue the month's run for the worker; answers at once with the run id to poll."""
    run_id = _enqueue(enqueue, body, caller.actor)
    with session_scope(engine) as session:
        detail = {"month": body.month, "batch": body.batch, "key_id": caller.key_id}
        record_audit(session, caller.actor, "run.started", "runs", run_id, detail)
    logger.info("key %s started run %s for %s", caller.prefix, run_id, body.month)
    return RunAccepted(run_id=run_id, status_url=f"/api/v1/runs/{run_id}")


def _enqueue(enqueue: EnqueueRun, body: RunRequest, requested_by: str) -> str:
    from kombu.exceptions import OperationalError

    try:
        return str(enqueue(body.month, body.batch, requested_by))
    except (ProspectError, ValueError, FileNotFoundError) as exc:
        raise Problem(422, str(exc), slug="run-not-startable") from exc
    except OperationalError as exc:
        logger.error("broker unreachable while queueing a run: %s", exc)
        raise Problem(503, "the message broker is unreachable; try again later.",
                      slug="queue-unavailable") from exc  # fmt: skip


@router.get("", response_model=RunPage, responses=_ERRORS)
def list_runs(
    session: SessionDep, caller: ReviewerDep,
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    status: RunStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> RunPage:  # fmt: skip
    """Runs, newest first."""
    stmt = select(Run)
    if month is not None:
        stmt = stmt.where(Run.month == month)
    if status is not None:
        stmt = stmt.where(Run.status == status)
    total, rows = offset_page(session, stmt, [Run.created_at.desc(), Run.run_id], limit, offset)
    items = [RunOut.model_validate(r) for r in rows]
    return RunPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{run_id}", response_model=RunOut, responses=_ERRORS)
def get_run(run_id: str, session: SessionDep, caller: ReviewerDep) -> RunOut:
    """One run: state, timings per stage and, when it failed, why."""
    run = session.get(Run, run_id)
    if run is None:
        raise Problem(404, f"no run with id {run_id!r}.")
    return RunOut.model_validate(run)
