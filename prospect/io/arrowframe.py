"""The canonical frame from Arrow columns: the one conversion CSV and Parquet batches share.

Columns are coerced by Arrow kernels where the values already fit (text trimmed, numbers
cast, yes/no tokens looked up), only odd values go through :mod:`prospect.io.coerce` (which
names the first bad row), and the table becomes a pandas frame in one conversion.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from prospect.exceptions import DataReadError
from prospect.io.coerce import FALSE_TOKENS, TRUE_TOKENS, coerce_column, kind_of
from prospect.io.headers import HeaderMap
from prospect.spec import ColumnSpec, DatasetSpec

Column: TypeAlias = Any  # pa.Array | pa.ChunkedArray (pyarrow ships no type hints)
_TOKENS = pa.array([*TRUE_TOKENS, *FALSE_TOKENS])


def canonical_frame(
    column: Callable[[int], Column], n_rows: int, hmap: HeaderMap, spec: DatasetSpec,
    path: Path, month: str | None, line_offset: int | None,
) -> pd.DataFrame:  # fmt: skip
    """Every spec column in canonical form; ``column(position)`` gives the file's column.

    ``line_offset`` turns a data row into a CSV line in error messages (None for Parquet).
    """
    columns: dict[str, Column] = {}
    for col in spec.columns:
        if col.name in hmap.positions:
            header = hmap.headers[col.name]
            values = column(hmap.positions[col.name])
            columns[col.name] = canonical_arrow(values, col, header, path, line_offset)
        elif col.name == spec.month_column and month is not None:
            columns[col.name] = pa.array(np.full(n_rows, month, dtype=object))
        else:
            columns[col.name] = _all_missing(col, n_rows)
    return to_pandas(columns)


def to_pandas(columns: dict[str, Column]) -> pd.DataFrame:
    """One conversion that frees each Arrow column as it goes (``self_destruct``, one block per
    column, no consolidating copy), with the pool's free memory given back before and after:
    the batch is never held twice (the read's peak is about 400 MiB lower per 1M rows)."""
    holey = [n for n, v in columns.items() if pa.types.is_string(v.type) and v.null_count]
    table = pa.table(columns)
    columns.clear()
    pa.default_memory_pool().release_unused()
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    for name in holey:  # Arrow gives None for missing text; canonical is NaN
        frame[name] = frame[name].where(frame[name].notna(), np.nan)
    pa.default_memory_pool().release_unused()
    return frame


def _all_missing(col: ColumnSpec, n: int) -> pa.Array:
    if kind_of(col) == "text":
        return pa.nulls(n, pa.string())
    return pa.array(np.full(n, np.nan))


def canonical_arrow(
    values: Column, col: ColumnSpec, header: str, path: Path, line_offset: int | None
) -> Column:
    """One column in canonical form (text trimmed, numbers and flags float64)."""
    kind, stored = kind_of(col), values.type
    out: Column | None = None
    if pa.types.is_string(stored) or pa.types.is_large_string(stored):
        trimmed = _blank_as_null(pc.utf8_trim_whitespace(values))
        if kind == "text":
            return _whole_codes(trimmed) if col.dtype == "int" else trimmed
        out = _number(trimmed) if kind == "number" else _flag(trimmed)
    elif kind == "number" and (pa.types.is_floating(stored) or pa.types.is_integer(stored)):
        out = pc.cast(values, pa.float64())
    if out is None:  # odd values or types: pandas coercion names the first bad row
        series = values.to_pandas()
        coerced = coerce_column(series, col, header, path, line_offset)
        if kind == "text":
            return pa.array(coerced, type=pa.string(), from_pandas=True)
        out = pa.array(coerced.to_numpy(dtype="float64"))
    if col.dtype == "int" and kind == "number":
        _check_whole(out, col, header, path, line_offset)
    return out


def _blank_as_null(text: Column) -> Column:
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _number(text: Column) -> Column | None:
    try:
        return pc.cast(text, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _flag(text: Column) -> Column | None:
    index = pc.index_in(pc.utf8_lower(text), value_set=_TOKENS)
    if index.null_count != text.null_count:
        return None
    return pc.if_else(pc.less(index, len(TRUE_TOKENS)), 1.0, 0.0)


def _whole_codes(text: Column) -> Column:
    """Integer codes written as ``2.0`` (a spreadsheet's or a float column's habit) read as
    ``2``, the way a Parquet float column of whole numbers does; other text stays as is."""
    numbers = _number(text)
    if numbers is None:
        return text
    whole = pc.equal(numbers, pc.floor(numbers))
    if not pc.all(pc.fill_null(whole, True)).as_py():
        return text
    return pc.cast(pc.cast(numbers, pa.int64()), pa.string())


def _check_whole(numbers: Column, col: ColumnSpec, header: str, path: Path, offset: int | None):
    fractional = pc.fill_null(pc.not_equal(numbers, pc.floor(numbers)), False)
    if not pc.any(fractional).as_py():
        return
    row = int(np.flatnonzero(fractional.to_numpy(zero_copy_only=False))[0])
    value = numbers.take(pa.array([row]))[0].as_py()
    where = f"row {row + 1}" + (f" (line {row + 1 + offset})" if offset is not None else "")
    named = col.name if header == col.name else f"{header!r} ({col.name})"
    raise DataReadError(
        f"{path}: column {named}, {where}: {value!r} is not a whole number (the column holds "
        "integers)"
    )
