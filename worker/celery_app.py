"""The one Celery app, configured from the settings.

Embedded by default (SQLite broker ``sqla+sqlite://`` and SQLite result backend under the data
folder: nothing to start); Redis in production by setting ``PROSPECT_BROKER_URL=redis://...``
(the result backend follows it). Start a worker with ``prospect worker`` or
``celery -A worker.celery_app worker``.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import worker_init
from sqlalchemy.exc import SQLAlchemyError

from prospect.settings import Settings, get_settings
from prospect.startup import prepare_database
from prospect.store.exceptions import SchemaNotCurrentError
from worker.beat import beat_schedule
from worker.config import WorkerSettings

QUEUE = "prospect"
logger = logging.getLogger(__name__)


def make_celery(settings: Settings | None = None, knobs: WorkerSettings | None = None) -> Celery:
    """A Celery app on the settings' broker and result backend, with run-safe defaults.

    Tasks ack late (on their own) and are re-queued when their worker process dies; one task
    is prefetched at a time because every task is long; children are recycled so a long-lived
    worker's memory stays bounded.
    """
    settings = settings or get_settings()
    knobs = knobs or WorkerSettings()
    app = Celery(
        "prospect",
        broker=settings.celery_broker_url,
        backend=settings.celery_result_backend,
        include=["worker.tasks"],
    )
    app.conf.update(
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,  # a run's state lives in the runs table, not in results
        result_expires=7 * 24 * 3600,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=knobs.max_tasks_per_child,
        worker_max_memory_per_child=knobs.max_memory_per_child_mib * 1024,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule(settings.schedule_cron),
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
    )
    if settings.celery_broker_url.startswith(("redis://", "rediss://")):
        # Only Redis reads these: kombu's SQLAlchemy transport passes its options to
        # create_engine, and it never re-delivers a message a killed worker had taken.
        app.conf.broker_transport_options = {"visibility_timeout": knobs.visibility_timeout}
    if settings.celery_result_backend.startswith(("redis://", "rediss://")):
        app.conf.result_backend_transport_options = {"visibility_timeout": knobs.visibility_timeout}
    return app


@worker_init.connect
def _prepare_database(**_: Any) -> None:
    """A worker brings the database to the latest schema when it starts, as the API does (its
    tasks only check it); one it cannot reach yet is left to the tasks' retries."""
    try:
        prepare_database(get_settings())
    except SQLAlchemyError as exc:
        logger.error("database schema upgrade failed at worker start: %s", type(exc).__name__)
    except SchemaNotCurrentError as exc:
        logger.error("%s", exc)


app = make_celery()
