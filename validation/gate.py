"""The gate: great-expectations suites, cross-field rules and drift, adding up to one outcome."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import pandas as pd

from validation.crossfield import check_rules
from validation.drift import ReferenceProfile, drift_table
from validation.interpret import failures_from_ge
from validation.result import Failure, ValidationResult
from validation.rules import TableRules
from validation.suite import SuiteRunner, column_suite, narrow_frame, table_suite

logger = logging.getLogger(__name__)


def validate(
    df: pd.DataFrame,
    rules: TableRules,
    *,
    month: str | None,
    reference: pd.DataFrame | ReferenceProfile | None = None,
) -> ValidationResult:
    """Check one batch against ``rules`` and, when given, the reference month.

    Parameters
    ----------
    df : the typed batch (numbers as float64, text as str).
    rules : what the table must look like.
    month : the batch's month; every row's month column must equal it (None: not checked).
    reference : the last month that passed, as a frame or a stored profile; without it
        drift and the row-count band are not checked.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame; got {type(df).__name__}.")
    if not isinstance(rules, TableRules):
        raise TypeError(f"rules must be a TableRules; got {type(rules).__name__}.")
    start = time.perf_counter()
    profile = _profile(reference, rules)
    runner = SuiteRunner()
    ids = df[rules.id_column].to_numpy() if rules.id_column in df.columns else None
    ge_results = [runner.run(df, table_suite(rules, *_row_band(profile, rules)))]
    for rule in rules.columns:
        if rule.name in df.columns:
            suite = column_suite(rule, rules, month, df[rule.name])
            ge_results.append(runner.run(narrow_frame(df, rule, rules), suite))
    failures = [f for res in ge_results for f in failures_from_ge(res, rules, ids)]
    failures += check_rules(df, rules.cross_field_rules, ids)
    drift_rows, drift_failures = _drift(df, rules, profile)
    result = ValidationResult(month, failures + drift_failures, drift_rows, {}, ge_results)
    result.stats = _stats(df, ge_results, profile, time.perf_counter() - start)
    logger.info("validated %d rows of %s: %s", len(df), month, result.outcome)
    return result


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


def _drift(
    df: pd.DataFrame, rules: TableRules, profile: ReferenceProfile | None
) -> tuple[list, list[Failure]]:
    present = [c.name for c in rules.columns if c.name in df.columns]
    missing = df[present].isna().mean().to_dict() if len(df) else dict.fromkeys(present, 0.0)
    if profile is None:
        return [], []
    return drift_table(df, rules, profile, {k: float(v) for k, v in missing.items()})


def _stats(
    df: pd.DataFrame, ge_results: list[dict], profile: ReferenceProfile | None, seconds: float
) -> dict[str, Any]:
    evaluated = sum(r.get("statistics", {}).get("evaluated_expectations", 0) for r in ge_results)
    return {
        "rows": len(df),
        "columns": df.shape[1],
        "expectations_evaluated": evaluated,
        "reference_rows": None if profile is None else profile.row_count,
        "seconds": round(seconds, 3),
    }
