"""Shared benchmark plumbing: median timings, peak memory in a child process, result files.

Every benchmark writes ``bench/results/<name>.json`` through :func:`write_result`; the report
builder reads those files, so figures are never copied by hand.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LIBRARIES = (
    "numpy", "pandas", "scikit-learn", "imbalanced-learn", "xgboost-cpu", "kmodes",
    "great-expectations", "optbinning", "celery", "fastapi", "SQLAlchemy", "scipy",
)  # fmt: skip


def library_versions() -> dict[str, str]:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def datasets_dir() -> Path:
    """The public datasets folder (``PROSPECT_DATASETS``, default ``../shared/datasets``)."""
    default = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
    return Path(os.environ.get("PROSPECT_DATASETS", default))


def median_seconds(fn: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    """Median wall time of ``repeats`` calls, and the last call's return value."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB); run a measured step in a fresh
    process (``python -m bench.x --step``) to read one step's peak alone."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    target: str | None = None,
    met: bool | None = None,
    peer: str | None = None,
    peer_value: float | None = None,
    higher_is_better: bool = True,
) -> dict[str, Any]:
    """One row of the report: our figure, its target and the peer measured in the same run."""
    row: dict[str, Any] = {"name": name, "value": value, "unit": unit, "target": target, "met": met}
    if peer is not None:
        row.update(peer=peer, peer_value=peer_value)
        if peer_value:
            ratio = value / peer_value if higher_is_better else peer_value / value
            row["ratio_vs_peer"] = round(ratio, 3)
    return row


def write_result(
    name: str, figures: list[dict[str, Any]], details: dict[str, Any] | None = None
) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {
        "benchmark": name,
        "figures": figures,
        "details": details or {},
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "versions": library_versions(),
        "written": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    path.write_text(json.dumps(payload, indent=2, default=float), encoding="utf-8")
    return path
