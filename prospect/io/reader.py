"""Read one batch file (CSV in UTF-8/GBK, or Parquet) into the canonical frame of a spec.

Every problem is a :class:`~prospect.exceptions.DataReadError` with one message naming the file
and, where it applies, the column, the 1-based data row and the CSV line.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from prospect.exceptions import DataReadError, SpecError
from prospect.io.arrowframe import canonical_frame
from prospect.io.csvfile import open_csv
from prospect.io.headers import map_headers, optional_columns
from prospect.io.parquet import read_parquet_batch
from prospect.io.parts import delivery_parts
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
        spec's ``csv_separator``) or Parquet file, or a folder of such part files (see
        :func:`prospect.io.parts.delivery_parts`; their frames are stacked in part order).
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
    if path.is_dir():
        frames = [read_batch(p, spec, month=month) for p in delivery_parts(path)]
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if _is_parquet(path):
        frame = read_parquet_batch(path, spec, optional_columns(spec, month), month)
    else:
        frame = _read_csv(path, spec, month)
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


def _read_csv(path: Path, spec: DatasetSpec, month: str | None) -> pd.DataFrame:
    """Parse with the one CSV parser (:mod:`prospect.io.csvfile`), convert like Parquet."""
    stream = open_csv(path, spec.csv_separator)
    hmap = map_headers(stream.header, spec, path, optional=optional_columns(spec, month))
    table = stream.read_all()
    by_position = {p: table.column(p) for p in hmap.positions.values()}
    n_rows = table.num_rows
    del table
    return canonical_frame(by_position.pop, n_rows, hmap, spec, path, month, CSV_HEADER_LINES)
