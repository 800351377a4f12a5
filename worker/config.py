"""Worker knobs that only the worker reads (``PROSPECT_WORKER_*``); service URLs and paths come
from :func:`prospect.settings.get_settings`."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkerSettings(BaseSettings):
    """Queue behaviour of the workers; defaults suit a small (2-core) machine."""

    model_config = SettingsConfigDict(
        env_prefix="PROSPECT_WORKER_", env_file=".env", extra="ignore"
    )

    # Redis re-delivers a message whose worker vanished once this many seconds pass without an
    # ack; it must exceed the longest task (a partition of a few 100k users takes well under a
    # minute here). Tests lower it to see a killed worker's task come back quickly.
    visibility_timeout: int = 3600
    partitions: int = 8
    max_tasks_per_child: int = 50
    max_memory_per_child_mib: int = 1536
    max_retries: int = 5
    retry_backoff_max: int = 120
    # Test-only: seconds each partition's scoring task sleeps first, so a test can kill the
    # worker while a run is ``scoring``. Leave at 0 in any real deployment.
    test_score_delay: float = 0.0
