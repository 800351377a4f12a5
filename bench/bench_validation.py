"""Benchmark of the data-quality gate: 1,000,000 rows of the default spec, drift included.

Target: under 5 s and under 2 GiB peak memory (peak read in a fresh subprocess). Peer:
great-expectations 1.x run the plain way (one suite, the whole frame, one validation) with
31 simple expectations on the same data. Run: ``python -m bench.bench_validation``.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
import numpy as np
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

from bench.common import figure, median_seconds, peak_rss_mib, write_result

N_ROWS = 1_000_000
BASE_USERS = 200_000
TARGET_SECONDS = 5.0
TARGET_MIB = 2048.0


def _tile(frame: pd.DataFrame, times: int) -> pd.DataFrame:
    """``times`` copies of a month with distinct ids (synthesis of 1M users is slow)."""
    parts = []
    for k in range(times):
        part = frame.copy()
        part["user_id"] = part["user_id"] + f"-{k}"
        parts.append(part)
    return pd.concat(parts, ignore_index=True).iloc[:N_ROWS].copy()


def load_data() -> tuple[pd.DataFrame, pd.DataFrame, str]:
    from prospect.synth import generate_months

    months = list(generate_months(BASE_USERS, 2, seed=0, end_month="2026-10"))
    times = -(-N_ROWS // len(months[1].frame))
    return _tile(months[0].frame, times), _tile(months[1].frame, times), months[1].month


def reference_profile(reference: pd.DataFrame):
    from prospect.quality import table_rules
    from prospect.spec import load_spec
    from validation import ReferenceProfile

    return ReferenceProfile.from_frame(reference, table_rules(load_spec("subscriber_5g")))


def run_gate(reference: pd.DataFrame, batch: pd.DataFrame, month: str):
    """The timed step: profile the reference month, then validate the batch against it."""
    from prospect.quality import table_rules
    from prospect.spec import load_spec
    from validation import validate

    rules = table_rules(load_spec("subscriber_5g"))
    return validate(batch, rules, month=month, reference=reference_profile(reference))


def plain_ge(batch: pd.DataFrame) -> bool:
    """great-expectations the plain way: 31 simple expectations in one suite on the frame."""
    from prospect.spec import load_spec

    spec = load_spec("subscriber_5g")
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("plain").add_dataframe_asset("frame")
    suite = gx.ExpectationSuite(name="plain")
    suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column=spec.id_column))
    for col in [c for c in spec.columns if c.min is not None][:20]:
        suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
            column=col.name, min_value=col.min, max_value=col.max))  # fmt: skip
    for col in [c for c in spec.columns if c.role == "categorical"]:
        values = [str(v) for v in col.allowed or []]
        suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column=col.name, value_set=values))
    for col in [c for c in spec.columns if not c.nullable][: 31 - len(suite.expectations)]:
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=col.name))
    batch_def = asset.add_batch_definition_whole_dataframe("whole")
    result = batch_def.get_batch(batch_parameters={"dataframe": batch}).validate(suite)
    return bool(result.success)


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory_step(folder: Path) -> None:
    """Fresh process: read the batch and the stored reference profile, validate once.

    Reading Parquet has its own transient peak, so the process high-water mark would measure
    the reader; a thread samples RSS every 5 ms during validation instead, and the figure is
    the highest RSS seen while validating (the 1M-row frame it holds included).
    """
    from prospect.quality import table_rules
    from prospect.spec import load_spec
    from validation import validate

    batch = pd.read_parquet(folder / "batch.parquet")
    with open(folder / "profile.pkl", "rb") as handle:
        profile = pickle.load(handle)
    rules, month = table_rules(load_spec("subscriber_5g")), (folder / "month.txt").read_text()
    samples, done = [_rss_mib()], threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            samples.append(_rss_mib())

    thread = threading.Thread(target=sample)
    thread.start()
    validate(batch, rules, month=month, reference=profile)
    done.set()
    thread.join()
    print(json.dumps({"data_mib": samples[0], "peak_mib": max(samples),
                      "process_peak_mib": peak_rss_mib()}))  # fmt: skip


def measure_memory(reference: pd.DataFrame, batch: pd.DataFrame, month: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with open(folder / "profile.pkl", "wb") as handle:
            pickle.dump(reference_profile(reference), handle)
        batch.to_parquet(folder / "batch.parquet", index=False)
        (folder / "month.txt").write_text(month)
        out = subprocess.run(
            [sys.executable, "-m", "bench.bench_validation", "--memory", str(folder)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    start = time.perf_counter()
    reference, batch, month = load_data()
    gate_s, result = median_seconds(lambda: run_gate(reference, batch, month), repeats=3)
    peer_s, peer_ok = median_seconds(lambda: plain_ge(batch), repeats=1)
    mem = measure_memory(reference, batch, month)
    figures = [
        figure("gate_seconds_1m_rows", gate_s, "s", target=f"< {TARGET_SECONDS} s",
               met=gate_s < TARGET_SECONDS, peer="great-expectations plain, 31 expectations",
               peer_value=peer_s, higher_is_better=False),
        figure("gate_peak_memory_mib", mem["peak_mib"], "MiB", target=f"< {TARGET_MIB} MiB",
               met=mem["peak_mib"] < TARGET_MIB, higher_is_better=False),
        figure("plain_ge_seconds_1m_rows_31_expectations", peer_s, "s", higher_is_better=False),
    ]  # fmt: skip
    details = {
        "rows": len(batch), "columns": batch.shape[1], "outcome": result.outcome,
        "expectations_evaluated": result.stats["expectations_evaluated"],
        "plain_ge_success": peer_ok, "rss_before_validate_mib": mem["data_mib"],
        "memory_process_peak_incl_parquet_read_mib": mem["process_peak_mib"],
        "note": "2 shared cores under load from other sessions: timings are noisy",
        "total_bench_seconds": round(time.perf_counter() - start, 1),
        "failures": [f"{f.severity} {f.column} {f.cause}" for f in result.failures],
        "gate_seconds_per_run_in_stats": result.stats["seconds"],
        "synthetic_base_users": BASE_USERS, "tiled_to": N_ROWS,
        "numpy": np.__version__,
    }  # fmt: skip
    print(write_result("validation", figures, details))
    for row in figures:
        print(row)


if __name__ == "__main__":
    if "--memory" in sys.argv:
        memory_step(Path(sys.argv[-1]))
    else:
        main()
