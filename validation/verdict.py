"""The gate's verdict from the counts of a month's slices: merged, then judged once.

:func:`merge` adds up the :class:`~validation.slices.SliceCounts` of slices that keep every
row of an id together (hash buckets, or the whole month as one slice); :func:`judge` turns
the sums into the failures, drift table and great-expectations results one pass over the
whole month gives: the same checks in the same order, the same counts and shares, the same
first offending rows (each slice keeps its first ones with their place in the delivery).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from validation.crossfield import rule_failure
from validation.drift import ReferenceProfile, drift_table
from validation.frame_stats import ordered_counts
from validation.guards import SHAPE_ROWS, format_failure, guard_failures
from validation.identity import content_digest, identity_failures
from validation.interpret import MAX_EXAMPLES, failures_from_ge
from validation.result import ValidationResult
from validation.rules import TableRules
from validation.slices import SliceCounts, expectation_key
from validation.suite import cached_suite
from validation.uniqueness import duplicate_failure

_MOD = 1 << 64


def merge(slices: Iterable[SliceCounts]) -> SliceCounts:
    """The counts of the whole month from those of its slices (in delivery order or not)."""
    parts = list(slices)
    if not parts:
        raise ValueError("merge needs the counts of at least one slice.")
    first = parts[0]
    out = SliceCounts(
        rows=sum(p.rows for p in parts), columns=list(first.columns),
        missing={n: sum(p.missing.get(n, 0) for p in parts) for n in first.missing},
        non_str=list(dict.fromkeys(n for p in parts for n in p.non_str)),
    )  # fmt: skip
    for name in dict.fromkeys(n for p in parts for n in p.values):
        totals: dict[Any, int] = {}
        for p in parts:
            for value, count in p.values.get(name, []):
                totals[value] = totals.get(value, 0) + count
        out.values[name] = [list(vc) for vc in ordered_counts(totals.items())]
    for name in dict.fromkeys(n for p in parts for n in p.bins):
        binned = [b for p in parts if (b := p.bins.get(name)) is not None]
        out.bins[name] = np.sum(binned, axis=0).tolist() if binned else None
    for key in dict.fromkeys(k for p in parts for k in p.expectations):
        out.expectations[key] = _merge_expectation([p.expectations[key] for p in parts
                                                    if key in p.expectations])  # fmt: skip
    for name in dict.fromkeys(n for p in parts for n in p.rules):
        out.rules[name] = _merge_rule([p.rules[name] for p in parts if name in p.rules])
    for name in dict.fromkeys(n for p in parts for n in p.formats):
        out.formats[name] = _merge_format([p.formats[name] for p in parts if name in p.formats])
    out.duplicates = _merge_duplicates([p.duplicates for p in parts if p.duplicates])
    out.identity = _merge_identity([p.identity for p in parts if p.identity])
    for name in dict.fromkeys(n for p in parts for n in p.kept):
        kept = [p.kept[name] for p in parts if name in p.kept]
        out.kept[name] = np.sum(kept, axis=0).tolist()
    digests = [p.digest for p in parts if p.digest is not None]
    if digests:
        out.digest = [sum(d[0] for d in digests)] + [
            sum(d[i] for d in digests) % _MOD for i in range(1, len(digests[0]))
        ]
    return out


def _first(lists: Iterable[list[list[Any]]], limit: int) -> list[list[Any]]:
    """The ``limit`` entries with the lowest delivery positions (an entry's first item)."""
    return sorted((e for entries in lists for e in entries), key=lambda e: e[0])[:limit]


def _merge_expectation(records: list[dict[str, Any]]) -> dict[str, Any]:
    broken = [r for r in records if not r["success"]]
    raised = [r for r in broken if r["exception"] is not None]
    if raised:
        return raised[0]
    if not broken:
        return records[0]
    return {
        **broken[0],
        "unexpected_count": sum(r["unexpected_count"] or 0 for r in broken),
        "unexpected": _first((r["unexpected"] for r in broken), MAX_EXAMPLES),
    }


def _merge_rule(records: list[dict[str, Any]]) -> dict[str, Any]:
    errors = [r for r in records if "error" in r or not r["used"]]
    if errors:
        return errors[0]
    return {
        "used": records[0]["used"],
        "broken": sum(r["broken"] for r in records),
        "judged": sum(r["judged"] for r in records),
        "examples": _first((r["examples"] for r in records), MAX_EXAMPLES),
    }


def _merge_format(records: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    if any(r is None for r in records):
        return None
    found = [r for r in records if r is not None]
    return {
        "bad": sum(r["bad"] for r in found),
        "total": sum(r["total"] for r in found),
        "shapes": _first((r["shapes"] for r in found), SHAPE_ROWS),
        "examples": _first((r["examples"] for r in found), MAX_EXAMPLES),
    }


def _merge_duplicates(records: list[dict[str, Any]]) -> dict[str, Any]:
    if not records:
        return {}
    return {
        "rows": sum(r["rows"] for r in records),
        "within_month": any(r["within_month"] for r in records),
        "ids": _first((r["ids"] for r in records), MAX_EXAMPLES),
    }


def _merge_identity(records: list[dict[str, Any]]) -> dict[str, Any]:
    if not records:
        return {}
    out: dict[str, Any] = {
        "present": sum(r["present"] for r in records),
        "seen": sum(r["seen"] for r in records),
        "known": {},
    }
    for name in dict.fromkeys(n for r in records for n in r["known"]):
        pairs = [r["known"][name] for r in records if name in r["known"]]
        out["known"][name] = [sum(p[0] for p in pairs), sum(p[1] for p in pairs)]
    with_rows = [r for r in records if "rows" in r]
    if with_rows:
        out["rows"] = sum(r["rows"] for r in with_rows)
        out["repeated"] = sum(r["repeated"] for r in with_rows)
    return out


def judge(
    counts: SliceCounts,
    rules: TableRules,
    *,
    month: str | None,
    profile: ReferenceProfile | None = None,
    known_sizes: Mapping[str, int] | None = None,
    seconds: float = 0.0,
) -> ValidationResult:
    """The verdict on a month from its added-up counts.

    ``profile`` is the reference month's (only its totals and bins are read here);
    ``known_sizes`` the number of distinct ids of each known list the slices looked up.
    """
    ge_result = _expectation_results(counts, rules, month, _row_band(profile, rules))
    has_ids = rules.id_column in counts.columns
    ids = _unexpected_ids(counts) if has_ids else None
    failures = list(failures_from_ge(ge_result, rules, ids))
    for rule in rules.cross_field_rules:
        crossed = rule_failure(rule, counts.rules[rule.name])
        failures += [] if crossed is None else [crossed]
    for name, pattern in rules.formats.items():
        formatted = format_failure(name, pattern, counts.formats.get(name), rules)
        failures += [] if formatted is None else [formatted]
    duplicated = duplicate_failure(counts.duplicates, counts.rows, rules.id_column)
    failures += [] if duplicated is None else [duplicated]
    continuity: dict[str, float] = {}
    drift_rows: list[Any] = []
    drift_failures: list[Any] = []
    if profile is not None:
        shares, binned = _shares(counts), _binned(counts)
        failures += guard_failures(rules, counts, profile, shares, binned)
        if has_ids:
            found, continuity = identity_failures(
                counts.identity, rules, profile.n_ids, profile.n_rows, known_sizes
            )
            failures += found
        missing = _missing_share(counts)
        drift_rows, drift_failures = drift_table(
            rules, counts.columns, missing, profile, shares, binned
        )
    result = ValidationResult(month, failures + drift_failures, drift_rows, {}, [ge_result])
    result.stats = {
        "rows": counts.rows,
        "columns": len(counts.columns),
        "expectations_evaluated": ge_result["statistics"]["evaluated_expectations"],
        "reference_rows": None if profile is None else profile.row_count,
        "seconds": round(seconds, 3),
        "identity": continuity,
        "content_digest": content_digest(counts.digest),
    }
    return result


def _row_band(profile: ReferenceProfile | None, rules: TableRules) -> tuple[int | None, int | None]:
    if profile is None:
        return None, None
    low, high = rules.row_count_band
    return math.ceil(profile.row_count * low), math.floor(profile.row_count * high)


def _missing_share(counts: SliceCounts) -> Any:
    return lambda name: counts.missing[name] / counts.rows if counts.rows else 0.0


def _shares(counts: SliceCounts) -> Any:
    def shares(name: str) -> dict[Any, float]:
        pairs = counts.values.get(name, [])
        total = sum(c for _, c in pairs)
        return {v: c / total for v, c in pairs}

    return shares


def _binned(counts: SliceCounts) -> Any:
    def binned(name: str) -> np.ndarray | None:
        found = counts.bins.get(name)
        return None if found is None else np.asarray(found) / max(sum(found), 1)

    return binned


def _unexpected_ids(counts: SliceCounts) -> dict[int, str | None]:
    """Each shown offending row's id, by its place in the delivery."""
    return {
        key: value
        for record in counts.expectations.values()
        for key, _, value in record.get("unexpected", [])
    }


def _expectation_results(
    counts: SliceCounts, rules: TableRules, month: str | None, band: tuple[int | None, int | None]
) -> dict[str, Any]:
    """great-expectations' result for the month, check by check in the order one run over
    the whole month lists them: the table checks and the columns without a missing value,
    then the columns with one."""
    present = [c.name for c in rules.columns if c.name in counts.columns]
    typed = [n for n in present if n in counts.non_str]
    full = [n for n in present if not counts.missing.get(n)]
    holey = [n for n in present if counts.missing.get(n)]
    suites = [cached_suite(rules, month, band, full, typed, filled=True)]
    if holey:
        suites.append(cached_suite(rules, month, band, holey, typed, table=False))
    results = [
        _expectation_result(exp.configuration.to_json_dict(), counts)
        for suite in suites
        for exp in suite.expectations
    ]
    good = sum(bool(r["success"]) for r in results)
    return {
        "success": good == len(results),
        "results": results,
        "statistics": {
            "evaluated_expectations": len(results),
            "successful_expectations": good,
            "unsuccessful_expectations": len(results) - good,
            "success_percent": 100.0 * good / len(results) if results else None,
        },
    }


def _expectation_result(config: dict[str, Any], counts: SliceCounts) -> dict[str, Any]:
    kind = config["type"]
    kwargs = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
    shown = {"type": kind, "kwargs": kwargs}
    if kind == "expect_column_to_exist":
        return {"expectation_config": shown, "success": kwargs["column"] in counts.columns,
                "result": {}}  # fmt: skip
    if kind == "expect_table_row_count_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        inside = (low is None or counts.rows >= low) and (high is None or counts.rows <= high)
        return {"expectation_config": shown, "success": inside,
                "result": {"observed_value": counts.rows}}  # fmt: skip
    record = counts.expectations.get(expectation_key(config))
    if record is None or record["success"]:
        return {"expectation_config": shown, "success": True, "result": {}}
    shown = {"type": record["type"], "kwargs": record["kwargs"]}
    if record["exception"] is not None:
        return {"expectation_config": shown, "success": False, "result": {},
                "exception_info": {"raised_exception": True,
                                   "exception_message": record["exception"]}}  # fmt: skip
    return {"expectation_config": shown, "success": False, "result": _map_result(record, counts)}


def _map_result(record: dict[str, Any], counts: SliceCounts) -> dict[str, Any]:
    """The SUMMARY numbers of a failed column check over the whole month, computed as
    great-expectations computes them (a share of the present values where it counts the
    missing ones)."""
    rows, unexpected = counts.rows, record["unexpected_count"]
    result: dict[str, Any] = {"element_count": rows, "unexpected_count": unexpected}
    if record["missing_counted"]:
        missing = counts.missing.get(record["kwargs"].get("column", ""), 0)
        nonnull = rows - missing
        result["unexpected_percent"] = (
            unexpected / nonnull * 100 if unexpected is not None and nonnull > 0 else None
        )
        result["missing_count"] = missing
    else:
        result["unexpected_percent"] = (
            unexpected / rows * 100 if unexpected is not None and rows > 0 else None
        )
    result["partial_unexpected_list"] = [v for _, v, _ in record["unexpected"]]
    result["partial_unexpected_index_list"] = [k for k, _, _ in record["unexpected"]]
    if record["observed"] is not None:
        result["observed_value"] = record["observed"]
    return result
