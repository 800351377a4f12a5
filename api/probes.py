"""Reachability probes for the health endpoint, each bounded by a short timeout."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1.0


def probe_database(engine: Engine) -> tuple[bool, str]:
    """Whether the database answers and carries the schema (its Alembic revision)."""
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        logger.warning("database probe failed: %s", type(exc).__name__)
        return False, f"database unreachable or not migrated ({type(exc).__name__})"
    return True, f"schema revision {revision}"


def probe_broker(url: str) -> tuple[bool, str]:
    """Whether the Celery broker at ``url`` can take a task now."""
    try:
        if url.startswith("sqla+sqlite:///"):
            return _sqlite_broker(Path(url.removeprefix("sqla+sqlite:///")))
        if url.startswith(("redis://", "rediss://")):
            return _redis_broker(url)
        return _kombu_broker(url)
    except Exception as exc:  # any failure to reach the broker means "down", never a 500
        logger.warning("broker probe failed: %s", type(exc).__name__)
        return False, f"broker unreachable ({type(exc).__name__})"


def _sqlite_broker(path: Path) -> tuple[bool, str]:
    """The SQLite broker file answers a read; if absent, its folder can take it."""
    if not path.exists():
        if path.parent.is_dir() and os.access(path.parent, os.W_OK):
            return True, "sqlite broker file will be created by the first task"
        return False, "sqlite broker folder is missing or not writable"
    uri = f"{path.resolve().as_uri().replace('file://', 'file:', 1)}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, timeout=TIMEOUT_SECONDS)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()
    return True, "sqlite broker file readable"


def _redis_broker(url: str) -> tuple[bool, str]:
    import redis

    client = redis.Redis.from_url(
        url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()
    return True, "redis answered PING"


def _kombu_broker(url: str) -> tuple[bool, str]:
    from kombu import Connection

    with Connection(url, connect_timeout=TIMEOUT_SECONDS) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=TIMEOUT_SECONDS)
    return True, "broker connection opened"
