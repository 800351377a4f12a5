"""Offset pagination for list endpoints: the query parameters every listing takes, the total
before paging, then one page of rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.schemas import MONTH_PATTERN

LimitQuery = Annotated[int, Query(ge=1, le=500)]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000)]
MonthQuery = Annotated[str | None, Query(pattern=MONTH_PATTERN)]


def offset_page(
    session: Session, stmt: Select[Any], order_by: Sequence[Any], limit: int, offset: int
) -> tuple[int, list[Any]]:
    """``(total, rows)``: how many rows ``stmt`` matches, and the page asked for, in order."""
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(*order_by).limit(limit).offset(offset)).all()
    return total, list(rows)
