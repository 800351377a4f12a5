"""The gate: one great-expectations run, cross-field rules and drift, adding up to one outcome.

Each statistic is computed once: great-expectations checks the whole batch in one run
(details only for what failed, see :mod:`validation.suite`), the cross-field rules are
vectorised, the missing shares are counted once and feed the drift table, and the report is
rendered afterwards from the result without touching the data again.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from validation.crossfield import check_rules
from validation.drift import ReferenceProfile, drift_table
from validation.expect import run_expectations
from validation.frame_stats import FrameStats
from validation.guards import format_failures, guard_failures
from validation.identity import (
    content_digest,
    id_row_hashes,
    identity_failures,
    row_hashes,
)
from validation.interpret import failures_from_ge
from validation.result import Failure, ValidationResult
from validation.rules import TableRules
from validation.uniqueness import duplicate_id_failure

logger = logging.getLogger(__name__)


def validate(
    df: pd.DataFrame,
    rules: TableRules,
    *,
    month: str | None,
    reference: pd.DataFrame | ReferenceProfile | None = None,
    known_ids: Mapping[str, Sequence[Any]] | None = None,
) -> ValidationResult:
    """Check one batch against ``rules`` and, when given, the reference month.

    Parameters
    ----------
    df : the typed batch (numbers as float64, text as str).
    rules : what the table must look like.
    month : the batch's month; every row's month column must equal it (None: not checked).
    reference : the last month that passed, as a frame or a stored profile; without it
        drift, the guards, identity continuity and the row-count band are not checked.
    known_ids : named id lists that must go on matching (suppression list, contact history):
        each must match this month about as well as it matched the reference month.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame; got {type(df).__name__}.")
    if not isinstance(rules, TableRules):
        raise TypeError(f"rules must be a TableRules; got {type(rules).__name__}.")
    start = time.perf_counter()
    profile = _profile(reference, rules)
    ids = df[rules.id_column].to_numpy() if rules.id_column in df.columns else None
    stats = FrameStats(df)
    # Every check but great-expectations runs first and keeps only its findings: GE's
    # working set is the gate's peak, and the others' passing allocations stay under it.
    crossed = check_rules(df, rules.cross_field_rules, ids)
    formats = format_failures(df, rules, ids)
    drift_rows, drift_failures = drift_table(df, rules, profile, stats) if profile else ([], [])
    guarded, continuity, digest = _follow_on(df, rules, profile, stats, known_ids)
    ge_result = run_expectations(df, rules, month, _row_band(profile, rules), stats)
    failures = [*failures_from_ge(ge_result, rules, ids), *crossed, *formats, *guarded]
    result = ValidationResult(month, failures + drift_failures, drift_rows, {}, [ge_result])
    result.stats = _stats(df, ge_result, profile, time.perf_counter() - start)
    result.stats["identity"] = continuity
    result.stats["content_digest"] = digest
    logger.info("validated %d rows of %s: %s", len(df), month, result.outcome)
    return result


def _follow_on(
    df: pd.DataFrame,
    rules: TableRules,
    profile: ReferenceProfile | None,
    stats: FrameStats,
    known_ids: Mapping[str, Sequence[Any]] | None,
) -> tuple[list[Failure], dict[str, float], str | None]:
    """Duplicate ids, guards, identity continuity and the content digest: the checks that
    hash every id and row. Returns their failures, the continuity figures and the digest;
    the hashes are dropped on return."""
    id_hashes = id_row_hashes(df[rules.id_column]) if rules.id_column in df.columns else None
    rows = row_hashes(df, rules, id_hashes)
    rows = None if rows is None else np.sort(rows)
    order = None if id_hashes is None else np.argsort(id_hashes)  # one sort for three checks
    duplicated = duplicate_id_failure(df, rules, id_hashes, order)
    failures: list[Failure] = [] if duplicated is None else [duplicated]
    continuity: dict[str, float] = {}
    if profile is not None:
        failures += guard_failures(df, rules, profile, stats, id_hashes, order)
        present = _sorted_present_ids(id_hashes, order, stats, rules.id_column)
        found, continuity = identity_failures(
            present, rows, profile.ids, profile.rows, rules, known_ids, ids_sorted=True
        )
        failures += found
    return failures, continuity, content_digest(rows)


def _profile(
    reference: pd.DataFrame | ReferenceProfile | None, rules: TableRules
) -> ReferenceProfile | None:
    if reference is None or isinstance(reference, ReferenceProfile):
        return reference
    if isinstance(reference, pd.DataFrame):
        return ReferenceProfile.from_frame(reference, rules)
    raise TypeError(
        f"reference must be a DataFrame, a ReferenceProfile or None; "
        f"got {type(reference).__name__}."
    )


def _row_band(profile: ReferenceProfile | None, rules: TableRules) -> tuple[int | None, int | None]:
    if profile is None:
        return None, None
    low, high = rules.row_count_band
    return math.ceil(profile.row_count * low), math.floor(profile.row_count * high)


def _sorted_present_ids(
    id_hashes: np.ndarray | None, order: np.ndarray | None, stats: FrameStats, id_column: str
) -> np.ndarray:
    """The hashes of the rows that hold an id, in order (``order``: the hashes' argsort)."""
    if id_hashes is None or order is None:
        return np.array([], dtype=np.uint64)
    mask = stats.present(id_column)
    ordered = id_hashes[order]
    return ordered if mask is None else ordered[mask[order]]


def _stats(
    df: pd.DataFrame, ge_result: dict[str, Any], profile: ReferenceProfile | None, seconds: float
) -> dict[str, Any]:
    return {
        "rows": len(df),
        "columns": df.shape[1],
        "expectations_evaluated": ge_result.get("statistics", {}).get("evaluated_expectations", 0),
        "reference_rows": None if profile is None else profile.row_count,
        "seconds": round(seconds, 3),
    }
