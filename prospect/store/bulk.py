"""Fast bulk inserts of plain tuples inside the session's transaction.

At a million rows the per-row work of an ORM or Core ``executemany`` dominates, so rows go
straight to the driver: ``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3), the driver's
``executemany`` on SQLite. Values must already be plain Python (str, int, float, bool, None;
JSON columns as serialised strings).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples ordered as ``columns``) into ``table`` in the current transaction."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql" and connection.dialect.driver == "psycopg":
        _copy(connection.connection.dbapi_connection, table, columns, rows)
    elif dialect == "sqlite":
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
        connection.exec_driver_sql(sql, list(rows))
    else:
        raise ValueError(
            f"bulk_insert supports sqlite and postgresql+psycopg; got {dialect}+"
            f"{connection.dialect.driver}."
        )


def _copy(
    dbapi_connection: Any, table: Table, columns: Sequence[str], rows: Sequence[tuple]
) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'COPY "{table.name}" ({names}) FROM STDIN'
    try:
        with dbapi_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:
        # Same exception classes as any other statement (IntegrityError for a duplicate...).
        raise DBAPIError.instance(sql, None, exc, psycopg.Error) from exc
