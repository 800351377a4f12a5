"""Settings: environment variables win, URLs follow the data folder, production needs a secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from prospect.settings import Settings


def test_every_path_and_url_follows_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PROSPECT_DATA_DIR", str(tmp_path / "data"))
    settings = Settings(_env_file=None)
    root = (tmp_path / "data").resolve()
    assert settings.db_url == f"sqlite:///{root / 'prospect.db'}"
    assert settings.celery_broker_url == f"sqla+sqlite:///{root / 'broker.db'}"
    assert settings.celery_result_backend == f"db+sqlite:///{root / 'results.db'}"
    assert settings.quarantine_dir == tmp_path / "data" / "quarantine"


def test_a_redis_broker_url_also_becomes_the_result_backend(monkeypatch):
    monkeypatch.setenv("PROSPECT_BROKER_URL", "redis://cache:6379/0")
    settings = Settings(_env_file=None)
    assert settings.celery_broker_url == settings.celery_result_backend == "redis://cache:6379/0"


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.setenv("PROSPECT_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="PROSPECT_SECRET_KEY"):
        Settings(_env_file=None)
    monkeypatch.setenv("PROSPECT_SECRET_KEY", "a-real-secret-from-the-vault")
    assert Settings(_env_file=None).secret_key == "a-real-secret-from-the-vault"
