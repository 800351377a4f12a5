"""A great-expectations expectation: no spreadsheet formulas (``=cmd|...``) in free text.

The stock ``expect_column_values_to_not_match_regex`` runs the regex value by value in
Python (~0.25 s per million values). A formula is text whose first non-blank character is
``=``, ``+``, ``-`` or ``@`` (what spreadsheets evaluate), so the first character of every
value is read at C speed and the regex runs only on values that start with a blank.
Defining the classes registers the metric and the expectation with great-expectations.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

FORMULA_REGEX = r"^\s*[=+\-@]"
_FORMULA = re.compile(FORMULA_REGEX)
_STARTS = np.array([ord(c) for c in "=+-@"], dtype=np.uint32)


def is_formula(value: str) -> bool:
    """True if one text value matches :data:`FORMULA_REGEX` (what the gate counts as a formula)."""
    return _FORMULA.match(value) is not None


def looks_like_formula(values: pd.Series | np.ndarray) -> np.ndarray:
    """True where the value, as text, matches :data:`FORMULA_REGEX`."""
    text = np.asarray(values, dtype=object)
    first = text.astype("U1")
    hits = np.isin(first.view(np.uint32), _STARTS)
    for i in np.flatnonzero(np.strings.isspace(first)):
        hits[i] = _FORMULA.match(str(text[i])) is not None
    return hits


class ColumnValuesNotSpreadsheetFormula(ColumnMapMetricProvider):
    """Row condition: the value is not a spreadsheet formula."""

    condition_metric_name = "column_values.not_spreadsheet_formula"

    @column_condition_partial(engine=PandasExecutionEngine)  # type: ignore[misc]
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return pd.Series(~looks_like_formula(column), index=column.index)


class ExpectColumnValuesToNotBeSpreadsheetFormulas(ColumnMapExpectation):
    """Expect no value to be a spreadsheet formula (first non-blank char ``= + - @``)."""

    map_metric = "column_values.not_spreadsheet_formula"
    success_keys = ("mostly",)
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["text"]}
