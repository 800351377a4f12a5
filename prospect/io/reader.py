"""Read one batch file (CSV in UTF-8/GBK, or Parquet) into the canonical frame of a spec.

Every problem is a :class:`~prospect.exceptions.DataReadError` with one message naming the file
and, where it applies, the column, the 1-based data row and the CSV line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from prospect.exceptions import DataReadError, SpecError
from prospect.io.coerce import coerce_column, kind_of
from prospect.io.encoding import detect_encoding
from prospect.io.headers import HeaderMap, map_headers, optional_columns
from prospect.io.parquet import read_parquet_batch
from prospect.spec import DatasetSpec

PARQUET_MAGIC = b"PAR1"
CSV_HEADER_LINES = 1  # data row r is on line r + 1


def read_batch(path: Path, spec: DatasetSpec, *, month: str | None = None) -> pd.DataFrame:
    """Read a batch as the canonical frame of ``spec``: every spec column, canonical dtypes.

    Headers may be canonical names or aliases (full- or half-width parentheses, any case,
    surrounding spaces). Unknown columns are dropped with a logged warning; optional columns
    absent from the file come back all-NaN. Values are typed, not range-checked: that is the
    data-quality gate's job.

    Parameters
    ----------
    path : Path
        A CSV (UTF-8, UTF-8 with BOM or GBK; gzipped if it ends in ``.gz``; separated by the
        spec's ``csv_separator``) or Parquet file.
    spec : DatasetSpec
        The contract naming the columns, their roles, types and aliases.
    month : str, optional
        Fills the month column when the file has none (monthly extracts often lack it).

    Returns
    -------
    pandas.DataFrame
        Ids, months, PII and categoricals as ``str`` (NaN when missing); numbers, yes/no flags
        and labels as float64.

    Raises
    ------
    DataReadError
        One message naming the file and, where it applies, the column, row and CSV line.
    """
    path = Path(path)
    if _is_parquet(path):
        frame = read_parquet_batch(path, spec, optional_columns(spec, month), month)
    else:
        raw, hmap = _read_csv(path, spec, month)
        frame = _canonical(raw, hmap, spec, path, month)
    try:  # derived columns are computed once, here, so gate, models and reports share them
        return spec.add_derived(frame)
    except SpecError as exc:
        raise DataReadError(f"{path}: {exc}") from exc


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataReadError(f"{path}: file does not exist")
    if not path.is_file():
        raise DataReadError(f"{path}: is not a file")
    if path.stat().st_size == 0:
        raise DataReadError(f"{path}: file is empty (0 bytes)")


def _is_parquet(path: Path) -> bool:
    _check_file(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        return True
    with open(path, "rb") as handle:
        return handle.read(4) == PARQUET_MAGIC


def _csv_header(path: Path, encoding: str, sep: str) -> list[str]:
    try:
        first = pd.read_csv(path, encoding=encoding, header=None, nrows=1, dtype=str,
                            keep_default_na=False, sep=sep)  # fmt: skip
    except pd.errors.EmptyDataError as exc:
        raise DataReadError(f"{path}: has no header row") from exc
    return [str(h) for h in first.iloc[0].tolist()]


def _read_csv(path: Path, spec: DatasetSpec, month: str | None):
    encoding = detect_encoding(path)
    try:
        header = _csv_header(path, encoding, spec.csv_separator)
        hmap = map_headers(header, spec, path, optional=optional_columns(spec, month))
        text = [p for name, p in hmap.positions.items() if kind_of(spec.column(name)) == "text"]
        raw = pd.read_csv(
            path, encoding=encoding, header=None, skiprows=1, names=list(range(len(header))),
            usecols=list(hmap.positions.values()), dtype=dict.fromkeys(text, str),
            sep=spec.csv_separator,
        )  # fmt: skip
    except UnicodeDecodeError as exc:
        raise DataReadError(f"{path}: not valid {encoding} text past its start ({exc})") from exc
    except pd.errors.ParserError as exc:
        raise DataReadError(f"{path}: malformed CSV: {exc}") from exc
    return raw, hmap


def _canonical(raw, hmap: HeaderMap, spec, path, month) -> pd.DataFrame:
    """Assemble the frame from two 2-D blocks (text, numbers): one copy, to order the columns."""
    n = len(raw)
    text = [c for c in spec.columns if kind_of(c) == "text"]
    numeric = [c for c in spec.columns if kind_of(c) != "text"]
    blocks = {"text": np.full((len(text), n), np.nan, dtype=object),
              "number": np.full((len(numeric), n), np.nan)}  # fmt: skip
    for cols, block in ((text, blocks["text"]), (numeric, blocks["number"])):
        for row, col in enumerate(cols):
            if col.name in hmap.positions:
                values = raw[hmap.positions[col.name]].reset_index(drop=True)
                coerced = coerce_column(values, col, hmap.headers[col.name], path, CSV_HEADER_LINES)
                block[row] = coerced.to_numpy()
            elif col.name == spec.month_column and month is not None:
                block[row] = month
    parts = [
        pd.DataFrame(blocks["text"].T, columns=[c.name for c in text], copy=False),
        pd.DataFrame(blocks["number"].T, columns=[c.name for c in numeric], copy=False),
    ]
    return pd.concat(parts, axis=1, copy=False)[[c.name for c in spec.columns]]
