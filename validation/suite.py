"""The great-expectations part of the gate: one suite per column, run on a narrow batch.

Why narrow batches: on pandas, great-expectations 1.x filters the *whole* dataframe for each
map metric (``df[df[col].notnull()]``), so a 43-column frame costs ~40x a one-column frame.
Each column is therefore validated on a frame holding only that column (and, for
uniqueness within the month, the month), all through one ephemeral context, data source,
dataframe asset and whole-dataframe batch definition.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import pandas_execution_engine
from pandas.api.types import infer_dtype

from validation.rules import ColumnRule, TableRules

RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
FORMULA_REGEX = r"^\s*[=+\-@]"
_DTYPES = {"number": ["float64", "float32"], "text": ["object", "str", "string"]}


class SuiteRunner:
    """Holds the ephemeral great-expectations context and its whole-dataframe batch."""

    def __init__(self) -> None:
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("batch")
        asset = source.add_dataframe_asset("frame")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole")

    def run(self, frame: pd.DataFrame, suite: gx.ExpectationSuite) -> dict[str, Any]:
        """Validate ``frame`` against ``suite``; great-expectations' result as JSON.

        GE fingerprints every in-memory batch under 1 GB by hashing all of its values (only
        to label the batch; measured at ~30% of the gate's time). The batch file's own
        checksum labels our reports, so the fingerprint is switched off for the run.
        """
        saved = pandas_execution_engine.HASH_THRESHOLD
        pandas_execution_engine.HASH_THRESHOLD = 0
        try:
            batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
            return batch.validate(suite, result_format=RESULT_FORMAT).to_json_dict()
        finally:
            pandas_execution_engine.HASH_THRESHOLD = saved


def table_suite(rules: TableRules, n_min: int | None, n_max: int | None) -> gx.ExpectationSuite:
    """Required columns present and the row count within the band (table-level checks)."""
    suite = gx.ExpectationSuite(name="table")
    for col in rules.columns:
        if col.required:
            suite.add_expectation(gxe.ExpectColumnToExist(column=col.name))
    suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=n_min or 1, max_value=n_max))
    return suite


def column_suite(
    rule: ColumnRule, rules: TableRules, month: str | None, values: pd.Series
) -> gx.ExpectationSuite:
    """Type, not-null, range, allowed values, formulas, and the id/month checks of a column.

    GE checks the type of an object column value by value in Python (~0.4 s per million
    rows); a text column is therefore given the type expectation only when pandas'
    C-level ``infer_dtype`` finds something other than strings in it, so GE still reports
    the offending values.
    """
    suite = gx.ExpectationSuite(name=f"column.{rule.name}")
    if rule.kind == "number" or infer_dtype(values, skipna=True) not in ("string", "empty"):
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeInTypeList(column=rule.name, type_list=_DTYPES[rule.kind])
        )
    for exp in _value_expectations(rule, rules, month):
        suite.add_expectation(exp)
    return suite


def _value_expectations(
    rule: ColumnRule, rules: TableRules, month: str | None
) -> Iterator[gxe.Expectation]:
    name = rule.name
    if not rule.nullable:
        yield gxe.ExpectColumnValuesToNotBeNull(column=name)
    if rule.min is not None or rule.max is not None:
        yield gxe.ExpectColumnValuesToBeBetween(column=name, min_value=rule.min, max_value=rule.max)
    if rule.allowed is not None:
        yield gxe.ExpectColumnValuesToBeInSet(column=name, value_set=list(rule.allowed))
    if rule.free_text:
        yield gxe.ExpectColumnValuesToNotMatchRegex(column=name, regex=FORMULA_REGEX)
    if name == rules.month_column and month is not None:
        yield gxe.ExpectColumnValuesToBeInSet(column=name, value_set=[month])
    if name == rules.id_column:
        if rules.month_column is None:
            yield gxe.ExpectColumnValuesToBeUnique(column=name)
        else:
            yield gxe.ExpectCompoundColumnsToBeUnique(column_list=[name, rules.month_column])


def narrow_frame(df: pd.DataFrame, rule: ColumnRule, rules: TableRules) -> pd.DataFrame:
    """Only the columns the column's suite reads, on a positional index (row numbers)."""
    names = [rule.name]
    month = rules.month_column
    if rule.name == rules.id_column and month is not None and month in df.columns:
        names.append(month)
    return pd.DataFrame({n: df[n].to_numpy() for n in names})
