"""Running the great-expectations suite over a batch: two passes, detail only where it failed.

Columns without missing values are checked on the batch frame itself, where copy-on-write
makes GE's per-metric null filter free. A column holding missing values makes that filter
a real row selection of the whole frame (once per metric), so such columns are checked on a
frame of just the columns their expectations read. Both passes use ``BOOLEAN_ONLY``; the
expectations that failed are run again with ``SUMMARY`` on a narrow frame, which gives the
count, the unexpected values and the row positions the report needs. The passes are merged
into one result in great-expectations' JSON shape.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from validation.frame_stats import FrameStats
from validation.rules import TableRules
from validation.suite import (
    BOOLEAN_ONLY,
    SUMMARY,
    SuiteRunner,
    cached_suite,
    detail_suite,
    detail_type,
    narrow_frame,
)


def run_expectations(
    df: pd.DataFrame,
    rules: TableRules,
    month: str | None,
    band: tuple[int | None, int | None],
    stats: FrameStats,
) -> dict[str, Any]:
    """great-expectations' result for the batch, with full detail on each failed expectation.

    ``stats`` holds the batch's column statistics (computed once, shared with the caller).
    A text column gets the type expectation only when pandas' C-level ``infer_dtype`` finds
    something other than str in it: GE checks object columns value by value in Python.
    Likewise a column with no missing value skips the not-null expectation it would pass.
    """
    runner = SuiteRunner.shared()
    present = [c.name for c in rules.columns if c.name in df.columns]
    typed = [n for n in present if rules.column(n).kind == "text" and stats.holds_non_str(n)]
    full = [n for n in present if not stats.missing_count(n)]
    holey = [n for n in present if stats.missing_count(n)]
    suite = cached_suite(rules, month, band, full, typed, filled=True)
    results = [runner.run(df, suite, BOOLEAN_ONLY)]
    if holey:
        suite = cached_suite(rules, month, band, holey, typed, table=False)
        frame = narrow_frame(df, holey)
        results.append(runner.run(frame, suite, BOOLEAN_ONLY))
    merged = _merge(results)
    _add_detail(merged, df, runner)
    return merged


def _merge(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    merged = dict(results[0])
    merged["results"] = [r for res in results for r in res["results"]]
    evaluated = len(merged["results"])
    good = sum(bool(r["success"]) for r in merged["results"])
    merged["success"] = good == evaluated
    merged["statistics"] = {
        "evaluated_expectations": evaluated,
        "successful_expectations": good,
        "unsuccessful_expectations": evaluated - good,
        "success_percent": 100.0 * good / evaluated if evaluated else None,
    }
    return merged


def _add_detail(result: dict[str, Any], df: pd.DataFrame, runner: SuiteRunner) -> None:
    """Replace each failed result by its ``SUMMARY`` rerun on the columns it reads."""
    configs = [r["expectation_config"] for r in result["results"] if not r["success"]]
    if not configs:
        return
    frame = narrow_frame(df, [c for cfg in configs for c in _columns(cfg)])
    detail = runner.run(frame, detail_suite(configs), SUMMARY)
    by_key = {_key(r["expectation_config"]): r for r in detail["results"]}
    result["results"] = [
        r if r["success"] else by_key.get(_key(r["expectation_config"], detail=True), r)
        for r in result["results"]
    ]


def _columns(config: dict[str, Any]) -> list[str]:
    kwargs = config.get("kwargs", {})
    return [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list", []))


def _key(config: dict[str, Any], *, detail: bool = False) -> str:
    kwargs = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
    kind = detail_type(config["type"]) if detail else config["type"]
    return json.dumps([kind, kwargs], sort_keys=True, default=str)
