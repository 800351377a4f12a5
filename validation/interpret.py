"""Turn great-expectations' validation result JSON into :class:`Failure` rows with a severity.

Policy (documented in the report): broken structure (missing column, wrong type), duplicate
ids, a foreign month, a row count outside the band and spreadsheet formulas in text always
quarantine. Value checks (not-null, range, allowed values) quarantine when more than
``value_tolerance`` of the rows break them and only warn below that.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from validation.formula import looks_like_formula
from validation.result import Failure
from validation.rules import Severity, TableRules

MAX_EXAMPLES = 20
MAX_SHOWN = 10
_SET_CHECKS = ("expect_column_values_to_be_in_set", "expect_column_distinct_values_to_be_in_set")
_VALUE_CHECKS = {
    "expect_column_values_to_not_be_null": "missing values in a column that must be filled",
    "expect_column_values_to_be_between": "values outside the allowed range",
    "expect_column_values_to_be_in_set": "values outside the allowed set (unseen categories)",
}
_HARD_CHECKS = {
    "expect_column_to_exist": "required column is missing",
    "expect_column_values_to_be_in_type_list": "wrong type",
    "expect_table_row_count_to_be_between": "row count outside the expected band",
    "expect_column_values_to_not_be_spreadsheet_formulas": "spreadsheet formulas in a text field",
}


def failures_from_ge(
    results: dict[str, Any], rules: TableRules, ids: Mapping[int, Any] | Sequence[Any] | None
) -> Iterator[Failure]:
    """One :class:`Failure` per unsuccessful expectation of one suite run."""
    for res in results.get("results", []):
        if res.get("success"):
            continue
        config = res["expectation_config"]
        kind, kwargs = config["type"], config.get("kwargs", {})
        column = kwargs.get("column") or next(iter(kwargs.get("column_list", [])), None)
        yield _failure(kind, column, res, rules, ids)


def _failure(
    kind: str,
    column: str | None,
    res: dict[str, Any],
    rules: TableRules,
    ids: Mapping[int, Any] | Sequence[Any] | None,
) -> Failure:
    detail = res.get("result") or {}
    exc = res.get("exception_info") or {}
    if exc.get("raised_exception"):
        message = str(exc.get("exception_message", "")).splitlines()[0][:300]
        return Failure(kind, column, "quarantine", f"check could not run: {message}")
    count, pct = detail.get("unexpected_count"), detail.get("unexpected_percent")
    share = None if pct is None else pct / 100.0
    cause, severity = _cause(kind, column, share, rules)
    observed = detail.get("observed_value")
    if observed is None:
        observed = _distinct(detail.get("partial_unexpected_list", []))
    if kind in _SET_CHECKS and column != rules.month_column:
        cause, severity = _set_cause(cause, severity, observed)
    examples = _examples(kind, detail, ids)
    return Failure(kind, column, severity, cause, observed, count, share, examples)


def _cause(
    kind: str, column: str | None, share: float | None, rules: TableRules
) -> tuple[str, Severity]:
    if kind == "expect_column_values_to_be_in_set" and column == rules.month_column:
        return "rows from another month", "quarantine"
    if kind in _VALUE_CHECKS:
        heavy = share is None or share > rules.value_tolerance
        return _VALUE_CHECKS[kind], "quarantine" if heavy else "warn"
    return _HARD_CHECKS.get(kind, kind.replace("_", " ")), "quarantine"


def _set_cause(cause: str, severity: Severity, observed: Any) -> tuple[str, Severity]:
    """Name the values that are not in the set (categories, never ids); a formula among them
    is called a formula and quarantines whatever its share."""
    values = observed if isinstance(observed, list) else []
    if any(looks_like_formula([str(v)])[0] for v in values):
        shown = ", ".join(repr(str(v)[:40]) for v in values[:MAX_SHOWN])
        return f"spreadsheet formulas in a categorical column ({shown})", "quarantine"
    if not values:
        return cause, severity
    shown = ", ".join(repr(_plain(v)) for v in values[:MAX_SHOWN])
    more = f" and {len(values) - MAX_SHOWN} more" if len(values) > MAX_SHOWN else ""
    return f"values outside the allowed set (unseen categories: {shown}{more})", severity


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _distinct(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def _examples(
    kind: str, detail: dict[str, Any], ids: Mapping[int, Any] | Sequence[Any] | None
) -> list[str]:
    index = detail.get("partial_unexpected_index_list") or []
    if ids is None:
        return []
    return [str(ids[i]) for i in index[:MAX_EXAMPLES] if isinstance(i, int)]
