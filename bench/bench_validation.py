"""Benchmark of the data-quality gate: 1,000,000 rows of the default spec, drift included.

Target: under 5 s and under 2 GiB peak memory (peak read in a fresh subprocess). Peer:
great-expectations 1.x run the plain way (one suite of 31 simple expectations, the whole
frame, default result format, pandas defaults) on the same data; context, suite and batch
definition are built outside the timed call, as for the gate. The same plain run with
pandas copy-on-write on (the default from pandas 3) is reported beside it: without it
every GE null filter deep-copies the whole frame. Wall time and process CPU time are both
reported (2 shared cores: wall time depends on the other sessions' load).
Run: ``python -m bench.bench_validation``.
"""

from __future__ import annotations

import json
import os
import pickle
import statistics
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

from bench.common import figure, write_result

N_ROWS = 1_000_000
BASE_USERS = 200_000
TARGET_SECONDS = 5.0
TARGET_MIB = 2048.0


def _tile(frame: pd.DataFrame, times: int) -> pd.DataFrame:
    """``times`` copies of a month with distinct ids (synthesis of 1M users is slow).

    Copy ``k`` writes ``k`` over the ids' leading zeros (``U000123456`` -> ``U030123456``), so
    the ids keep the spec's declared format ``U`` + 9 digits and stay the same from the
    reference month to the batch, as a real subscriber base does.
    """
    parts = []
    for k in range(times):
        part = frame.copy()
        part["user_id"] = "U" + f"{k:03d}" + part["user_id"].str[4:]
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


def plain_ge_setup(spec_name: str = "subscriber_5g"):
    """Context, batch definition and a suite of 31 simple expectations, built once."""
    from prospect.spec import load_spec

    spec = load_spec(spec_name)
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
    return asset.add_batch_definition_whole_dataframe("whole"), suite


def plain_ge(batch_def, suite, batch: pd.DataFrame, *, cow: bool = False) -> bool:
    """The plain run: one batch of the whole frame, one ``validate`` with default format."""
    with pd.option_context("mode.copy_on_write", cow):
        result = batch_def.get_batch(batch_parameters={"dataframe": batch}).validate(suite)
    return bool(result.success)


def tuned_ge(batch_def, suite, batch: pd.DataFrame) -> bool:
    """The same 31 expectations run as the gate runs GE: copy-on-write, no batch hashing."""
    from great_expectations.execution_engine import pandas_execution_engine

    saved, pandas_execution_engine.HASH_THRESHOLD = pandas_execution_engine.HASH_THRESHOLD, 0
    try:
        return plain_ge(batch_def, suite, batch, cow=True)
    finally:
        pandas_execution_engine.HASH_THRESHOLD = saved


def timed(fn, repeats: int) -> tuple[float, float, object]:
    """Median wall seconds, median process CPU seconds, and the last return value."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), out


def _hwm_mib() -> float:
    """This process's own high-water mark (VmHWM); ``ru_maxrss`` of a process started by
    fork and exec keeps the parent's resident size at the fork, here the whole bench's."""
    with open("/proc/self/status") as handle:
        line = next(row for row in handle if row.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory_step(folder: Path) -> None:
    """Fresh process: read the batch and the stored reference profile, validate once.

    The batch is read as the run's validate step reads it (``read_batch`` under the C
    library's Arrow pool), so the frame is the gate's own and not what a plain
    ``pandas.read_parquet`` leaves in Arrow's default pool. Reading has its own transient
    peak, so the process high-water mark would measure the reader; a thread samples RSS every
    5 ms during validation instead, and the figure is the highest RSS seen while validating
    (the 1M-row frame it holds included).
    """
    from prospect.io import read_batch
    from prospect.pipeline.memory import system_arrow_pool
    from prospect.quality import table_rules
    from prospect.spec import load_spec
    from validation import validate

    spec, month = load_spec("subscriber_5g"), (folder / "month.txt").read_text()
    with system_arrow_pool():  # read as the run's validate step reads it
        batch = read_batch(folder / "batch.parquet", spec, month=month)
    with open(folder / "profile.pkl", "rb") as handle:
        profile = pickle.load(handle)
    rules = table_rules(spec)
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
                      "process_peak_mib": _hwm_mib()}))  # fmt: skip


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
    gate_s, gate_cpu, result = timed(lambda: run_gate(reference, batch, month), repeats=5)
    batch_def, suite = plain_ge_setup()
    plain_ge(batch_def, suite, batch.iloc[:1000])  # first-call imports, not the peer's cost
    cow_s, cow_cpu, cow_ok = timed(lambda: plain_ge(batch_def, suite, batch, cow=True), 3)
    tuned_s, tuned_cpu, _ = timed(lambda: tuned_ge(batch_def, suite, batch), 3)
    peer_s, peer_cpu, peer_ok = timed(lambda: plain_ge(batch_def, suite, batch), repeats=1)
    mem = measure_memory(reference, batch, month)
    peer = "great-expectations plain, 31 expectations, pandas defaults"
    figures = [
        figure("gate_seconds_1m_rows", gate_s, "s", target=f"< {TARGET_SECONDS} s",
               met=gate_s < TARGET_SECONDS, peer=peer, peer_value=peer_s,
               higher_is_better=False),
        figure("gate_cpu_seconds_1m_rows", gate_cpu, "s", target=f"< {TARGET_SECONDS} s",
               met=gate_cpu < TARGET_SECONDS, peer=peer + " (CPU)", peer_value=peer_cpu,
               higher_is_better=False),
        figure("gate_peak_memory_mib", mem["peak_mib"], "MiB", target=f"< {TARGET_MIB} MiB",
               met=mem["peak_mib"] < TARGET_MIB, higher_is_better=False),
        figure("plain_ge_seconds_1m_rows_31_expectations", peer_s, "s", higher_is_better=False),
        figure("plain_ge_cpu_seconds_1m_rows_31_expectations", peer_cpu, "s",
               higher_is_better=False),
        figure("plain_ge_copy_on_write_seconds_1m_rows_31_expectations", cow_s, "s",
               higher_is_better=False),
        figure("plain_ge_copy_on_write_cpu_seconds_1m_rows_31_expectations", cow_cpu, "s",
               higher_is_better=False),
        figure("ge_tuned_seconds_1m_rows_31_expectations", tuned_s, "s",
               higher_is_better=False),
        figure("ge_tuned_cpu_seconds_1m_rows_31_expectations", tuned_cpu, "s",
               higher_is_better=False),
    ]  # fmt: skip
    details = {
        "rows": len(batch), "columns": batch.shape[1], "outcome": result.outcome,
        "expectations_evaluated": result.stats["expectations_evaluated"],
        "gate_timed_step": "reference profile from the reference frame + validate (drift, "
                           "cross-field rules, all expectations)",
        "ge_tuned": "the same 31 expectations, copy-on-write on and GE's batch hashing off",
        "plain_ge_success": peer_ok, "plain_ge_copy_on_write_success": cow_ok,
        "rss_before_validate_mib": mem["data_mib"],
        "memory_process_peak_incl_parquet_read_mib": mem["process_peak_mib"],
        "note": "2 shared cores under load from other sessions: wall timings are noisy, "
                "CPU times are this process's own",
        "load_average_1m_at_end": round(os.getloadavg()[0], 1),
        "gate_checks": "expectations, cross-field rules, drift, guards on the columns that "
                       "protect people (shares, missing share, subscribers followed), formats, "
                       "identity continuity and the same month twice",
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
