"""Portable ``INSERT ... ON CONFLICT DO UPDATE`` for the two supported backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


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
    table: Table = inspect(model).local_table
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:
        raise ValueError(f"upsert supports 'sqlite' and 'postgresql' databases; got {dialect!r}.")
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
    table: Table = inspect(model).local_table
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:
        raise ValueError(f"insert_new supports 'sqlite' and 'postgresql'; got {dialect!r}.")
    session.execute(stmt.on_conflict_do_nothing(index_elements=list(key)), list(rows))
