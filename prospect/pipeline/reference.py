"""A run's reference month, cut into the run's hash buckets before any bucket is gated.

The reference is the latest earlier month whose run passed the gate. Its profile (drift
bins, shares, ids, rows, guarded members) is built once per run by streaming that run's own
buckets (one bucket in memory at a time; the month's batch file is read whole only when its
buckets are gone) and stored as a summary plus one shard per bucket of this run, beside the
known id lists (suppression, contact history) hashed and cut the same way. Each bucket's
gate loads its shard only; the verdict reads the summary.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select

from prospect.io import read_batch
from prospect.pipeline.partitions import partition_path
from prospect.pipeline.plan import RunPlan, run_dir
from prospect.pipeline.state import run_session
from prospect.quality import known_id_lists, table_rules
from prospect.settings import Settings
from prospect.spec import DatasetSpec
from prospect.store import Run
from validation import ReferenceProfile
from validation.identity import bucket_of, hash_ids
from validation.profile_build import SUMMARY, ProfileBuilder, load_profile

PASSED = ("draft", "approved", "rejected")
KNOWN = "known.json"
NONE = "none.json"


def reference_folder(settings: Settings, run_id: str) -> Path:
    return run_dir(settings, run_id) / "reference"


def prepare_reference(settings: Settings, plan: RunPlan, spec: DatasetSpec) -> bool:
    """Build the run's reference shards (once); False when the run has no reference month."""
    folder = reference_folder(settings, plan.run_id)
    if (folder / SUMMARY).is_file():
        return True
    if (folder / NONE).is_file():
        return False
    frames = _reference_frames(settings, plan, spec)
    tmp = folder.with_name(f".reference.{uuid.uuid4().hex[:8]}.tmp")
    try:
        if frames is None:
            tmp.mkdir(parents=True)
            (tmp / NONE).write_text("{}", encoding="utf-8")
        else:
            builder = ProfileBuilder(table_rules(spec), plan.n_partitions, tmp)
            for frame in frames:
                builder.add(frame)
            builder.finish()
            _write_known(settings, tmp, plan.n_partitions)
        if not folder.exists():  # a redelivered task may have finished it meanwhile
            tmp.replace(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return frames is not None


def _reference_frames(
    settings: Settings, plan: RunPlan, spec: DatasetSpec
) -> Iterator[pd.DataFrame] | None:
    """The reference month a slice at a time (its run's buckets), or whole (its batch file),
    or None without one."""
    with run_session(settings) as session:
        stmt = (
            select(Run.run_id, Run.month, Run.batch_path)
            .where(Run.month < plan.month, Run.status.in_(PASSED))
            .order_by(Run.month.desc(), Run.created_at.desc())
        )
        candidates = session.execute(stmt).all()
    for run_id, month, batch_path in candidates:
        buckets = run_dir(settings, run_id) / "partitions"
        folders = sorted(buckets.glob("bucket-*")) if (buckets / "ingested").is_dir() else []
        if folders:
            return (read_batch(f, spec, month=month) for f in folders)
        if Path(batch_path).is_file():
            return iter([read_batch(Path(batch_path), spec)])
    return None


def _write_known(settings: Settings, folder: Path, n: int) -> None:
    """The known id lists as sorted id hashes, one file per bucket, and their sizes."""
    lists = {name: hash_ids(values) for name, values in known_id_lists(settings).items()}
    for b in range(n):
        mine = {f"list_{i}": h[bucket_of(h, n) == b] for i, h in enumerate(lists.values())}
        np.savez(partition_path(folder, b) / "known.npz", **mine)  # type: ignore[arg-type]
    sizes = {name: int(h.size) for name, h in lists.items()}
    (folder / KNOWN).write_text(json.dumps(sizes), encoding="utf-8")


def bucket_reference(
    settings: Settings, run_id: str, bucket: int
) -> tuple[ReferenceProfile | None, dict[str, np.ndarray] | None]:
    """Bucket ``bucket``'s share of the reference and of the known id lists (None, None
    without a reference)."""
    folder = reference_folder(settings, run_id)
    if not (folder / SUMMARY).is_file():
        return None, None
    names = list(json.loads((folder / KNOWN).read_text(encoding="utf-8")))
    stored = np.load(partition_path(folder, bucket) / "known.npz")
    known = {name: stored[f"list_{i}"] for i, name in enumerate(names)}
    return load_profile(folder, bucket), known


def reference_summary(
    settings: Settings, run_id: str
) -> tuple[ReferenceProfile | None, dict[str, int] | None]:
    """The reference's totals and bins, and the known lists' sizes (None, None without one)."""
    folder = reference_folder(settings, run_id)
    if not (folder / SUMMARY).is_file():
        return None, None
    return load_profile(folder), json.loads((folder / KNOWN).read_text(encoding="utf-8"))
