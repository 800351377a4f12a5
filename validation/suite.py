"""The great-expectations part of the gate: suites built once, run on the whole batch.

great-expectations 1.x on pandas is fast when run plainly; four things made it slow here
and are avoided:

* every map metric filters its domain frame (``df[df[col].notnull()]``); with an all-true
  mask pandas returns a *deep copy of the whole frame* unless copy-on-write is on, so the
  run switches copy-on-write on (:func:`pandas.option_context`) and those copies are free;
* GE fingerprints every in-memory batch under 1 GB by hashing all of its values, only to
  label the batch; the batch file's own checksum labels our reports, so it is switched off;
* detailed results (unexpected values, index lists) cost several extra passes per
  expectation; the batch is checked with ``BOOLEAN_ONLY`` and only the expectations that
  failed are run again, with ``SUMMARY``, on a frame of just the columns they read;
* a context, data source, asset and batch definition per column, and a suite per column
  rebuilt for every batch: they are now built once per process (:meth:`SuiteRunner.shared`)
  and once per rules, month, row band and column set (:func:`cached_suite`).

How the passes are split and merged is :mod:`validation.expect`'s job.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import pandas_execution_engine
from great_expectations.expectations.registry import get_expectation_impl

from validation.formula import ExpectColumnValuesToNotBeSpreadsheetFormulas
from validation.rules import ColumnRule, TableRules

SUMMARY = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
BOOLEAN_ONLY = {"result_format": "BOOLEAN_ONLY"}
_DTYPES = {"number": ["float64", "float32"], "text": ["object", "str", "string"]}
_CACHE_SIZE = 16
# pandas' isin on a float column costs ~45 ms per million rows, the distinct values ~10 ms:
# numeric sets (booleans as 0/1) are checked on distinct values, and only when that fails
# row by row, for the count and the example rows.
_DETAIL_TYPES = {"expect_column_distinct_values_to_be_in_set": "expect_column_values_to_be_in_set"}
SuiteKey = tuple[
    str, str | None, int | None, int | None, tuple[str, ...], tuple[str, ...], bool, bool
]


class SuiteRunner:
    """The process's ephemeral great-expectations context and its whole-dataframe batch."""

    _lock = threading.Lock()
    _shared: SuiteRunner | None = None

    def __init__(self) -> None:
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("batch")
        asset = source.add_dataframe_asset("frame")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole")

    @classmethod
    def shared(cls) -> SuiteRunner:
        """One runner per process: building a context costs more than a small validation."""
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def run(
        self, frame: pd.DataFrame, suite: gx.ExpectationSuite, result_format: dict[str, Any]
    ) -> dict[str, Any]:
        """Validate ``frame`` against ``suite``; great-expectations' result as JSON."""
        with self._lock, pd.option_context("mode.copy_on_write", True):
            saved = pandas_execution_engine.HASH_THRESHOLD
            pandas_execution_engine.HASH_THRESHOLD = 0
            try:
                batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
                return batch.validate(suite, result_format=result_format).to_json_dict()
            finally:
                pandas_execution_engine.HASH_THRESHOLD = saved


_SUITES: OrderedDict[SuiteKey, gx.ExpectationSuite] = OrderedDict()
_SUITES_LOCK = threading.Lock()


def cached_suite(
    rules: TableRules,
    month: str | None,
    band: tuple[int | None, int | None],
    columns: Sequence[str],
    typed_text: Sequence[str],
    *,
    table: bool = True,
    filled: bool = False,
) -> gx.ExpectationSuite:
    """A batch suite, built once per rules, month, row band and column set (~0.4 s saved).

    Rules are keyed by their ``repr`` (frozen dataclasses: equal rules, equal key), so a
    caller that rebuilds equal rules for every batch still hits the cache.

    ``columns`` are the rule columns to check (those found in the frame: expectations on a
    missing column would only repeat the existence check); ``typed_text`` the text columns
    that hold something other than str and so get the type expectation; ``table`` adds the
    table checks (required columns, row count); ``filled`` says the columns hold no missing
    value (counted by the caller with pandas' ``isna``, what GE's not-null check runs), so
    their not-null expectations could only pass and are left out (~0.35 s per million rows).
    """
    key: SuiteKey = (repr(rules), month, *band, tuple(columns), tuple(typed_text), table, filled)
    with _SUITES_LOCK:
        hit = _SUITES.get(key)
        if hit is None:
            hit = _SUITES[key] = batch_suite(
                rules, month, band, columns, typed_text, table=table, filled=filled
            )
        _SUITES.move_to_end(key)
        while len(_SUITES) > _CACHE_SIZE:
            _SUITES.popitem(last=False)
        return hit


def batch_suite(
    rules: TableRules,
    month: str | None,
    band: tuple[int | None, int | None],
    columns: Sequence[str],
    typed_text: Sequence[str],
    *,
    table: bool = True,
    filled: bool = False,
) -> gx.ExpectationSuite:
    """Table checks (required columns, row count) then each named column's checks."""
    suite = gx.ExpectationSuite(name="batch")
    for exp in _table_expectations(rules, band) if table else ():
        suite.add_expectation(exp)
    for name in columns:
        rule = rules.column(name)
        if rule.kind == "number" or name in typed_text:
            suite.add_expectation(
                gxe.ExpectColumnValuesToBeInTypeList(column=name, type_list=_DTYPES[rule.kind])
            )
        for exp in _value_expectations(rule, rules, month, filled=filled):
            suite.add_expectation(exp)
    return suite


def detail_type(kind: str) -> str:
    """The expectation that reports a failure of ``kind`` row by row."""
    return _DETAIL_TYPES.get(kind, kind)


def detail_suite(configs: Sequence[dict[str, Any]]) -> gx.ExpectationSuite:
    """A suite of the given expectation configurations (those that failed), to rerun."""
    suite = gx.ExpectationSuite(name="failed")
    for config in configs:
        kwargs = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
        expectation = get_expectation_impl(detail_type(config["type"]))
        suite.add_expectation(expectation(**kwargs))
    return suite


def _table_expectations(
    rules: TableRules, band: tuple[int | None, int | None]
) -> Iterator[gxe.Expectation]:
    for col in rules.columns:
        if col.required:
            yield gxe.ExpectColumnToExist(column=col.name)
    yield gxe.ExpectTableRowCountToBeBetween(min_value=band[0] or 1, max_value=band[1])


def _value_expectations(
    rule: ColumnRule, rules: TableRules, month: str | None, *, filled: bool
) -> Iterator[gxe.Expectation]:
    name = rule.name
    if not rule.nullable and not filled:
        yield gxe.ExpectColumnValuesToNotBeNull(column=name)
    if rule.min is not None or rule.max is not None:
        yield gxe.ExpectColumnValuesToBeBetween(column=name, min_value=rule.min, max_value=rule.max)
    if rule.allowed is not None and rule.kind == "number":
        yield gxe.ExpectColumnDistinctValuesToBeInSet(column=name, value_set=list(rule.allowed))
    elif rule.allowed is not None:
        yield gxe.ExpectColumnValuesToBeInSet(column=name, value_set=list(rule.allowed))
    if rule.free_text:
        yield ExpectColumnValuesToNotBeSpreadsheetFormulas(column=name)
    if name == rules.month_column and month is not None:
        yield gxe.ExpectColumnValuesToBeInSet(column=name, value_set=[month])


def narrow_frame(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Only the named columns of ``df`` that exist, on a positional index (row numbers)."""
    names = [n for n in dict.fromkeys(columns) if n in df.columns]
    return pd.DataFrame({n: df[n].to_numpy() for n in names}, index=pd.RangeIndex(len(df)))
