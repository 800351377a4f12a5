"""Monthly runs: an admin starts one (queued for the worker, 202), anyone with a reviewer key
follows its state, timings, failure reason and scorecard stability report."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import (
    AdminDep,
    EngineDep,
    QueueRun,
    QueueRunDep,
    ReviewerDep,
    SessionDep,
    SettingsDep,
)
from api.files import artifact_file, artifact_page, read_json
from api.paging import LimitQuery, MonthQuery, OffsetQuery, offset_page
from api.problems import Problem
from api.schemas import (
    RunAccepted,
    RunOut,
    RunPage,
    RunRequest,
    RunStatus,
    StabilityReport,
    StabilityRow,
    problem_responses,
)
from prospect.exceptions import ProspectError
from prospect.pipeline.exceptions import BatchNotFoundError
from prospect.pipeline.landing import landed_batch
from prospect.pipeline.stability import SUMMARY_KEY, report_paths
from prospect.settings import Settings
from prospect.store import Campaign, Run, record_audit, session_scope
from prospect.store.audit import RUN_ENTITY

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/runs", tags=["runs"])
_ERRORS = problem_responses(401, 403, 404, 422, 503)


@router.post("", status_code=202, response_model=RunAccepted, responses=_ERRORS)
def start_run(
    body: RunRequest, caller: AdminDep, engine: EngineDep, enqueue: QueueRunDep,
    settings: SettingsDep,
) -> RunAccepted:  # fmt: skip
    """Queue the month's run for the worker; answers at once with the run id to poll.

    ``batch`` names a file in the landing folder and nothing else; any other name is a 422
    that does not say whether such a file exists.
    """
    batch = None
    if body.batch is not None:
        try:
            batch = str(landed_batch(settings, body.batch))
        except BatchNotFoundError as exc:
            raise Problem(422, str(exc), slug="run-not-startable") from exc
    run_id = _enqueue(enqueue, body.month, batch, caller.actor)
    with session_scope(engine) as session:
        detail = {"month": body.month, "batch": body.batch, "key_id": caller.key_id}
        record_audit(session, caller.actor, "run.started", RUN_ENTITY, run_id, detail)
    logger.info("key %s started run %s for %s", caller.prefix, run_id, body.month)
    return RunAccepted(run_id=run_id, status_url=f"/api/v1/runs/{run_id}")


def _enqueue(enqueue: QueueRun, month: str, batch: str | None, requested_by: str) -> str:
    from kombu.exceptions import OperationalError

    try:
        return str(enqueue(month, batch, requested_by))
    except (ProspectError, ValueError, FileNotFoundError) as exc:
        raise Problem(422, str(exc), slug="run-not-startable") from exc
    except OperationalError as exc:
        logger.error("broker unreachable while queueing a run: %s", exc)
        raise Problem(503, "the message broker is unreachable; try again later.",
                      slug="queue-unavailable") from exc  # fmt: skip


@router.get("", response_model=RunPage, responses=_ERRORS)
def list_runs(
    session: SessionDep, caller: ReviewerDep,
    month: MonthQuery = None,
    status: RunStatus | None = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> RunPage:  # fmt: skip
    """Runs, newest first."""
    stmt = select(Run)
    if month is not None:
        stmt = stmt.where(Run.month == month)
    if status is not None:
        stmt = stmt.where(Run.status == status)
    total, rows = offset_page(session, stmt, [Run.created_at.desc(), Run.run_id], limit, offset)
    return RunPage(items=_runs_out(session, rows), total=total, limit=limit, offset=offset)


@router.get("/{run_id}", response_model=RunOut, responses=_ERRORS)
def get_run(run_id: str, session: SessionDep, caller: ReviewerDep) -> RunOut:
    """One run: state, timings per stage, scorecard stability and, when it failed, why."""
    return _runs_out(session, [_run(session, run_id)])[0]


@router.get("/{run_id}/stability", response_model=StabilityReport, responses=_ERRORS)
def get_stability(
    run_id: str, session: SessionDep, settings: SettingsDep, caller: ReviewerDep
) -> StabilityReport:
    """The run's scorecard stability report: PSI of the score and of every scorecard feature
    against the model bundle's training data, worst first."""
    path = _stability_file(session, settings, run_id, "json")
    return StabilityReport.model_validate(read_json(path, "stability report"))


@router.get(
    "/{run_id}/stability/html", response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}, **_ERRORS},
)  # fmt: skip
def get_stability_html(
    run_id: str, session: SessionDep, settings: SettingsDep, caller: ReviewerDep
) -> HTMLResponse:
    """The stability report as an HTML page (shifted variables highlighted)."""
    path = _stability_file(session, settings, run_id, "html")
    return artifact_page(path)


def _run(session: Session, run_id: str) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise Problem(404, f"no run with id {run_id!r}.")
    return run


def _stability_file(session: Session, settings: Settings, run_id: str, kind: str) -> Path:
    path = report_paths(settings, _run(session, run_id).run_id)[kind]
    if not path.is_file():
        raise Problem(404, f"run {run_id!r} has no stability report: it has not reached "
                      "selection, or its model bundle has no stability profile.",
                      slug="file-not-found")  # fmt: skip
    return artifact_file(path, settings.reports_dir, "stability report")


def _runs_out(session: Session, runs: Sequence[Run]) -> list[RunOut]:
    """The runs with the stability headline their campaign summary holds."""
    ids = [r.run_id for r in runs]
    stmt = select(Campaign.run_id, Campaign.summary).where(Campaign.run_id.in_(ids))
    summaries: dict[str, Any] = dict(session.execute(stmt).tuples().all())
    return [RunOut.model_validate(r).model_copy(update=_stability(summaries.get(r.run_id)))
            for r in runs]  # fmt: skip


def _stability(summary: dict[str, Any] | None) -> dict[str, Any]:
    head = (summary or {}).get(SUMMARY_KEY)
    if not isinstance(head, dict):
        return {}
    return {
        "score_psi": head.get("score_psi"),
        "stability_status": head.get("status"),
        "stability_features": [StabilityRow.model_validate(f) for f in head["top_features"]],
    }
