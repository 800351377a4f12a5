"""Data-quality reports: why a batch passed, warned or was quarantined, and what drifted."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import ReviewerDep, SessionDep, SettingsDep
from api.files import artifact_file, artifact_page, read_json
from api.paging import LimitQuery, MonthQuery, OffsetQuery, offset_page
from api.problems import Problem
from api.schemas import (
    DQReportDetail,
    DQReportOut,
    DQReportPage,
    RecordId,
    problem_responses,
)
from prospect.store import DQReport

router = APIRouter(prefix="/reports/data-quality", tags=["reports"])
_ERRORS = problem_responses(401, 403, 404, 422)


def _report(session: Session, report_id: int) -> DQReport:
    row = session.get(DQReport, report_id)
    if row is None:
        raise Problem(404, f"no data-quality report with id {report_id}.")
    return row


@router.get("", response_model=DQReportPage, responses=_ERRORS)
def list_reports(
    session: SessionDep, caller: ReviewerDep,
    month: MonthQuery = None,
    outcome: Literal["pass", "warn", "quarantine"] | None = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> DQReportPage:  # fmt: skip
    """Data-quality reports, newest first."""
    stmt = select(DQReport)
    if month is not None:
        stmt = stmt.where(DQReport.month == month)
    if outcome is not None:
        stmt = stmt.where(DQReport.outcome == outcome)
    total, rows = offset_page(session, stmt, [DQReport.id.desc()], limit, offset)
    items = [DQReportOut.model_validate(r) for r in rows]
    return DQReportPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{report_id}", response_model=DQReportDetail, responses=_ERRORS)
def get_report(
    report_id: RecordId, session: SessionDep, settings: SettingsDep, caller: ReviewerDep
) -> DQReportDetail:
    """The report's full JSON summary (failures with examples, drift, context)."""
    row = _report(session, report_id)
    summary = row.summary
    if row.json_path:
        path = artifact_file(row.json_path, settings.reports_dir, "report JSON")
        summary = read_json(path, "report JSON")
    return DQReportDetail.model_validate({**DQReportOut.model_validate(row).model_dump(),
                                          "summary": summary})  # fmt: skip


@router.get(
    "/{report_id}/html", response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}, **_ERRORS},
)  # fmt: skip
def get_report_html(
    report_id: RecordId, session: SessionDep, settings: SettingsDep, caller: ReviewerDep
) -> HTMLResponse:
    """The report as the HTML page data engineers read."""
    row = _report(session, report_id)
    path = artifact_file(row.html_path, settings.reports_dir, "report HTML")
    return artifact_page(path)
