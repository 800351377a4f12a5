"""The audit log for admins: who approved, exported, promoted, changed or was refused what.

Paged and filtered by actor, action (exact, or a prefix ending in ``.``), entity and time;
the same selection streams as CSV for auditors, and every export of the log is itself audited.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from api.csv_export import safe_cell
from api.deps import AdminDep, EngineDep, SessionDep
from api.paging import LimitQuery, OffsetQuery, offset_page
from api.schemas import AuditEventOut, AuditPage, problem_responses
from prospect.store import record_audit
from prospect.store.audit import NEWEST_FIRST, REQUEST_ENTITY, audit_query

router = APIRouter(prefix="/audit", tags=["audit"])
_ERRORS = problem_responses(400, 401, 403, 422)
CSV_COLUMNS = ("id", "at", "actor", "action", "entity", "entity_id", "detail")
_CHUNK = 2_000

ActorQuery = Annotated[str | None, Query(max_length=128, description="Exact actor.")]
ActionQuery = Annotated[
    str | None,
    Query(max_length=64, description="Exact action, or a prefix ending in `.` (`campaign.`)."),
]
EntityQuery = Annotated[str | None, Query(max_length=64, description="Entity (table) name.")]
SinceQuery = Annotated[datetime | None, Query(description="From this time on (inclusive).")]
UntilQuery = Annotated[datetime | None, Query(description="Before this time (exclusive).")]


@router.get("", response_model=AuditPage, responses=_ERRORS)
def list_audit(
    session: SessionDep, caller: AdminDep,
    actor: ActorQuery = None, action: ActionQuery = None, entity: EntityQuery = None,
    since: SinceQuery = None, until: UntilQuery = None,
    limit: LimitQuery = 100, offset: OffsetQuery = 0,
) -> AuditPage:  # fmt: skip
    """Audit rows, newest first."""
    stmt = audit_query(actor=actor, action=action, entity=entity, since=since, until=until)
    total, rows = offset_page(session, stmt, NEWEST_FIRST, limit, offset)
    items = [AuditEventOut.model_validate(r) for r in rows]
    return AuditPage(items=items, total=total, limit=limit, offset=offset)


@router.get(
    ".csv", response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The rows as CSV."}, **_ERRORS},
)  # fmt: skip
def export_audit(
    session: SessionDep, engine: EngineDep, caller: AdminDep,
    actor: ActorQuery = None, action: ActionQuery = None, entity: EntityQuery = None,
    since: SinceQuery = None, until: UntilQuery = None,
) -> StreamingResponse:  # fmt: skip
    """The selected audit rows as CSV, newest first (the export is audited)."""
    filters = {"actor": actor, "action": action, "entity": entity, "since": since,
               "until": until}  # fmt: skip
    shown = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in filters.items()}
    record_audit(session, caller.actor, "audit.exported", REQUEST_ENTITY, "/audit.csv",
                 {"filters": {k: v for k, v in shown.items() if v is not None}})  # fmt: skip
    session.commit()
    body = _stream(engine, **filters)
    headers = {"Content-Disposition": 'attachment; filename="audit-log.csv"'}
    return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers=headers)


def _stream(engine: Engine, **filters: object) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    stmt = audit_query(**filters).order_by(*NEWEST_FIRST)  # type: ignore[arg-type]
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=_CHUNK).execute(stmt)
        for part in result.partitions():
            writer.writerows(_row(r) for r in part)
            yield _pop(buffer)
    yield _pop(buffer)


def _row(row: Any) -> list[object]:
    """One audit row as CSV cells; text escaped, since actors and details come from users."""
    values = [getattr(row, c) for c in CSV_COLUMNS]
    values[1] = values[1].isoformat()
    values[-1] = json.dumps(values[-1], sort_keys=True)
    return [safe_cell(v) for v in values]


def _pop(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
