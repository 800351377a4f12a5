"""The plan of one run: what it reads and with which model and config, and where it writes.

A run is prepared once: the batch checksum, model version and config hash give the run id, the
``runs`` row is created (status ``queued``) and the plan is written as JSON under the run's
folder, so every later step — on any worker host sharing the artifact folder — needs only the
run id.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from prospect.exceptions import ProspectError
from prospect.io import file_checksum
from prospect.pipeline.exceptions import RunError
from prospect.pipeline.runid import config_hash, derive_run_id
from prospect.settings import SELECTION_FAN_IN, Settings
from prospect.store import Run, get_or_create_run, make_engine, session_scope
from prospect.store.db import require_schema
from prospect.targeting import CampaignConfig

DEFAULT_SPEC = "subscriber_5g"
DEFAULT_PARTITIONS = 8
RUN_FIELDS = ("month", "batch_path", "batch_checksum", "model_version", "config_hash")


@dataclass(frozen=True)
class RunPlan:
    """Inputs of a run, stored as ``plan.json`` in :func:`run_dir`."""

    run_id: str
    month: str
    batch_path: str
    batch_checksum: str
    model_version: str
    config: dict[str, Any]
    config_hash: str
    n_partitions: int
    spec_name: str = DEFAULT_SPEC
    merge_fan_in: int = SELECTION_FAN_IN  # shortlists per selection task (merge_tree)

    @property
    def campaign_config(self) -> CampaignConfig:
        return CampaignConfig.model_validate(self.config)

    @property
    def as_of(self) -> date:
        """First day after the batch month: the date contact rules are judged at, fixed by the
        month (not the wall clock) so a re-run selects the same list."""
        year, month = (int(p) for p in self.month.split("-"))
        return date(year + month // 12, month % 12 + 1, 1)


def run_dir(settings: Settings, run_id: str) -> Path:
    """The folder every file of run ``run_id`` lives under (shared by all worker hosts)."""
    return settings.artifacts_dir / "runs" / run_id


def _temporary(path: Path) -> Path:
    """A unique hidden file beside ``path`` (its folder created), renamed over it once full."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text through a temporary file and a rename, so readers see all of it or
    none (and a failed write leaves the previous file as it was)."""
    tmp = _temporary(path)
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_json_atomic(path: Path, payload: Any) -> None:
    """Write JSON through a temporary file and a rename, so readers see all of it or none."""
    write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=True))


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a Parquet file through a uniquely named temporary file and a rename."""
    tmp = _temporary(path)
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)


def load_plan(settings: Settings, run_id: str) -> RunPlan:
    """The stored plan of ``run_id``."""
    path = run_dir(settings, run_id) / "plan.json"
    try:
        return RunPlan(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise RunError(f"run {run_id!r} has no plan at {path}; was it prepared?") from exc


def verify_batch(plan: RunPlan) -> None:
    """RunError unless the batch file still has the checksum the run was planned with: a
    file replaced, appended to or still being copied must not be judged or scored as the
    planned one."""
    try:
        now = file_checksum(Path(plan.batch_path))
    except ProspectError as exc:
        raise RunError(f"run {plan.run_id}: the planned batch is gone ({exc})") from exc
    if now != plan.batch_checksum:
        raise RunError(
            f"run {plan.run_id}: batch file {plan.batch_path} changed since the run was planned "
            f"(checksum {plan.batch_checksum[:12]}... planned, {now[:12]}... now); land the "
            "complete file and run again"
        )


def check_month(month: str) -> str:
    """``month`` if it is ``YYYY-MM``; ValueError naming it otherwise."""
    parts = month.split("-") if isinstance(month, str) else []
    ok = len(parts) == 2 and len(parts[0]) == 4 and parts[1].isdigit() and parts[0].isdigit()
    if not ok or not 1 <= int(parts[1]) <= 12:
        raise ValueError(f"month must be YYYY-MM; got {month!r}.")
    return month


def current_attempt(settings: Settings, base_run_id: str) -> str:
    """The run id to use for these inputs: the latest attempt, or a new one after a rejection.

    The same batch, model and config give the same run (idempotent), except once reviewers
    rejected its list: a re-run then gets ``<base>-2``, ``-3``... so it is judged afresh against
    the suppression list and contact history of that day instead of returning the rejected run.
    """
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            rows = session.query(Run.run_id, Run.status).filter(
                (Run.run_id == base_run_id) | Run.run_id.like(f"{base_run_id}-%")
            )
            attempts = {_attempt(run_id, base_run_id): status for run_id, status in rows}
    finally:
        engine.dispose()
    if not attempts:
        return base_run_id
    latest = max(attempts)
    n = latest + 1 if attempts[latest] == "rejected" else latest
    return base_run_id if n == 1 else f"{base_run_id}-{n}"


def _attempt(run_id: str, base_run_id: str) -> int:
    suffix = run_id.removeprefix(base_run_id).lstrip("-")
    return int(suffix) if suffix.isdigit() else 1


def prepare_run(
    batch: Path,
    month: str,
    config: CampaignConfig,
    model_version: str,
    *,
    settings: Settings,
    n_partitions: int = DEFAULT_PARTITIONS,
    requested_by: str | None = None,
) -> tuple[RunPlan, bool]:
    """Create (or find) the run of ``batch`` x ``model_version`` x ``config``.

    Returns the plan and whether the run was created now; an existing run keeps its row,
    status and plan.
    """
    batch = Path(batch).resolve()
    checksum = file_checksum(batch)
    digest = config_hash(config)
    require_schema(settings.db_url)
    base = derive_run_id(checksum, model_version, digest, check_month(month))
    run_id = current_attempt(settings, base)
    plan = RunPlan(
        run_id=run_id,
        month=month,
        batch_path=str(batch),
        batch_checksum=checksum,
        model_version=model_version,
        config=config.model_dump(mode="json"),
        config_hash=digest,
        n_partitions=n_partitions,
        merge_fan_in=settings.selection_fan_in,
    )
    fields = {k: getattr(plan, k) for k in RUN_FIELDS}
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine, immediate=True) as session:
            _, created = get_or_create_run(session, run_id, fields, requested_by=requested_by)
    finally:
        engine.dispose()
    path = run_dir(settings, run_id) / "plan.json"
    if created or not path.is_file():
        write_json_atomic(path, asdict(plan))
    return (load_plan(settings, run_id) if not created else plan), created
