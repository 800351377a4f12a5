"""The data-quality gate wired to a dataset spec: read, validate, quarantine, report, record.

:func:`table_rules` turns a :class:`~prospect.spec.DatasetSpec` into the ``validation``
library's rules; :func:`gate_batch` runs one batch file through the gate. A batch that is
quarantined (including one that cannot be read) is moved untouched to
``settings.quarantine_dir`` and nothing downstream sees it.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd
from sqlalchemy import select

from prospect.exceptions import DataReadError, ProspectError
from prospect.io import file_checksum, read_batch
from prospect.settings import Settings, get_settings
from prospect.spec import ColumnSpec, DatasetSpec
from prospect.store import (
    ContactHistory,
    DQReport,
    load_suppression,
    make_engine,
    session_scope,
)
from prospect.store.db import require_schema
from validation import (
    ColumnRule,
    CrossFieldRule,
    Failure,
    GuardLimits,
    IdentityBand,
    Outcome,
    ReferenceProfile,
    ReportPaths,
    TableRules,
    ValidationResult,
    validate,
    write_report,
)

logger = logging.getLogger(__name__)
Reference: TypeAlias = Path | pd.DataFrame | ReferenceProfile | None


class ReferenceUnreadableError(ProspectError):
    """The reference month named for drift cannot be read (an operational failure: the batch
    itself was not judged)."""


@dataclass(frozen=True)
class GateResult:
    """What the gate decided about one batch file.

    ``frame`` is the typed batch unless it was quarantined; ``quarantined_path`` is where the
    file now lives when it was moved; ``report_id`` is the ``dq_reports`` row id.
    """

    outcome: Outcome
    report_id: int
    report: ReportPaths
    result: ValidationResult
    frame: pd.DataFrame | None
    quarantined_path: Path | None


def column_rule(col: ColumnSpec) -> ColumnRule:
    """The validation rule of one spec column (booleans are numbers restricted to 0/1)."""
    text = col.dtype == "string" or col.role in ("id", "month", "pii", "categorical")
    allowed: tuple[str | float, ...] | None = None
    if col.role == "categorical" and col.allowed is not None:
        allowed = tuple(str(v) for v in col.allowed)
    elif col.dtype == "bool":
        allowed = (0.0, 1.0)
    drift = {"numeric": "numeric", "categorical": "categorical", "boolean": "categorical"}
    return ColumnRule(
        name=col.name, kind="text" if text else "number", required=col.required,
        nullable=col.nullable, min=col.min, max=col.max, allowed=allowed,
        drift=drift.get(col.role) if col.feature else None,  # type: ignore[arg-type]
        free_text=text and allowed is None and col.role != "month",
    )  # fmt: skip


def table_rules(spec: DatasetSpec, **overrides: Any) -> TableRules:
    """Gate rules from a spec; ``overrides`` set TableRules fields such as ``value_tolerance``."""
    rules = tuple(
        CrossFieldRule(name=r.name, expr=r.expr, mostly=r.mostly, severity=r.severity,
                       description=r.description)
        for r in spec.cross_field_rules
    )  # fmt: skip
    guards = spec.guards
    limits = GuardLimits(share_relative=guards.share_relative, share_absolute=guards.share_absolute,
                         noise_sigmas=guards.noise_sigmas, missing_rise=guards.missing_rise,
                         psi=guards.psi, keep_min=guards.keep_min,
                         keep_min_group=guards.keep_min_group)  # fmt: skip
    identity = IdentityBand(**guards.identity.model_dump())
    settings = {"guards": tuple(spec.guarded_columns), "guard_limits": limits,
                "formats": dict(guards.formats), "identity": identity, **overrides}  # fmt: skip
    return TableRules(
        columns=tuple(column_rule(c) for c in spec.columns), id_column=spec.id_column,
        month_column=spec.month_column, cross_field_rules=rules, **settings,
    )  # fmt: skip


def batch_month(frame: pd.DataFrame, spec: DatasetSpec) -> str | None:
    """The month most rows carry (a batch with a few foreign rows is still that month's)."""
    if spec.month_column is None or spec.month_column not in frame or frame.empty:
        return None
    counts = frame[spec.month_column].dropna().value_counts()
    return str(counts.index[0]) if len(counts) else None


def gate_batch(
    path: Path,
    spec: DatasetSpec,
    *,
    month: str | None = None,
    reference: Reference = None,
    settings: Settings | None = None,
    rules: TableRules | None = None,
) -> GateResult:
    """Read, validate, report and record one batch; quarantine it when the gate says so.

    Parameters
    ----------
    path : the batch file (CSV or Parquet).
    spec : its dataset spec.
    month : the batch's month; by default the month most of its rows carry.
    reference : the last month that passed (file, frame or stored profile); None skips drift.
    settings : paths and database; by default :func:`~prospect.settings.get_settings`.
    rules : gate rules; by default :func:`table_rules` of ``spec``.
    """
    settings = settings or get_settings()
    path = Path(path)
    rules = rules or table_rules(spec)
    ref = _reference(reference, spec)
    require_schema(settings.db_url)
    try:
        frame: pd.DataFrame | None = read_batch(path, spec, month=month)
    except DataReadError as exc:
        frame, result = None, read_failure(exc, spec, month)
    else:
        month = month or batch_month(frame, spec)
        known = known_id_lists(settings) if ref is not None else None
        result = validate(frame, rules, month=month, reference=ref, known_ids=known)
        result.failures[:0] = _repeats(settings, result, _checksum(path))  # the root cause
    return _finish(path, spec, result, frame, settings, rules)


def record_verdict(
    path: Path, spec: DatasetSpec, result: ValidationResult, settings: Settings,
    rules: TableRules | None = None,
) -> GateResult:  # fmt: skip
    """Record a batch judged elsewhere (bucket by bucket) as :func:`gate_batch` records its
    own: the check against earlier months' content, the report, the ``dq_reports`` row, and
    the move of a quarantined batch. ``result`` is a judged month or a :func:`read_failure`."""
    if "read_error" not in result.stats:
        result.failures[:0] = _repeats(settings, result, _checksum(path))
    return _finish(path, spec, result, None, settings, rules or table_rules(spec))


def _reference(reference: Reference, spec: DatasetSpec) -> pd.DataFrame | ReferenceProfile | None:
    if not isinstance(reference, str | Path):
        return reference
    try:
        return read_batch(Path(reference), spec)
    except DataReadError as exc:
        raise ReferenceUnreadableError(f"reference month unreadable: {exc}") from exc


def known_id_lists(settings: Settings) -> dict[str, list[str]]:
    """The id lists that must go on matching the subscriber base: the suppression list and
    the ids in the contact history (a change of id format strands both)."""
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            suppressed = sorted(load_suppression(session))
            contacted = list(session.scalars(select(ContactHistory.user_id).distinct()))
    finally:
        engine.dispose()
    return {"suppression list": suppressed, "contact history": contacted}


def _repeats(settings: Settings, result: ValidationResult, checksum: str) -> list[Failure]:
    """A quarantine failure when an earlier batch of another month had the same rows (by
    content: same ids and numbers, whatever the month column, file name or row order)."""
    digest = result.stats.get("content_digest")
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            rows = session.execute(
                select(DQReport.id, DQReport.month, DQReport.batch_checksum, DQReport.summary)
                .where(DQReport.month != (result.month or ""))
                .order_by(DQReport.id)
            ).all()
    finally:
        engine.dispose()
    for report_id, month, earlier_checksum, summary in rows:
        same_bytes = bool(checksum) and earlier_checksum == checksum
        same_rows = digest is not None and (summary or {}).get("stats", {}).get(
            "content_digest") == digest  # fmt: skip
        if same_bytes or same_rows:
            how = "a byte copy of" if same_bytes else "the same rows as"
            return [Failure("repeated_month", None, "quarantine",
                            f"the batch is {how} the {month} batch (report {report_id}): "
                            "the same month twice", month)]  # fmt: skip
    return []


def read_failure(exc: DataReadError, spec: DatasetSpec, month: str | None) -> ValidationResult:
    """The result of a batch that could not be read: one quarantine failure naming it."""
    message = str(exc)
    failure = Failure("read_error", _first_column(message, spec), "quarantine",
                      f"batch could not be read: {message}")  # fmt: skip
    return ValidationResult(month, [failure], [], {"rows": 0, "read_error": message})


def _first_column(message: str, spec: DatasetSpec) -> str | None:
    """The spec column a read error names first (by canonical name, as a whole word)."""
    hits = [(m.start(), c.name) for c in spec.columns
            if (m := re.search(rf"\b{re.escape(c.name)}\b", message))]  # fmt: skip
    return min(hits)[1] if hits else None


def _finish(
    path: Path, spec: DatasetSpec, result: ValidationResult, frame: pd.DataFrame | None,
    settings: Settings, rules: TableRules,
) -> GateResult:  # fmt: skip
    """Record the report row, write the report files, then move a quarantined batch.

    The move comes last so that a failure while writing leaves the batch where it was and
    the database row rolled back.
    """
    checksum = _checksum(path)
    quarantine = result.outcome == "quarantine" and path.exists()  # a file or a folder of parts
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            row = DQReport(month=result.month or "", spec_name=spec.name, batch_path=str(path),
                           batch_checksum=checksum, outcome=result.outcome, summary={})  # fmt: skip
            session.add(row)
            session.flush()
            report_id = int(row.id)
            target = settings.quarantine_dir / f"{report_id}_{path.name}" if quarantine else None
            context = {"batch_path": str(path), "batch_checksum": checksum, "spec": spec.name,
                       "quarantined_to": str(target) if target else None}  # fmt: skip
            out_dir = settings.reports_dir / "data_quality" / str(report_id)
            paths = _write_report(result, out_dir, context, rules)
            row.summary, row.html_path, row.json_path = (
                _compact(result),
                str(paths.html),
                str(paths.json),
            )
            if target is not None:
                _move(path, target)
    finally:
        engine.dispose()
    logger.info("batch %s: %s (report %d)", path.name, result.outcome, report_id)
    kept = frame if result.outcome != "quarantine" else None
    return GateResult(result.outcome, report_id, paths, result, kept, target)


def _write_report(
    result: ValidationResult, out_dir: Path, context: dict[str, Any], rules: TableRules
) -> ReportPaths:
    """The report files, or none of them: a failed write (disk full, read-only folder)
    removes what it began, and the caller's transaction rolls the database row back."""
    try:
        return write_report(result, out_dir, context=context, thresholds=rules.drift)
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise


def _checksum(path: Path) -> str:
    try:
        return file_checksum(path)
    except DataReadError:
        return ""


def _move(path: Path, target: Path) -> None:
    """Move the batch file, byte for byte, into the quarantine folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), target)


def _compact(result: ValidationResult) -> dict[str, Any]:
    """The summary stored in the database: the JSON summary without example ids."""
    summary = result.summary()
    for failure in summary["failures"]:
        failure.pop("examples", None)
        failure["observed"] = str(failure["observed"])[:200]
    return summary
