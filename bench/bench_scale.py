"""Benchmark: one month at 2M, 8M and 16M subscribers through real Celery workers, with 1 and 2
workers, each size beside the smallest measured in the same run (issue 19).

What the issue asks of these figures: every process's peak memory flat in N (the largest size
within 15% of the smallest, each under 1.5 GiB), wall time linear in N (16M within 9x of 2M),
two workers at least 1.6x faster than one, and the run within 2.5x of its floor (reading the
month and predicting it with the bundle's models alone, :func:`bench.bench_run._floor`).
Partitions are 125k subscribers whatever N, so a partition's work does not change with N.

The month is delivered as a folder of Parquet parts of 1M subscribers (as Spark or Hive write
one), so the parts are ingested by parallel tasks; the gate runs per bucket and a verdict task
merges the buckets' counts. Peaks are reported per step (the run's status) as well.

Run: ``.venv/bin/python -m bench.bench_scale`` (``--users 2000000 8000000`` for fewer sizes,
``--result scale_16m`` to write another file).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from bench.bench_run import _broker, _config, _floor, _run, _validating
from bench.common import figure, write_result

SIZES = (2_000_000, 8_000_000, 16_000_000)
WORKERS = (1, 2)
PARTITION_USERS = 125_000
PART_USERS = 1_000_000
MEMORY_LIMIT_MIB = 1536.0


def _setup(root: Path, broker: str, n_users: int) -> tuple[dict[str, str], Path]:
    """A data folder with the small bundle promoted and one month of ``n_users``."""
    from prospect.settings import get_settings
    from prospect.startup import prepare_database
    from prospect.synth import write_months
    from tests.worker.helpers import install_bundle, train_small_bundle

    env = {
        "PROSPECT_DATA_DIR": str(root / "var"),
        "PROSPECT_ENVIRONMENT": "test",
        "PROSPECT_BROKER_URL": broker,
        "PROSPECT_WORKER_PARTITIONS": str(max(1, round(n_users / PARTITION_USERS))),
    }
    os.environ.update(env)
    get_settings.cache_clear()
    prepare_database(get_settings())
    install_bundle(train_small_bundle(root / "bundle"), get_settings())
    month = write_months(root / "landing", n_users, 1, seed=7, end_month="2026-10")[0]
    return env, _as_parts(month, root / "landing" / "subscribers_2026-10")


def _as_parts(month: Path, folder: Path) -> Path:
    """The month as a folder of Parquet parts of at most ``PART_USERS`` rows each."""
    import pyarrow.parquet as pq

    folder.mkdir(parents=True)
    source = pq.ParquetFile(month)
    for i, batch in enumerate(source.iter_batches(batch_size=PART_USERS)):
        pq.write_table(pa.Table.from_batches([batch]), folder / f"part-{i:05d}.parquet")
    month.unlink()
    return folder


def measure(n_users: int, broker: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        env, batch = _setup(root, broker, n_users)
        setup = time.perf_counter() - started
        runs = {n: _run(env, batch, n, _config(root, f"scale-{n}-workers")) for n in WORKERS}
        for run in runs.values():
            run.update(_tree_rows(run["run_id"]))
        floor = _floor(batch)
    out: dict[str, Any] = {"users": n_users, "setup_seconds": setup, "floor_seconds": floor}
    for n, run in runs.items():
        steps = {status: max(peaks) for status, peaks in run["phase_peaks_mib"].items()}
        out[f"{n}_workers"] = {**run, "peak_mib": max(run["peaks_mib"]), "step_peaks_mib": steps,
                               "validate_peak_mib": _validating(run)[1]}  # fmt: skip
    return out


def _tree_rows(run_id: str) -> dict[str, int]:
    """Rows the partitions shortlisted (level 0 of the merge tree) and rows of its top level,
    which the select task reads: the second is what the pruning bound keeps."""
    from prospect.pipeline import load_plan, merge_tree
    from prospect.pipeline.shortlists import row_count
    from prospect.settings import get_settings

    settings = get_settings()
    plan = load_plan(settings, run_id)
    level_0 = [(0, i) for i in range(plan.n_partitions)]

    def rows(nodes: list[merge_tree.Node]) -> int:
        return sum(row_count(merge_tree.node_path(settings, run_id, n)) for n in nodes)

    return {"shortlisted_rows": rows(level_0),
            "selection_reads_rows": rows(merge_tree.top_nodes(plan))}  # fmt: skip


def figures_of(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each size's figures beside the smallest size of the same run (``ratio_vs_peer`` is
    peer over ours: 1 is level, above 1 better than the peer)."""
    base = sizes[0]
    base_label = f"{base['users'] / 1e6:g}M"
    figures = []
    for size in sizes:
        n, ratio = size["users"], size["users"] / base["users"]
        label = f"{n / 1e6:g}M"
        one, two = size["1_workers"], size["2_workers"]
        for workers in WORKERS:
            run, ref = size[f"{workers}_workers"], base[f"{workers}_workers"]
            figures.append(figure(
                f"{label}, {workers} worker(s): peak memory of any worker", round(run["peak_mib"]),
                "MiB", target=f"< {MEMORY_LIMIT_MIB:g} and within 15% of {base_label}",
                met=run["peak_mib"] < MEMORY_LIMIT_MIB and run["peak_mib"] <= 1.15 *
                ref["peak_mib"], peer=base_label, peer_value=round(ref["peak_mib"]),
                higher_is_better=False,
            ))  # fmt: skip
            for step, peak in run["step_peaks_mib"].items():
                figures.append(figure(
                    f"{label}, {workers} worker(s): peak memory of any worker while {step}",
                    round(peak), "MiB", target=f"< {MEMORY_LIMIT_MIB:g}",
                    met=peak < MEMORY_LIMIT_MIB, peer=base_label,
                    peer_value=round(ref["step_peaks_mib"].get(step, 0)), higher_is_better=False,
                ))  # fmt: skip
            if size is not base:
                figures.append(figure(
                    f"{label}, {workers} worker(s): wall seconds ({run['wall'] / ref['wall']:.2f}x "
                    f"{base_label}'s for {ratio:g}x the subscribers)", round(run["wall"], 1), "s",
                    target="linear in N within 12.5%",
                    met=run["wall"] <= ratio * 9 / 8 * ref["wall"],
                    peer=f"{base_label}'s wall x {ratio:g}",
                    peer_value=round(ratio * ref["wall"], 1), higher_is_better=False,
                ))  # fmt: skip
        reads, ref_reads = one["selection_reads_rows"], base["1_workers"]["selection_reads_rows"]
        figures.append(figure(
            f"{label}: rows the select task reads (of {one['shortlisted_rows']:,} shortlisted)",
            reads, "rows", target=f"flat in N (within 15% of {base_label})",
            met=reads <= 1.15 * ref_reads, peer=base_label, peer_value=ref_reads,
            higher_is_better=False,
        ))  # fmt: skip
        figures += [
            figure(f"{label}: wall seconds with 2 workers ({one['wall'] / two['wall']:.2f}x "
                   "faster than 1)", round(two["wall"], 1), "s", target=">= 1.6x faster than 1",
                   met=one["wall"] >= 1.6 * two["wall"], peer="1 worker",
                   peer_value=round(one["wall"], 1), higher_is_better=False),
            figure(f"{label}: wall seconds with 1 worker "
                   f"({one['wall'] / size['floor_seconds']:.2f}x the floor)", round(one["wall"], 1),
                   "s", target="<= 2.5x the floor", met=one["wall"] <= 2.5 * size["floor_seconds"],
                   peer="floor (read the month, predict with the bundle's models)",
                   peer_value=round(size["floor_seconds"], 1), higher_is_better=False),
        ]  # fmt: skip
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--result", default="scale", help="bench/results/<name>.json")
    args = parser.parse_args()
    sizes = sorted(args.users)
    broker = _broker()
    measured: list[dict[str, Any]] = []
    for n in sizes:  # written after each size, so a long largest size keeps the smaller ones
        measured.append(measure(n, broker))
        figures = figures_of(measured)
        details = {"sizes": measured, "partition_users": PARTITION_USERS,
                   "broker": "redis" if broker else "sqla+sqlite (embedded)",
                   "load_average_1m_at_end": round(os.getloadavg()[0], 1)}  # fmt: skip
        path = write_result(args.result, figures, details)
        print(f"wrote {path} with {len(measured)} size(s)", flush=True)
    for row in figures:
        print(row)


if __name__ == "__main__":
    main()
