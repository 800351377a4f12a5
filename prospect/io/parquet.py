"""Parquet batches: coerce in Arrow where the stored type already fits, convert to pandas once.

A million-row file reads in about the time of a bare ``pandas.read_parquet``: float and string
columns are checked and trimmed by Arrow kernels, only odd types go through pandas coercion,
and the final Arrow table becomes the canonical frame in one conversion (no block copies).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from prospect.exceptions import DataReadError
from prospect.io.arrowframe import canonical_frame
from prospect.io.headers import map_headers
from prospect.spec import DatasetSpec


def read_parquet_batch(
    path: Path, spec: DatasetSpec, optional: tuple[str, ...], month: str | None
) -> pd.DataFrame:
    """The canonical frame of a Parquet batch (see :func:`prospect.io.read_batch`)."""
    try:
        names = pq.read_schema(path).names
        hmap = map_headers(names, spec, path, optional=optional)
        table = pq.read_table(path, columns=[names[p] for p in hmap.positions.values()])
    except (pa.ArrowException, OSError) as exc:
        raise DataReadError(f"{path}: not a readable Parquet file ({exc})") from exc
    by_position = {p: table.column(i) for i, p in enumerate(hmap.positions.values())}
    del table  # the columns are held by position only, freed as each is converted
    return canonical_frame(by_position.pop, _rows(by_position), hmap, spec, path, month, None)


def _rows(columns: dict[int, pa.ChunkedArray]) -> int:
    return len(next(iter(columns.values()))) if columns else 0
