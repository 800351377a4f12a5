"""Synthetic data at scale: 1,000,000 subscribers x 1 month, generated, written and read back.

Run ``python -m bench.bench_synth``. Peak memory of generation is measured in a fresh child
process (``--step generate``) so it is not mixed with the rest of the run. The peer for reading
is a bare ``pandas.read_parquet`` of the same file (our extra work: header mapping, coercion).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.common import figure, median_seconds, peak_rss_mib, write_result
from prospect.io import read_batch
from prospect.spec import load_spec
from prospect.synth import generate_months, write_month

N_USERS = 1_000_000
TARGET_SECONDS = 30.0


def _generate():
    return next(generate_months(N_USERS, 1, seed=0))


def _generation_peak_mib() -> float:
    """Generate once in a child process and read its peak resident memory."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_synth", "--step", "generate"],
        check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    return float(json.loads(out.stdout.strip().splitlines()[-1])["peak_rss_mib"])


def main() -> None:
    peak = _generation_peak_mib()  # first: Linux carries a parent's peak RSS into its children
    gen_s, month = median_seconds(_generate, repeats=3)
    spec = load_spec("subscriber_5g")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        path = write_month(month, Path(tmp))
        write_s = time.perf_counter() - start
        size_mib = path.stat().st_size / 2**20
        read_s, frame = median_seconds(lambda: read_batch(path, spec), repeats=3)
        peer_s, _ = median_seconds(lambda: pd.read_parquet(path), repeats=3)
    pd.testing.assert_frame_equal(frame, month.frame)
    figures = [
        figure("generate 1M users x 1 month", gen_s, "s", target=f"< {TARGET_SECONDS:.0f} s",
               met=gen_s < TARGET_SECONDS, higher_is_better=False),
        figure("generate 1M users: peak memory", peak, "MiB", higher_is_better=False),
        figure("write 1M-row parquet", write_s, "s", higher_is_better=False),
        figure("read_batch 1M-row parquet", read_s, "s", target="a few seconds",
               met=read_s < 5.0, peer="pandas.read_parquet", peer_value=peer_s,
               higher_is_better=False),
    ]  # fmt: skip
    details = {"rows": len(month.frame), "columns": month.frame.shape[1],
               "parquet_mib": round(size_mib, 1), "repeats": 3,
               "note": "2 shared cores, timings noisy"}  # fmt: skip
    print(json.dumps(figures, indent=2))
    print(write_result("synth", figures, details))


if __name__ == "__main__":
    if sys.argv[1:] == ["--step", "generate"]:
        _generate()
        print(json.dumps({"peak_rss_mib": peak_rss_mib()}))
    else:
        main()
