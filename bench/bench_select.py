"""Benchmark: the select step of a 1M-subscriber month in 8 and 32 partitions, its shortlists
folded one at a time (as the run does) against all of them merged at once (as it did); and the
solver's default proof (within ``solver.max_gap`` of the best list) against a proof to the
optimum (``max_gap: 0``, as every run did before), on the same shortlists at 8 partitions.

Folding reduces the survivors after each shortlist is added, so the step holds the survivors
so far and one shortlist instead of every shortlist; the list is the same (checked here).
Each mode runs in a fresh process on the same run folder: peak resident memory (VmHWM, which
includes the loaded bundle, measured before selection starts as ``base``) and CPU seconds.

Run: ``.venv/bin/python -m bench.bench_select``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import figure, write_result

N_USERS = 1_000_000
PARTITIONS = (8, 32)
MODES = ("fold", "all_at_once")
TO_OPTIMUM = "proof_to_optimum"  # fold, with max_gap 0 and no time limit


def _vm_hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def prepare(root: Path, n_partitions: int) -> dict[str, Any]:
    """Train the small bundle, write the month, run it inline; the run's id and folders."""
    from prospect.pipeline import run_month
    from prospect.settings import Settings
    from prospect.startup import prepare_database
    from prospect.synth import write_months
    from tests.worker.helpers import install_bundle, train_small_bundle

    bundle = train_small_bundle(root / "bundle")
    settings = prepare_database(Settings(data_dir=root / "var", environment="test"))
    install_bundle(bundle, settings)
    batch = write_months(root / "month", N_USERS, 1, seed=5, end_month="2026-10")[0]
    result = run_month(batch, "2026-10", settings=settings, n_partitions=n_partitions)
    return {"run_id": result.state.run_id, "data_dir": str(root / "var")}


def select_once(data_dir: str, run_id: str, mode: str) -> dict[str, Any]:
    """One selection of the run in this process; ``all_at_once`` merges without reducing."""
    import time

    from prospect.pipeline import shortlists, steps
    from prospect.pipeline.plan import load_plan
    from prospect.pipeline.scoring import load_scorer
    from prospect.settings import Settings

    settings = Settings(data_dir=Path(data_dir), environment="test")
    plan = load_plan(settings, run_id)
    load_scorer(settings, plan.model_version)
    base = _vm_hwm_mib()
    if mode == "all_at_once":
        merge = shortlists.read_shortlists
        shortlists.read_shortlists = lambda paths, reduce=None: merge(paths)  # type: ignore[assignment]
    if mode == TO_OPTIMUM:
        from prospect.targeting import optimize, solver

        def to_optimum(*args: Any, **_: Any) -> Any:
            return solver.solve_binary(*args, max_gap=0.0, time_limit=None)

        optimize.solve_binary = to_optimum  # type: ignore[assignment]
    started = time.process_time()
    campaign = steps._select(plan, settings)
    return {
        "cpu_seconds": time.process_time() - started, "base_mib": base, "peak_mib": _vm_hwm_mib(),
        "optimality": campaign.summary["optimality"],
        "targets": campaign.targets[["rank", "user_id", "is_control"]].to_csv(index=False),
    }  # fmt: skip


def _in_process(data_dir: str, run_id: str, mode: str) -> dict[str, Any]:
    code = (f"import json; from bench.bench_select import select_once; "
            f"print(json.dumps(select_once({data_dir!r}, {run_id!r}, {mode!r})))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    figures, details = [], {}
    for n in PARTITIONS:
        with tempfile.TemporaryDirectory() as tmp:
            run = prepare(Path(tmp), n)
            modes = MODES + ((TO_OPTIMUM,) if n == PARTITIONS[0] else ())
            got = {mode: _in_process(run["data_dir"], run["run_id"], mode) for mode in modes}
        same = got["fold"].pop("targets") == got["all_at_once"].pop("targets")
        fold, whole = got["fold"], got["all_at_once"]
        if TO_OPTIMUM in got:
            exact = got[TO_OPTIMUM]
            exact.pop("targets")
            proof = fold["optimality"]
            figures += [
                figure(f"select step CPU, 1M in {n} partitions, proven within max_gap "
                       f"{proof['max_gap']:g}", fold["cpu_seconds"], "s",
                       peer="proof to the optimum (max_gap 0)", peer_value=exact["cpu_seconds"],
                       higher_is_better=False),
                figure(f"list value below the optimum, 1M in {n} partitions", round(
                    exact["optimality"]["value"] - proof["value"], 2), "currency units",
                    target=f"<= proven gap {proof['gap']}",
                    met=exact["optimality"]["value"] - proof["value"] <= proof["gap"] + 0.01,
                    peer="list value", peer_value=proof["value"]),
            ]  # fmt: skip
        figures += [
            figure(f"select step peak memory, 1M in {n} partitions", fold["peak_mib"], "MiB",
                   peer="all shortlists at once", peer_value=whole["peak_mib"],
                   higher_is_better=False),
            figure(f"select step peak above the loaded bundle, 1M in {n} partitions",
                   fold["peak_mib"] - fold["base_mib"], "MiB", peer="all shortlists at once",
                   peer_value=whole["peak_mib"] - whole["base_mib"], higher_is_better=False),
            figure(f"select step CPU, 1M in {n} partitions", fold["cpu_seconds"], "s",
                   peer="all shortlists at once", peer_value=whole["cpu_seconds"],
                   higher_is_better=False),
            figure(f"same list folded as merged at once, {n} partitions", float(same), "bool",
                   target="1", met=same),
        ]  # fmt: skip
        details[f"{n}_partitions"] = got
    path = write_result("select", figures, details)
    print(json.dumps(figures, indent=2, default=float))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
