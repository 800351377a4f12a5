"""The run gates its month bucket by bucket against the reference month cut into the same
buckets, and records the report one pass over the whole month gives; nothing is scored
before that verdict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from prospect.spec import load_spec

SPEC = load_spec("subscriber_5g")


def _delivered(frame: pd.DataFrame, folder: Path) -> Path:
    """The month as a folder of three parts: two Parquet provinces and a CSV one."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    third = table.num_rows // 3
    for i, province in enumerate(["gd", "js"]):
        (folder / f"province={province}").mkdir(parents=True)
        pq.write_table(table.slice(i * third, third), folder / f"province={province}/p-0.parquet")
    pacsv.write_csv(table.slice(2 * third), folder / "zj.csv")
    return folder


def _broken(batch: Path) -> pd.DataFrame:
    """Findings in every part: negative bills, repeated ids, unseen regions, a formula."""
    frame = pd.read_parquet(batch)
    n = len(frame)
    frame.loc[[5, n // 2, n - 3], "bill_amount"] = -1.0
    frame.loc[[n // 3 + 1, n - 1], "user_id"] = frame.loc[[7, 8], "user_id"].to_numpy()
    frame.loc[list(range(40, n, 97)), "region"] = "Atlantis"
    frame.loc[n // 2 + 4, "msisdn"] = "=1+1"
    return frame


def _report(settings, report_id: int) -> dict:
    from prospect.store import DQReport, make_engine, session_scope

    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        path = Path(session.get(DQReport, report_id).json_path)
    engine.dispose()
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["stats"].pop("seconds")
    summary.pop("context")
    expectations = json.loads((path.parent / "expectations.json").read_text(encoding="utf-8"))
    return {"summary": summary, "expectations": expectations}


def test_a_month_gated_bucket_by_bucket_gets_the_report_of_one_pass(ready, tmp_path):
    from prospect.pipeline import execute, get_state, plan_month, steps
    from prospect.quality import gate_batch
    from prospect.synth import write_months

    old, new = write_months(tmp_path / "in", 900, 2, seed=5)
    first, _ = plan_month("2026-09", old, settings=ready, n_partitions=3)
    assert execute(first.run_id, ready).state.status == "draft"  # the reference month passed

    folder = _delivered(_broken(new), tmp_path / "subscribers_2026-10")
    copy = shutil.copytree(folder, tmp_path / "copy" / folder.name)
    one_pass = gate_batch(copy, SPEC, month="2026-10", reference=old, settings=ready)

    plan, _ = plan_month("2026-10", folder, settings=ready, n_partitions=4)  # not the 3 of Sept.
    assert steps.validate_step(plan.run_id, ready) == "quarantine"
    state = get_state(ready, plan.run_id)
    assert state.status == "quarantined" and state.dq_report_id != one_pass.report_id
    by_buckets = _report(ready, state.dq_report_id)
    assert by_buckets == _report(ready, one_pass.report_id)
    checks = {f["check"] for f in by_buckets["summary"]["failures"]}
    assert {"expect_column_values_to_be_between", "duplicate_ids", "format"} <= checks
    assert any(f["examples"] for f in by_buckets["summary"]["failures"])
    assert not folder.exists()  # quarantined, as the one pass would have


def test_nothing_is_scored_before_the_verdict(ready, tmp_path):
    from prospect.pipeline import plan_month, steps
    from prospect.pipeline.exceptions import RunError
    from prospect.synth import write_months

    (batch,) = write_months(tmp_path / "in", 600, 1, seed=3, end_month="2026-10")
    plan, _ = plan_month("2026-10", batch, settings=ready, n_partitions=2)
    assert steps.gate_step(plan.run_id, ready) == "validating"
    steps.ingest_step(plan.run_id, 0, ready)
    assert steps.finish_ingest(ready, plan.run_id) == "gate"
    for bucket in range(2):
        steps.gate_bucket_step(plan.run_id, bucket, ready)
    with pytest.raises(RunError, match="the gate has not let the month through"):
        steps.score_step(plan.run_id, 0, ready)  # a worker that took a score task too early
    assert steps.claim_verdict(ready, plan.run_id) and not steps.claim_verdict(ready, plan.run_id)
    assert steps.verdict_step(plan.run_id, ready) == "pass"
    assert steps.score_step(plan.run_id, 0, ready)["n_scored"] > 0


def test_every_row_of_a_delivery_is_placed_once_by_its_position(ready, tmp_path):
    from prospect.pipeline import plan_month, steps
    from prospect.pipeline.partitions import delivery_positions
    from prospect.synth import write_months

    (batch,) = write_months(tmp_path / "in", 700, 1, seed=4, end_month="2026-10")
    folder = _delivered(pd.read_parquet(batch), tmp_path / "subscribers_2026-10")
    plan, _ = plan_month("2026-10", folder, settings=ready, n_partitions=3)
    steps.gate_step(plan.run_id, ready)
    for part in range(3):
        steps.ingest_step(plan.run_id, part, ready)
    buckets = ready.artifacts_dir / "runs" / plan.run_id / "partitions"
    positions = np.concatenate([delivery_positions(buckets, b) for b in range(3)])
    assert sorted(positions.tolist()) == list(range(700))
    from prospect.io import read_batch

    whole = read_batch(folder, SPEC, month="2026-10")
    for b in range(3):
        bucket = read_batch(buckets / f"bucket-{b:04d}", SPEC, month="2026-10")
        at = delivery_positions(buckets, b)
        assert bucket["user_id"].tolist() == whole["user_id"].iloc[at].tolist()
