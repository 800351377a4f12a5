"""Bulk insert of a 1,000,000-target campaign: ``save_campaign`` on SQLite and PostgreSQL.

Peer: pandas ``DataFrame.to_sql`` (chunked executemany through SQLAlchemy) writing the same
frame into a same-shaped table, in the same run. PostgreSQL needs
``PROSPECT_TEST_POSTGRES_URL`` (``scripts/services.sh postgres``); without it only SQLite is
measured. Run: ``python -m bench.bench_store``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import JSON, Engine, create_engine
from sqlalchemy.engine import make_url

from bench.common import figure, peak_rss_mib, write_result
from prospect.store import get_or_create_run, make_engine, save_campaign, session_scope, upgrade

N_ROWS = 1_000_000
REPEATS = 3
# The peer is ~2x slower; one run of it keeps the whole benchmark under six minutes.
PEER_REPEATS = 1
TARGET_SECONDS = 60.0
PG_ENV = "PROSPECT_TEST_POSTGRES_URL"


def targets_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """A realistic list: ids, msisdns, scores and a small ``why`` JSON per row."""
    rng = np.random.default_rng(seed)
    whys = [
        {"drivers": [f"f{i}", f"f{i + 1}", "tenure_months"], "reasons": [f"R{i:02d}", "R99"]}
        for i in range(50)
    ]
    return pd.DataFrame(
        {
            "user_id": [f"u{i:08d}" for i in range(n)],
            "msisdn": [f"138{i:08d}" for i in range(n)],
            "rank": np.arange(1, n + 1),
            "persona": rng.choice(["digital natives", "family", "business", "seniors"], n),
            "p_demand": rng.random(n),
            "pd": rng.random(n) * 0.1,
            "score_points": rng.normal(650, 50, n),
            "expected_value": rng.normal(100, 30, n),
            "is_control": (rng.random(n) < 0.1).astype(float),
            "why": [whys[i % 50] for i in range(n)],
        }
    )


def timed(setup: Callable[[], Callable[[], object]], repeats: int) -> float:
    """Median seconds of the callable ``setup()`` returns, a fresh one per repeat."""
    times = []
    for _ in range(repeats):
        fn = setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def save_once(engine: Engine, df: pd.DataFrame) -> Callable[[], object]:
    run_id = f"bench-{uuid.uuid4().hex[:12]}"
    fields = {"month": "2026-10", "batch_path": "b", "batch_checksum": run_id,
              "model_version": "m", "config_hash": "c"}  # fmt: skip
    with session_scope(engine) as session:
        get_or_create_run(session, run_id, fields)

    def run() -> object:
        with session_scope(engine) as session:
            campaign_fields = {"month": "2026-10", "name": "bench", "model_version": "m"}
            return save_campaign(session, run_id, campaign_fields, df)

    return run


def to_sql_once(engine: Engine, df: pd.DataFrame) -> Callable[[], object]:
    table = f"peer_{uuid.uuid4().hex[:8]}"
    frame = df.assign(campaign_id=1, is_control=df["is_control"].astype(bool))
    return lambda: frame.to_sql(table, engine, index=False, chunksize=50_000, dtype={"why": JSON()})


@contextmanager
def scratch_schema(server_url: str) -> Iterator[str]:
    """A URL on a fresh PostgreSQL schema, dropped afterwards (a million rows per repeat)."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def measure(label: str, url: str, df: pd.DataFrame) -> tuple[list[dict], dict]:
    upgrade(url)
    engine = make_engine(url)
    ours = timed(lambda: save_once(engine, df), REPEATS)
    peer_engine = engine if label == "sqlite" else create_engine(url)
    peer = timed(lambda: to_sql_once(peer_engine, df), PEER_REPEATS)
    engine.dispose()
    figures = [
        figure(f"save_campaign 1M targets, {label}", ours, "s", target=f"< {TARGET_SECONDS:.0f} s",
               met=ours < TARGET_SECONDS, peer="pandas.to_sql", peer_value=peer,
               higher_is_better=False),
        figure(f"save_campaign throughput, {label}", N_ROWS / ours, "rows/s",
               peer="pandas.to_sql", peer_value=N_ROWS / peer),
    ]  # fmt: skip
    return figures, {f"{label}_seconds": ours, f"{label}_peer_seconds": peer}


def main() -> None:
    df = targets_frame(N_ROWS)
    figures: list[dict] = []
    details: dict = {
        "rows": N_ROWS,
        "repeats": REPEATS,
        "peer_repeats": PEER_REPEATS,
        "note": "2 cores shared with ~7 engineers: timings are noisy. The peer table has no "
        "indexes; ours keeps the primary key and two unique indexes per insert.",
    }
    with tempfile.TemporaryDirectory() as tmp:
        f, d = measure("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", df)
        figures += f
        details.update(d)
    pg_url = os.environ.get(PG_ENV)
    if pg_url:
        with scratch_schema(pg_url) as url:
            f, d = measure("postgresql", url, df)
        figures += f
        details.update(d)
    else:
        details["postgresql"] = f"skipped: {PG_ENV} not set"
    details["peak_rss_mib"] = peak_rss_mib()
    path = write_result("store", figures, details)
    for row in figures:
        print(row)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
