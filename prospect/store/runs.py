"""Run records: one per (batch checksum, model version, config hash), created once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from prospect.store.audit import record_audit
from prospect.store.exceptions import RecordNotFoundError
from prospect.store.models import RUN_STATUSES, Run
from prospect.store.types import utcnow

_RUN_FIELDS = ("month", "batch_path", "batch_checksum", "model_version", "config_hash")
_FINAL = {"draft", "quarantined", "failed", "approved", "rejected"}


def get_or_create_run(
    session: Session, run_id: str, fields: dict[str, Any], *, requested_by: str | None = None
) -> tuple[Run, bool]:
    """The run ``run_id`` and whether it was created now; an existing run is left untouched.

    ``fields`` holds month, batch_path, batch_checksum, model_version and config_hash.
    """
    run = session.get(Run, run_id)
    if run is not None:
        return run, False
    missing = [f for f in _RUN_FIELDS if f not in fields]
    extra = sorted(set(fields) - set(_RUN_FIELDS))
    if missing or extra:
        raise ValueError(
            f"run fields must be {list(_RUN_FIELDS)}; missing {missing}, extra {extra}."
        )
    run = Run(run_id=run_id, requested_by=requested_by, **fields)
    session.add(run)
    session.flush()
    return run, True


_STOPPED = ("failed", "quarantined")


def set_run_status(
    session: Session,
    run_id: str,
    status: str,
    *,
    actor: str = "system",
    failure_reason: str | None = None,
    timings: dict[str, float] | None = None,
) -> Run:
    """Move a run to ``status`` (stamping start and finish times) and audit the change."""
    if status not in RUN_STATUSES:
        raise ValueError(f"status must be one of {list(RUN_STATUSES)}; got {status!r}.")
    run = session.get(Run, run_id)
    if run is None:
        raise RecordNotFoundError(f"no run with id {run_id!r}.")
    old = run.status
    run.status = status
    if status != "queued" and run.started_at is None:
        run.started_at = utcnow()
    if status in _FINAL:
        run.finished_at = utcnow()
    if failure_reason is not None:
        run.failure_reason = failure_reason
    elif status not in _STOPPED:  # a restarted or succeeding run no longer shows an old failure
        run.failure_reason = None
    if timings:
        run.timings = {**run.timings, **timings}
    session.flush()
    detail = {"from": old, "to": status, "failure_reason": failure_reason}
    record_audit(session, actor, f"run.{status}", "runs", run_id, detail)
    return run
