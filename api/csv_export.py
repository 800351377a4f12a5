"""Streaming CSV export of a campaign's targets in constant memory.

Rows come from the database ``yield_per`` at a time (a server-side cursor on PostgreSQL) and
leave as CSV text chunk by chunk, so a million-row list never sits in memory. Text cells that
a spreadsheet would run as a formula are escaped with a leading apostrophe (OWASP advice); a
formula is what the data gate calls one (:func:`validation.formula.is_formula`: ``= + - @``
after any blanks, newlines or no-break spaces), plus cells opening with a tab or carriage
return.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, Select, Text, cast, select

from prospect import policy
from prospect.store import Target
from validation.formula import is_formula

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5_000
_CONTROL_STARTS = ("\t", "\r")
_TEXT_FIELDS = frozenset({"user_id", "msisdn", "persona", "why"})


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never evaluates (``=cmd()`` -> ``'=cmd()``).

    The cell-at-a-time form of :func:`column_cells`.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and _unsafe(value):
        return "'" + value
    return value


def _unsafe(text: str) -> bool:
    return is_formula(text) or text.startswith(_CONTROL_STARTS)


def export_query(campaign_id: int, fields: Sequence[str], *, include_control: bool) -> Select[Any]:
    """The export's rows in rank order; ``why`` comes as its stored JSON text, not parsed."""
    columns = [cast(Target.why, Text) if f == "why" else getattr(Target, f) for f in fields]
    stmt = select(*columns).where(Target.campaign_id == campaign_id)
    if not include_control:
        stmt = stmt.where(Target.is_control.is_(False))
    return stmt.order_by(Target.rank, Target.id)


def column_cells(
    name: str, values: Sequence[Any], *, sees_pii: bool, personal: frozenset[str]
) -> Sequence[Any]:
    """One column of a chunk as CSV cells: ``personal`` columns masked unless ``sees_pii``,
    text escaped, booleans spelled out.

    Column-wise so the numbers, most of the cells, pass through untouched.
    """
    if name in personal and not sees_pii:
        values = [policy.mask(v) for v in values]
    if name == "is_control":
        return ["true" if v else "false" for v in values]
    if name in _TEXT_FIELDS:
        return ["'" + v if v and _unsafe(v) else v for v in values]
    return values


def stream_targets_csv(
    engine: Engine, campaign_id: int, fields: Sequence[str], *, include_control: bool,
    sees_pii: bool, personal: frozenset[str], chunk_rows: int = CHUNK_ROWS,
    constant: Mapping[str, str] | None = None,
) -> Iterator[str]:  # fmt: skip
    """CSV text of a campaign's targets in rank order: the header, then ``chunk_rows`` a chunk.

    Opens its own connection, since the response is streamed after the handler has returned.
    ``constant`` columns (name -> value) follow the fields with one value on every row.
    """
    extra = dict(constant or {})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*fields, *extra])
    yield _drain(buffer)
    stmt = export_query(campaign_id, fields, include_control=include_control)
    n_rows = 0
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=chunk_rows).execute(stmt)
        for part in result.partitions():
            columns = zip(fields, zip(*part, strict=True), strict=True)
            cells = [column_cells(f, c, sees_pii=sees_pii, personal=personal) for f, c in columns]
            cells += [[value] * len(part) for value in extra.values()]
            writer.writerows(zip(*cells, strict=True))
            n_rows += len(part)
            yield _drain(buffer)
    logger.info("exported %d targets of campaign %s as CSV", n_rows, campaign_id)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
