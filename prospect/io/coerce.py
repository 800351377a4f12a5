"""Turn a raw column (CSV text or Parquet values) into its canonical dtype.

Canonical: ids, months, PII and categoricals are ``str`` (object) with NaN for missing;
numbers and yes/no flags are float64 (flags 0.0/1.0). Only what is needed to build the typed
frame is checked here; ranges and allowed values are the data-quality gate's job.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api import types as ptypes

from prospect.exceptions import DataReadError
from prospect.spec import ColumnSpec

TRUE_TOKENS = ("1", "1.0", "true", "yes", "y", "是", "t")
FALSE_TOKENS = ("0", "0.0", "false", "no", "n", "否", "f")
_BOOL_MAP = {**dict.fromkeys(TRUE_TOKENS, 1.0), **dict.fromkeys(FALSE_TOKENS, 0.0)}
BOOL_ALLOWED = "0, 1, true, false, 是, 否, yes, no"
_ONE_OF = f"one of {BOOL_ALLOWED}"


class BadValue(ValueError):
    """A value that cannot be read as the column's type; ``row`` is the 0-based data row."""

    def __init__(self, row: int, value: object, expected: str) -> None:
        super().__init__(f"row {row + 1}: {value!r} is not {expected}")
        self.row, self.value, self.expected = row, value, expected


def kind_of(col: ColumnSpec) -> str:
    """``text``, ``number`` or ``flag``: how a spec column is stored in the canonical frame."""
    if col.role in ("id", "month", "pii", "categorical") or col.dtype == "string":
        return "text"
    if col.dtype == "bool":
        return "flag"
    return "number"


def coerce(values: pd.Series, col: ColumnSpec) -> pd.Series:
    """The column in canonical form; raises :class:`BadValue` at the first unreadable value."""
    kind = kind_of(col)
    if kind == "text":
        return to_text(values)
    if kind == "flag":
        return to_flag(values)
    return to_number(values)


def _first_bad(bad: np.ndarray, values: pd.Series, expected: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        value = values.iloc[row]
        raise BadValue(row, value.item() if isinstance(value, np.generic) else value, expected)


def to_number(values: pd.Series) -> pd.Series:
    if ptypes.is_bool_dtype(values) or ptypes.is_numeric_dtype(values):
        return values.astype("float64", copy=False)
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = (text.notna() & (text != "") & numbers.isna()).to_numpy(dtype=bool)
    _first_bad(bad, values, "a number")
    return pd.Series(numbers.to_numpy(), index=values.index, name=values.name)


def to_flag(values: pd.Series) -> pd.Series:
    if ptypes.is_bool_dtype(values) or ptypes.is_numeric_dtype(values):
        numbers = values.astype("float64", copy=False)
        raw = numbers.to_numpy()
        _first_bad(~((raw == 0.0) | (raw == 1.0) | np.isnan(raw)), values, _ONE_OF)
        return numbers
    text = values.astype("string").str.strip().str.casefold()
    flags = text.map(_BOOL_MAP).astype("float64")
    bad = (text.notna() & (text != "") & flags.isna()).to_numpy(dtype=bool)
    _first_bad(bad, values, _ONE_OF)
    return pd.Series(flags.to_numpy(), index=values.index, name=values.name)


def to_text(values: pd.Series) -> pd.Series:
    if ptypes.is_datetime64_any_dtype(values):
        values = values.dt.strftime("%Y-%m")
    if ptypes.is_bool_dtype(values) or ptypes.is_numeric_dtype(values):
        return _numbers_as_text(values)
    try:  # Arrow trims a million strings in milliseconds; object .str.strip takes seconds
        arrow = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # mixed types: make every value a str first
        present = values.notna().to_numpy()
        values = values.astype(object).where(~present, values.astype(str))
        arrow = pa.array(values, type=pa.string(), from_pandas=True)
    trimmed = pc.utf8_trim_whitespace(arrow)
    if pc.all(pc.equal(arrow, trimmed)).as_py() is not False:
        out = values.astype(object, copy=False)
    else:
        out = pd.Series(trimmed.to_numpy(zero_copy_only=False), index=values.index)
    if arrow.null_count:
        out = out.where(~arrow.is_null().to_numpy(zero_copy_only=False), np.nan)
    return out.rename(values.name)


def _numbers_as_text(values: pd.Series) -> pd.Series:
    """``3.0`` -> ``"3"`` when a column holds whole numbers, as integer codes usually are."""
    present = values.notna().to_numpy()
    if ptypes.is_float_dtype(values) and bool((values[present] % 1 == 0).all()):
        values = values.astype("Int64")
    out = pd.Series(np.nan, index=values.index, dtype=object, name=values.name)
    out[present] = values[present].astype(str).to_numpy(dtype=object)
    return out


def coerce_column(
    values: pd.Series, col: ColumnSpec, header: str, path: Path, line_offset: int | None
) -> pd.Series:
    """:func:`coerce`, turning a bad value into a DataReadError naming file, column and row."""
    try:
        return coerce(values, col)
    except BadValue as bad:
        where = f"row {bad.row + 1}"
        if line_offset is not None:
            where += f" (line {bad.row + 1 + line_offset})"
        named = col.name if header == col.name else f"{header!r} ({col.name})"
        raise DataReadError(
            f"{path}: column {named}, {where}: cannot read {bad.value!r} as {bad.expected}"
        ) from None
