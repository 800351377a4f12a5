"""REST API under load on loopback: CSV export of a 1,000,000-target approved campaign, and
cursor-page latency, against a real ``prospect serve`` (uvicorn) process.

Export: wall time (median of 3) and the server process's memory (VmHWM, VmRSS from /proc):
a streamed export should grow the server by a constant, not by the list. Peer, same run: the
usual non-streaming export, ``pandas.read_sql_query`` + ``DataFrame.to_csv`` of the same rows
in a fresh process (its time and peak RSS). Paging: p50/p95 latency of 200 pages of 100
targets, 100 from the top of the list and 100 from rank 900,000 (keyset paging should not
slow down with depth). Run: ``python -m bench.bench_api``; it stops by itself.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import figure, median_seconds, peak_rss_mib, write_result

N_TARGETS = 1_000_000
EXPORT_REPEATS = 3
PAGES_PER_WALK = 100
PAGE_SIZE = 100
DEEP_RANK = 900_000
TARGET_EXPORT_SECONDS = 60.0
TARGET_RSS_GROWTH_MIB = 100.0
TARGET_P95_MS = 100.0


def seed(data_dir: Path) -> tuple[int, str, int]:
    """Campaign id, a viewer key, and the target id at :data:`DEEP_RANK`."""
    from sqlalchemy import select

    from bench.bench_store import targets_frame
    from prospect.settings import get_settings
    from prospect.store import (
        Target,
        create_api_key,
        get_or_create_run,
        make_engine,
        review_campaign,
        save_campaign,
        session_scope,
        upgrade,
    )  # fmt: skip

    os.environ["PROSPECT_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    url = get_settings().db_url
    upgrade(url)
    engine = make_engine(url)
    fields = {"month": "2026-10", "batch_path": "b", "batch_checksum": "c", "model_version": "m",
              "config_hash": "h"}  # fmt: skip
    with session_scope(engine) as session:
        get_or_create_run(session, "bench-run", fields)
        campaign = save_campaign(session, "bench-run",
                                 {"month": "2026-10", "name": "bench", "model_version": "m"},
                                 targets_frame(N_TARGETS))  # fmt: skip
        review_campaign(session, campaign.id, decision="approved", actor="bench")
        _row, key = create_api_key(session, name="bench", role="viewer", created_by="bench")
        deep_id = session.scalar(select(Target.id).where(Target.campaign_id == campaign.id,
                                                         Target.rank == DEEP_RANK))  # fmt: skip
    engine.dispose()
    return int(campaign.id), key, int(deep_id or 0)


def start_server(data_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PROSPECT_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-c", "from prospect.cli import app; app()", "serve",
               "--port", str(port)]  # fmt: skip
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"{base}/api/v1/health", timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-2000:]}")


def proc_mib(pid: int, field: str) -> float:
    """``VmRSS`` or ``VmHWM`` (peak) of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def export(base: str, key: str, campaign_id: int) -> int:
    """Stream the CSV and count its lines without keeping it."""
    lines = 0
    headers = {"Authorization": f"Bearer {key}"}
    url = f"{base}/api/v1/campaigns/{campaign_id}/targets.csv"
    with httpx.stream("GET", url, headers=headers, timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            lines += chunk.count(b"\n")
    return lines


def page_latencies(base: str, key: str, campaign_id: int, cursor: str | None) -> list[float]:
    """Milliseconds per page for :data:`PAGES_PER_WALK` pages following ``next_cursor``."""
    out = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as http:
        for _ in range(PAGES_PER_WALK):
            params: dict[str, Any] = {"limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
            start = time.perf_counter()
            body = http.get(f"/api/v1/campaigns/{campaign_id}/targets", params=params).json()
            out.append((time.perf_counter() - start) * 1000)
            cursor = body["next_cursor"]
    return out


def peer_export(db_url: str, campaign_id: int) -> dict[str, float]:
    """Run in a fresh process: the non-streaming export (read everything, then write CSV)."""
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    start = time.perf_counter()
    sql = ("SELECT user_id, msisdn, rank, persona, p_demand, pd, score_points, expected_value, "
           f"is_control, why FROM targets WHERE campaign_id = {int(campaign_id)} "
           "AND is_control = 0 ORDER BY rank, id")  # fmt: skip
    frame = pd.read_sql_query(sql, engine)
    text = frame.to_csv(index=False)
    return {"seconds": time.perf_counter() - start, "peak_rss_mib": peak_rss_mib(),
            "lines": text.count("\n")}  # fmt: skip


def run_peer(db_url: str, campaign_id: int) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.bench_api", "--peer", db_url, str(campaign_id)]
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench_api_") as tmp:
        data_dir = Path(tmp) / "var"
        t0 = time.perf_counter()
        campaign_id, key, deep_id = seed(data_dir)
        seed_s = time.perf_counter() - t0
        process, base = start_server(data_dir, Path(tmp) / "server.log")
        try:
            idle_rss = proc_mib(process.pid, "VmRSS")
            export_s, lines = median_seconds(lambda: export(base, key, campaign_id),
                                             EXPORT_REPEATS)  # fmt: skip
            peak = proc_mib(process.pid, "VmHWM")
            from api.targets import encode_cursor

            top = page_latencies(base, key, campaign_id, None)
            deep = page_latencies(base, key, campaign_id,
                                  encode_cursor(campaign_id, DEEP_RANK, deep_id))  # fmt: skip
        finally:
            process.terminate()
            process.wait(timeout=30)
        from prospect.settings import get_settings

        peer = run_peer(get_settings().db_url, campaign_id)
    report(export_s, lines, idle_rss, peak, top, deep, peer, seed_s)


def _pct(values: list[float], q: float) -> float:
    return float(statistics.quantiles(values, n=100, method="inclusive")[q - 1])


def report(export_s: float, lines: int, idle: float, peak: float, top: list[float],
           deep: list[float], peer: dict[str, float], seed_s: float) -> None:  # fmt: skip
    growth = peak - idle
    pages = top + deep
    p50, p95 = _pct(pages, 50), _pct(pages, 95)
    figures = [
        figure("csv_export_1m_seconds", round(export_s, 2), "s",
               target=f"< {TARGET_EXPORT_SECONDS:.0f} s", met=export_s < TARGET_EXPORT_SECONDS,
               peer="pandas read_sql + to_csv (in memory)",
               peer_value=round(peer["seconds"], 2), higher_is_better=False),
        figure("csv_export_server_peak_rss_mib", round(peak, 1), "MiB",
               peer="pandas read_sql + to_csv (in memory)",
               peer_value=round(peer["peak_rss_mib"], 1), higher_is_better=False),
        figure("csv_export_server_rss_growth_mib", round(growth, 1), "MiB",
               target=f"< {TARGET_RSS_GROWTH_MIB:.0f} MiB (constant memory)",
               met=growth < TARGET_RSS_GROWTH_MIB, higher_is_better=False),
        figure("cursor_page_p50_ms", round(p50, 2), "ms", higher_is_better=False),
        figure("cursor_page_p95_ms", round(p95, 2), "ms", target=f"< {TARGET_P95_MS:.0f} ms",
               met=p95 < TARGET_P95_MS, higher_is_better=False),
    ]  # fmt: skip
    details = {
        "n_targets": N_TARGETS, "csv_lines_incl_header": lines, "export_repeats": EXPORT_REPEATS,
        "server_idle_rss_mib": round(idle, 1), "pages": len(pages), "page_size": PAGE_SIZE,
        "p50_top_ms": round(_pct(top, 50), 2), "p50_deep_ms": round(_pct(deep, 50), 2),
        "p95_top_ms": round(_pct(top, 95), 2), "p95_deep_ms": round(_pct(deep, 95), 2),
        "peer_lines": peer["lines"], "seed_seconds": round(seed_s, 1), "database": "sqlite",
        "note": "2 cores shared with other engineers' jobs: timings are noisy",
    }  # fmt: skip
    path = write_result("api", figures, details)
    print(json.dumps({"figures": figures, "details": details}, indent=1))
    print(f"written {path}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--peer":
        print(json.dumps(peer_export(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
