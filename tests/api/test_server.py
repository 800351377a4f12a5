"""The API served by ``prospect serve`` (uvicorn) on loopback, spoken to over real TCP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import bearer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def server(api_settings, db_with_campaigns, tmp_path) -> Iterator[str]:
    """Base URL of a ``prospect serve`` process on the test database (env from ``settings``)."""
    port = _free_port()
    command = [sys.executable, "-c", "from prospect.cli import app; app()",
               "serve", "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            httpx.get(f"{base}/api/v1/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise TimeoutError(f"server at {base} did not answer within 30 s")


def test_served_api_pages_and_exports_over_tcp(server, db_with_campaigns, viewer_key):
    cid = db_with_campaigns["approved"]
    with httpx.Client(base_url=server, headers=bearer(viewer_key), timeout=10) as http:
        page = http.get(f"/api/v1/campaigns/{cid}/targets", params={"fields": "rank", "limit": 3})
        assert page.json()["items"] == [{"rank": 1}, {"rank": 2}, {"rank": 4}]
        with http.stream("GET", f"/api/v1/campaigns/{cid}/targets.csv") as export:
            lines = [line for line in export.iter_lines() if line]
        assert export.headers.get("transfer-encoding") == "chunked"
        assert len(lines) == 1 + 5 and lines[1].startswith("u001,138****0001,1,")
        anonymous = httpx.get(f"{server}/api/v1/campaigns", timeout=10)
        assert anonymous.status_code == 401
