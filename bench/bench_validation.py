"""Benchmark of the data-quality gate: 1,000,000 rows of the default spec, drift included.

Three contenders measured in one run on the same data, interleaved round by round, each
measurement in a fresh subprocess:

* the gate of this tree;
* the gate before issue 15 (guards, formats, identity continuity, the same month twice),
  commit ``f57419c``: its source tree is taken from ``--baseline-src PATH`` or the
  ``PROSPECT_BENCH_BASELINE_SRC`` environment variable, else checked out with
  ``git worktree add --detach`` into a temporary folder (removed afterwards); without git
  or that commit the baseline is reported as not measured;
* great-expectations 1.x run the plain way (one suite of 31 simple expectations, the whole
  frame, default result format, pandas defaults); context, suite and batch definition are
  built outside the timed call, as for the gate. The same plain run with pandas
  copy-on-write on (the default from pandas 3) and the run tuned as the gate runs GE are
  reported beside it.

A gate's timed step is the reference profile built from the reference frame plus
``validate`` (what a monthly run does), after one untimed warm-up call. Its memory is the
highest RSS seen (sampled every 5 ms) during its first ``validate`` of the batch against a
stored profile, the 1M-row frame included, as the run's validate step holds it. Every child
reads the same Parquet files through Arrow's system pool, so the frames are identical.
Figures are medians over the rounds; the spread (min-max) and each round's paired
difference are in the details. Wall and CPU seconds are both reported: 2 shared cores, so
wall time depends on the other sessions' load; CPU time is the child's own.
Run: ``python -m bench.bench_validation [--rounds N] [--baseline-src PATH]``.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BASELINE_COMMIT = "f57419c"
BASELINE_ENV = "PROSPECT_BENCH_BASELINE_SRC"
CONTENDERS = ("gate", "baseline", "plain_ge")
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


def run_gate(reference: pd.DataFrame, batch: pd.DataFrame, month: str) -> Any:
    """The timed step: profile the reference month, then validate the batch against it."""
    from prospect.quality import table_rules
    from prospect.spec import load_spec
    from validation import validate

    rules = table_rules(load_spec("subscriber_5g"))
    return validate(batch, rules, month=month, reference=reference_profile(reference))


def plain_ge_setup(spec_name: str = "subscriber_5g"):
    """Context, batch definition and a suite of 31 simple expectations, built once."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

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


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _trim() -> None:
    """Give the C library's free memory back (glibc), as the run's steps do."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


def read_frame(path: Path) -> pd.DataFrame:
    """A Parquet file as pandas, through Arrow's system pool (what the run's reader uses), the
    same way for every contender whatever its own code."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    saved = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        frame = pq.read_table(path).to_pandas()
    finally:
        pa.set_memory_pool(saved)
    gc.collect()
    _trim()
    return frame


def sampled(fn: Callable[[], Any]) -> dict[str, float]:
    """Wall and CPU seconds of one call, and the RSS before it and the highest RSS during it
    (sampled every 5 ms by a thread)."""
    samples, done = [_rss_mib()], threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            samples.append(_rss_mib())

    thread = threading.Thread(target=sample)
    thread.start()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        fn()
    finally:
        seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
        done.set()
        thread.join()
    return {"wall_s": seconds, "cpu_s": cpu_seconds, "rss_before_mib": samples[0],
            "peak_mib": max(samples)}  # fmt: skip


def gate_child(folder: Path) -> dict[str, Any]:
    """One gate measurement in this fresh process, with whatever gate is on ``sys.path``."""
    import prospect
    import validation
    from prospect.quality import table_rules
    from prospect.spec import load_spec
    from validation import ReferenceProfile, validate

    month = (folder / "month.txt").read_text()
    rules = table_rules(load_spec("subscriber_5g"))
    batch = read_frame(folder / "batch.parquet")
    reference = read_frame(folder / "reference.parquet")
    profile = ReferenceProfile.from_frame(reference, rules)
    del reference
    gc.collect()
    _trim()
    outcome: dict[str, Any] = {}

    def first() -> None:
        outcome["result"] = validate(batch, rules, month=month, reference=profile)

    memory = sampled(first)  # the first validate in the process: as a run's validate step
    reference = read_frame(folder / "reference.parquet")
    timing = sampled(lambda: run_gate(reference, batch, month))
    result = outcome["result"]
    return {
        "wall_s": timing["wall_s"], "cpu_s": timing["cpu_s"], "peak_mib": memory["peak_mib"],
        "rss_before_validate_mib": memory["rss_before_mib"],
        "first_validate_wall_s": memory["wall_s"], "outcome": result.outcome,
        "failures": [f"{f.severity} {f.column} {f.cause}" for f in result.failures],
        "expectations_evaluated": result.stats["expectations_evaluated"],
        "prospect": prospect.__file__, "validation": validation.__file__,
    }  # fmt: skip


def ge_child(folder: Path) -> dict[str, Any]:
    """One plain great-expectations measurement in this fresh process (and, after it, the
    copy-on-write and tuned runs, timed only)."""
    batch = read_frame(folder / "batch.parquet")
    batch_def, suite = plain_ge_setup()
    plain_ge(batch_def, suite, batch.iloc[:1000])  # first-call imports, not the peer's cost
    outcome: dict[str, bool] = {}

    def plain() -> None:
        outcome["plain"] = plain_ge(batch_def, suite, batch)

    run = sampled(plain)
    cow = sampled(lambda: outcome.update(cow=plain_ge(batch_def, suite, batch, cow=True)))
    tuned = sampled(lambda: tuned_ge(batch_def, suite, batch))
    return {
        "wall_s": run["wall_s"], "cpu_s": run["cpu_s"], "peak_mib": run["peak_mib"],
        "rss_before_validate_mib": run["rss_before_mib"], "success": outcome["plain"],
        "cow_wall_s": cow["wall_s"], "cow_cpu_s": cow["cpu_s"], "cow_success": outcome["cow"],
        "tuned_wall_s": tuned["wall_s"], "tuned_cpu_s": tuned["cpu_s"],
    }  # fmt: skip


def baseline_source(option: str | None, keep: list[Path]) -> tuple[Path | None, str]:
    """The pre-issue-15 source tree and how it was found (or why there is none)."""
    given = option or os.environ.get(BASELINE_ENV)
    if given:
        path = Path(given).resolve()
        if not (path / "validation" / "gate.py").is_file():
            sys.exit(f"baseline source {path} holds no validation/gate.py")
        return path, f"given ({path})"
    target = Path(tempfile.mkdtemp(prefix="gate-baseline-")) / "src"
    made = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), BASELINE_COMMIT],
        capture_output=True, text=True,
    )  # fmt: skip
    if made.returncode != 0:
        return None, f"not measured: git worktree add {BASELINE_COMMIT} failed: " + (
            made.stderr.strip().splitlines() or ["?"]
        )[-1]
    keep.append(target)
    return target, f"git worktree of {BASELINE_COMMIT} in a temporary folder (removed after)"


def _child(contender: str, folder: Path, source: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    mode = "ge" if contender == "plain_ge" else "gate"
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(folder)],
        capture_output=True, text=True, env=env, cwd=folder,
    )  # fmt: skip
    if out.returncode != 0:
        sys.exit(f"{contender} child failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    found = json.loads(out.stdout.strip().splitlines()[-1])
    for module in ("prospect", "validation"):
        if module in found and not found[module].startswith(str(source)):
            sys.exit(f"{contender} imported {found[module]}, not the code under {source}")
    found["load_1m"] = round(os.getloadavg()[0], 2)
    return found


def measure(rounds: int, sources: dict[str, Path | None]) -> dict[str, list[dict[str, Any]]]:
    """``rounds`` rounds; in each, every contender once in a fresh process, the order rotated
    from round to round so no contender always runs first."""
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in sources if sources[c] is not None}
    order = list(runs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        reference, batch, month = load_data()
        reference.to_parquet(folder / "reference.parquet", index=False)
        batch.to_parquet(folder / "batch.parquet", index=False)
        (folder / "month.txt").write_text(month)
        del reference, batch
        for r in range(rounds):
            for contender in order[r % len(order) :] + order[: r % len(order)]:
                runs[contender].append(_child(contender, folder, sources[contender]))
                print(contender, r, {k: runs[contender][-1][k] for k in ("wall_s", "cpu_s",
                      "peak_mib")}, flush=True)  # fmt: skip
    return runs


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def _spread(runs: list[dict[str, Any]], key: str) -> list[float]:
    values = [run[key] for run in runs]
    return [round(min(values), 3), round(max(values), 3)]


def main(argv: list[str] | None = None) -> None:
    from bench.common import figure, write_result

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline-src", default=None)
    args = parser.parse_args(argv)
    start, made = time.perf_counter(), []
    baseline, how = baseline_source(args.baseline_src, made)
    try:
        runs = measure(args.rounds, {"gate": ROOT, "baseline": baseline, "plain_ge": ROOT})
    finally:
        for path in made:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
                           capture_output=True)  # fmt: skip
            shutil.rmtree(path.parent, ignore_errors=True)
    gate, ge, old = runs["gate"], runs["plain_ge"], runs.get("baseline")
    med = {c: {k: _median(r, k) for k in ("wall_s", "cpu_s", "peak_mib")} for c, r in runs.items()}
    peer = "great-expectations plain, 31 expectations, pandas defaults"
    figures = [
        figure("gate_seconds_1m_rows", med["gate"]["wall_s"], "s", target=f"< {TARGET_SECONDS} s",
               met=med["gate"]["wall_s"] < TARGET_SECONDS, peer=peer,
               peer_value=med["plain_ge"]["wall_s"], higher_is_better=False),
        figure("gate_cpu_seconds_1m_rows", med["gate"]["cpu_s"], "s",
               target=f"< {TARGET_SECONDS} s", met=med["gate"]["cpu_s"] < TARGET_SECONDS,
               peer=peer + " (CPU)", peer_value=med["plain_ge"]["cpu_s"],
               higher_is_better=False),
        figure("gate_peak_memory_mib", med["gate"]["peak_mib"], "MiB",
               target=f"< {TARGET_MIB} MiB", met=med["gate"]["peak_mib"] < TARGET_MIB,
               peer=peer + " (peak RSS)", peer_value=med["plain_ge"]["peak_mib"],
               higher_is_better=False),
    ]  # fmt: skip
    if old:
        base = f"gate before issue 15 ({BASELINE_COMMIT}), same run"
        figures += [
            figure("gate_cpu_seconds_1m_rows_vs_pre_issue_15", med["gate"]["cpu_s"], "s",
                   target="<= pre-issue-15 gate", met=med["gate"]["cpu_s"]
                   <= med["baseline"]["cpu_s"], peer=base, peer_value=med["baseline"]["cpu_s"],
                   higher_is_better=False),
            figure("gate_peak_memory_mib_vs_pre_issue_15", med["gate"]["peak_mib"], "MiB",
                   target="<= pre-issue-15 gate", met=med["gate"]["peak_mib"]
                   <= med["baseline"]["peak_mib"], peer=base,
                   peer_value=med["baseline"]["peak_mib"], higher_is_better=False),
            figure("pre_issue_15_gate_seconds_1m_rows", med["baseline"]["wall_s"], "s",
                   peer=peer, peer_value=med["plain_ge"]["wall_s"], higher_is_better=False),
            figure("pre_issue_15_gate_cpu_seconds_1m_rows", med["baseline"]["cpu_s"], "s",
                   peer=peer + " (CPU)", peer_value=med["plain_ge"]["cpu_s"],
                   higher_is_better=False),
            figure("pre_issue_15_gate_peak_memory_mib", med["baseline"]["peak_mib"], "MiB",
                   peer=peer + " (peak RSS)", peer_value=med["plain_ge"]["peak_mib"],
                   higher_is_better=False),
        ]  # fmt: skip
    figures += [
        figure("plain_ge_seconds_1m_rows_31_expectations", med["plain_ge"]["wall_s"], "s",
               higher_is_better=False),
        figure("plain_ge_cpu_seconds_1m_rows_31_expectations", med["plain_ge"]["cpu_s"], "s",
               higher_is_better=False),
        figure("plain_ge_peak_memory_mib_31_expectations", med["plain_ge"]["peak_mib"], "MiB",
               higher_is_better=False),
        figure("plain_ge_copy_on_write_seconds_1m_rows_31_expectations",
               _median(ge, "cow_wall_s"), "s", higher_is_better=False),
        figure("plain_ge_copy_on_write_cpu_seconds_1m_rows_31_expectations",
               _median(ge, "cow_cpu_s"), "s", higher_is_better=False),
        figure("ge_tuned_seconds_1m_rows_31_expectations", _median(ge, "tuned_wall_s"), "s",
               higher_is_better=False),
        figure("ge_tuned_cpu_seconds_1m_rows_31_expectations", _median(ge, "tuned_cpu_s"), "s",
               higher_is_better=False),
    ]  # fmt: skip
    details: dict[str, Any] = {
        "rows": N_ROWS, "rounds": args.rounds, "baseline_source": how,
        "baseline_commit": BASELINE_COMMIT if old else None,
        "outcome": gate[-1]["outcome"], "failures": gate[-1]["failures"],
        "expectations_evaluated": gate[-1]["expectations_evaluated"],
        "gate_timed_step": "reference profile from the reference frame + validate (drift, "
                           "cross-field rules, all expectations), after one warm-up call",
        "gate_memory_step": "first validate in a fresh process against a stored profile, "
                            "the batch frame included (highest RSS sampled every 5 ms)",
        "gate_checks": "expectations, cross-field rules, drift, guards on the columns that "
                       "protect people (shares, missing share, subscribers followed), formats, "
                       "identity continuity and the same month twice",
        "ge_tuned": "the same 31 expectations, copy-on-write on and GE's batch hashing off",
        "plain_ge_success": all(r["success"] for r in ge),
        "plain_ge_copy_on_write_success": all(r["cow_success"] for r in ge),
        "spread_min_max": {c: {k: _spread(r, k) for k in ("wall_s", "cpu_s", "peak_mib")}
                           for c, r in runs.items()},  # fmt: skip
        "rss_before_validate_mib": {c: round(_median(r, "rss_before_validate_mib"), 1)
                                    for c, r in runs.items()},  # fmt: skip
        "load_average_1m_per_round": {c: [r["load_1m"] for r in rs] for c, rs in runs.items()},
        "note": "2 cores shared with other sessions: wall timings are noisy and pessimistic; "
                "CPU times are each child's own; the contenders alternate round by round, so "
                "the comparison is made under the same load",
        "synthetic_base_users": BASE_USERS, "tiled_to": N_ROWS, "numpy": np.__version__,
    }  # fmt: skip
    if old:
        paired = [g["cpu_s"] - b["cpu_s"] for g, b in zip(gate, old, strict=True)]
        details["gate_minus_pre_issue_15_cpu_s_per_round"] = [round(d, 3) for d in paired]
        details["gate_minus_pre_issue_15_peak_mib_per_round"] = [
            round(g["peak_mib"] - b["peak_mib"], 1) for g, b in zip(gate, old, strict=True)
        ]
        details["pre_issue_15_outcome"] = old[-1]["outcome"]
        details["pre_issue_15_expectations_evaluated"] = old[-1]["expectations_evaluated"]
    details["total_bench_seconds"] = round(time.perf_counter() - start, 1)
    print(write_result("validation", figures, details))
    for row in figures:
        print(row)


if __name__ == "__main__":
    if "--child" in sys.argv:
        at = sys.argv.index("--child")
        child = gate_child if sys.argv[at + 1] == "gate" else ge_child
        print(json.dumps(child(Path(sys.argv[at + 2])), default=str))
    else:
        main(sys.argv[1:])
