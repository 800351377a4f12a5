"""Run every ``bench/bench_*.py`` in its own process (so peak memory is per benchmark), then
write ``bench/REPORT.md``. A failing benchmark is reported and the others still run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.report import build_report

BENCH_DIR = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    modules = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))
    if names:
        modules = [m for m in modules if m.removeprefix("bench_") in names or m in names]
    failed = []
    for module in modules:
        start = time.perf_counter()
        print(f"== {module}", flush=True)
        proc = subprocess.run([sys.executable, "-m", f"bench.{module}"], cwd=BENCH_DIR.parent)
        print(f"== {module}: exit {proc.returncode} in {time.perf_counter() - start:.0f} s")
        if proc.returncode != 0:
            failed.append(module)
    print(build_report())
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
