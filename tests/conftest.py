"""Shared fixtures: public datasets located through one setting, isolated settings per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """``PROSPECT_DATASETS`` or ``../shared/datasets``; tests needing it skip when absent."""
    path = Path(os.environ.get("PROSPECT_DATASETS", REPO.parent / "shared" / "datasets"))
    if not path.is_dir():
        pytest.skip(f"public datasets not found at {path} (set PROSPECT_DATASETS)")
    return path


@pytest.fixture()
def settings(tmp_path, monkeypatch):
    """Settings pointing every path and URL at a fresh temporary data directory."""
    from prospect.settings import get_settings

    monkeypatch.setenv("PROSPECT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PROSPECT_ENVIRONMENT", "test")
    for var in ("PROSPECT_DATABASE_URL", "PROSPECT_BROKER_URL", "PROSPECT_RESULT_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
