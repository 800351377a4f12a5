"""One settings object for every entry point: ``PROSPECT_*`` environment variables or ``.env``.

Reach it through :func:`get_settings` (cached) so tests can override it by clearing the cache.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PositiveFloat, PositiveInt, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "dev-only-change-me"
SELECTION_FAN_IN = 16


class Settings(BaseSettings):
    """Paths, service URLs and policy knobs; derived URLs default to files under ``data_dir``."""

    model_config = SettingsConfigDict(env_prefix="PROSPECT_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = None
    broker_url: str | None = None
    result_backend: str | None = None
    datasets_dir: Path = Path("../shared/datasets")
    secret_key: str = PLACEHOLDER_SECRET
    seed: int = 0
    schedule_cron: str = "0 3 2 * *"
    api_max_body_bytes: int = 1_000_000
    # Shortlists one selection task reduces at a time (the merge tree's fan-in): higher, fewer
    # tasks each reading more; a run keeps the value it was planned with.
    selection_fan_in: Annotated[int, Field(ge=2)] = SELECTION_FAN_IN
    # Review-page logins: seconds from login to the end (absolute) and of inactivity allowed.
    session_max_age: PositiveInt = 8 * 3600
    session_idle_timeout: PositiveInt = 30 * 60
    # Review-page login throttling: failures that lock a username / a client, and for how long.
    login_max_failures: PositiveInt = 5
    login_max_client_failures: PositiveInt = 20
    login_lockout_seconds: PositiveInt = 15 * 60
    # Early warning: rules config (None: the packaged default) and the bank's webhook. Without
    # a URL, alerts are still raised and listed; nothing is pushed.
    early_warning_config: Path | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_timeout: PositiveFloat = 10.0
    webhook_max_attempts: PositiveInt = 6
    webhook_backoff: PositiveFloat = 30.0  # seconds before the first retry; doubles each time

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError(
                "secret_key is the development placeholder; set PROSPECT_SECRET_KEY in production"
            )
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(
                "webhook_url is set without webhook_secret; set PROSPECT_WEBHOOK_SECRET"
            )
        return self

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'prospect.db'}"

    @property
    def celery_broker_url(self) -> str:
        return self.broker_url or f"sqla+sqlite:///{self.data_dir.resolve() / 'broker.db'}"

    @property
    def celery_result_backend(self) -> str:
        if self.result_backend:
            return self.result_backend
        if self.broker_url and self.broker_url.startswith("redis"):
            return self.broker_url
        return f"db+sqlite:///{self.data_dir.resolve() / 'results.db'}"

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def models_dir(self) -> Path:
        return self.artifacts_dir / "models"

    @property
    def reports_dir(self) -> Path:
        return self.artifacts_dir / "reports"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
