"""What every entry point does before it opens the database: bring it to the latest schema.

The entry points are ``prospect db upgrade``, the CLI commands that open the database, the
API at start and a worker at start; they all call :func:`prepare_database`. Library code
never migrates: it checks (:func:`prospect.store.db.require_schema`) and names the command
to run when the schema is behind.
"""

from __future__ import annotations

import logging

from prospect.settings import Settings, get_settings
from prospect.store import upgrade


def prepare_database(settings: Settings | None = None) -> Settings:
    """Create the data folder and upgrade the database to the latest migration; returns the
    settings used. Safe when several processes start at once (see
    :func:`prospect.store.upgrade`); raises SchemaNotCurrentError when the database is newer
    than this code, and SQLAlchemy's OperationalError when it is unreachable."""
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Alembic narrates every run at INFO; the store logs an upgrade that changed something.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    upgrade(settings.db_url)
    return settings
