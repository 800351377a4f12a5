"""Offset pagination for list endpoints: the total before paging, then one page of rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def offset_page(
    session: Session, stmt: Select[Any], order_by: Sequence[Any], limit: int, offset: int
) -> tuple[int, list[Any]]:
    """``(total, rows)``: how many rows ``stmt`` matches, and the page asked for, in order."""
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(*order_by).limit(limit).offset(offset)).all()
    return total, list(rows)
