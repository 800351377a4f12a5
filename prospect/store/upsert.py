"""Portable ``INSERT ... ON CONFLICT`` for the two supported backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, model: type[Any]) -> Any:
    """The backend's own INSERT of ``model``'s table (the one that knows ON CONFLICT)."""
    table: Table = inspect(model).local_table
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"ON CONFLICT inserts support 'sqlite' and 'postgresql'; got {dialect!r}.")


def upsert(
    session: Session,
    model: type[Any],
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``rows`` into ``model``'s table, updating ``update`` columns where ``key`` exists."""
    if not rows:
        return
    stmt = _insert(session, model)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(key), set_={col: stmt.excluded[col] for col in update}
    )
    session.execute(stmt, list(rows))


def insert_new(
    session: Session, model: type[Any], rows: Sequence[dict[str, Any]], *, key: Sequence[str]
) -> None:
    """Insert ``rows`` into ``model``'s table, skipping those whose ``key`` already exists
    (also when a concurrent transaction inserted it first)."""
    if not rows:
        return
    stmt = _insert(session, model).on_conflict_do_nothing(index_elements=list(key))
    session.execute(stmt, list(rows))
