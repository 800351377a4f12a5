"""The FastAPI application: ``/api/v1`` for CRM and channel systems, ``/review`` for people.

:func:`create_app` builds a fresh app around one settings object and one database engine, so
tests and the CLI's ``prospect serve`` get the same app on different databases.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError

from api.problems import BodySizeLimit, install_problem_handlers
from api.routes import (
    alerts,
    audit,
    campaigns,
    health,
    models,
    outcomes,
    personas,
    reports,
    runs,
    suppression,
)
from api.schemas import PROBLEM_MEDIA_TYPE
from prospect.settings import Settings, get_settings
from prospect.startup import prepare_database
from prospect.store import make_engine
from prospect.store.exceptions import SchemaNotCurrentError

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
STATIC_DIR = Path(__file__).resolve().parent / "static"
_ROUTERS = (
    campaigns,
    outcomes,
    runs,
    reports,
    personas,
    models,
    suppression,
    alerts,
    audit,
    health,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new application on ``settings`` (by default :func:`~prospect.settings.get_settings`).

    The database is migrated to the current schema when the app starts serving.
    """
    settings = settings or get_settings()
    app = FastAPI(
        title="prospect",
        version="1.0.0",
        summary="Approved credit-card target lists, runs, data-quality reports and models.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.db_url)
    api = APIRouter(prefix=API_PREFIX)
    for module in _ROUTERS:
        api.include_router(module.router)
    app.include_router(api)
    _include_review(app)
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes)
    app.openapi = partial(_openapi, app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with error bodies documented as ``application/problem+json`` only."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                             routes=app.routes)  # fmt: skip
        for path in schema["paths"].values():
            for operation in path.values():
                for response in operation.get("responses", {}).values():
                    _problem_content(response.get("content", {}))
        app.openapi_schema = schema
    return app.openapi_schema


def _problem_content(content: dict[str, Any]) -> None:
    """Move the schema FastAPI put under the route's media type to the problem media type."""
    if PROBLEM_MEDIA_TYPE not in content:
        return
    others = [content.pop(k) for k in list(content) if k != PROBLEM_MEDIA_TYPE]
    content[PROBLEM_MEDIA_TYPE] = next((o for o in others if "schema" in o), {})


def _include_review(app: FastAPI) -> None:
    """Mount the review page and its static files when that part is installed."""
    try:
        from api.routes import review
    except ImportError:
        logger.info("review page not installed; serving the REST API only")
        return
    from api.routes import review_alerts

    app.include_router(review.router)
    app.include_router(review_alerts.router)
    if STATIC_DIR.is_dir():
        app.mount("/static", SafeStaticFiles(directory=STATIC_DIR), name="static")


class SafeStaticFiles(StaticFiles):
    """Static files that answer 404, not 500, for a path the file system cannot hold (NUL)."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if "\x00" in path:
            return "", None
        return super().lookup_path(path)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    try:
        prepare_database(settings)
    except SQLAlchemyError as exc:
        # Keep serving: /health reports the database as down until it is reachable.
        logger.error("database schema upgrade failed at start-up: %s", type(exc).__name__)
    except SchemaNotCurrentError as exc:
        logger.error("%s", exc)
    yield
    app.state.engine.dispose()
