"""Real components for the worker tests: a redis-server, Celery worker processes, a small
trained bundle, and a data folder they share with the test process.

Redis comes from ``PROSPECT_TEST_REDIS_URL`` (``scripts/services.sh redis``); without it a
redis-server binary on the PATH is started on a free port. Tests skip only when neither works.
Every spawned process is killed in teardown.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from prospect.cli.run_commands import worker_command
from prospect.pipeline.lifecycle import ENDED
from tests.worker.helpers import install_bundle, train_small_bundle

REPO = Path(__file__).resolve().parents[2]
REDIS_ENV = "PROSPECT_TEST_REDIS_URL"


def _ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A reachable Redis, emptied; started here when the environment names none."""
    import redis

    url, process = os.environ.get(REDIS_ENV), None
    if not url or not _ping(url):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip(
                f"redis tests skipped: {REDIS_ENV} is unreachable and no redis-server "
                "binary is installed (run `scripts/services.sh redis`)"
            )
        port, folder = _free_port(), tmp_path_factory.mktemp("redis")
        process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--dir",
                str(folder),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        while not _ping(url):
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.skip(f"redis tests skipped: redis-server did not start on port {port}")
            time.sleep(0.1)
    redis.Redis.from_url(url).flushdb()
    yield url
    if process is not None:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def worker_bundle(tmp_path_factory) -> Path:
    return train_small_bundle(tmp_path_factory.mktemp("worker_bundle"))


@pytest.fixture()
def data_env(tmp_path, monkeypatch, worker_bundle) -> Callable[[str], dict[str, str]]:
    """``use(broker_url, visibility_timeout)``: points this process and future workers at a
    fresh data folder on ``broker_url`` with the small bundle promoted; returns the workers'
    environment. A short ``visibility_timeout`` makes Redis re-deliver a killed worker's task
    within seconds."""
    from prospect.settings import get_settings
    from prospect.startup import prepare_database

    def use(broker_url: str, visibility_timeout: int = 120) -> dict[str, str]:
        env = {
            "PROSPECT_DATA_DIR": str(tmp_path / "var"),
            "PROSPECT_ENVIRONMENT": "test",
            "PROSPECT_BROKER_URL": broker_url,
            "PROSPECT_WORKER_PARTITIONS": "4",
            # 4 shortlists, fan-in 3: two merge tasks before selection (the tree at work).
            "PROSPECT_SELECTION_FAN_IN": "3",
            "PROSPECT_WORKER_VISIBILITY_TIMEOUT": str(visibility_timeout),
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        for key in ("PROSPECT_DATABASE_URL", "PROSPECT_RESULT_BACKEND"):
            monkeypatch.delenv(key, raising=False)
        get_settings.cache_clear()
        prepare_database(get_settings())  # as `prospect run` does before queueing
        install_bundle(worker_bundle, get_settings())
        return env

    yield use
    get_settings.cache_clear()


@pytest.fixture()
def start_worker() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """``start(env, **extra_env)``: a real ``celery worker`` process (own process group)."""
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str], **extra: str) -> subprocess.Popen[bytes]:
        command = worker_command(name=f"test-{uuid.uuid4().hex[:8]}@%h")
        process = subprocess.Popen(
            command, cwd=REPO, env={**os.environ, **env, **extra}, start_new_session=True
        )
        started.append(process)
        return process

    yield start
    for process in started:
        kill(process)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and everything it forked (no shutdown, no acks)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def wait_for(run_id: str, statuses: tuple[str, ...] = ENDED, timeout: float = 300) -> str:
    """Poll the runs table until the run reaches one of ``statuses``; its status."""
    from prospect.pipeline import get_state
    from prospect.settings import get_settings

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = get_state(get_settings(), run_id)
        if state is not None and state.status in statuses:
            return state.status
        time.sleep(0.5)
    state = get_state(get_settings(), run_id)
    raise AssertionError(f"run {run_id} still {state.status if state else None} after {timeout} s")
