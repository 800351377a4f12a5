"""Split a batch file into Parquet partitions of users by streaming, a block at a time.

A subscriber's partition is a fixed hash of their id, so every row of one user lands in the
same partition (duplicates stay detectable) and the split is the same on every machine. The
file is never held in memory whole: Parquet is read by record batch, CSV by block, and each
block's rows are appended to the partition writers. Partition files keep the batch's own
headers and values (CSV columns as text), so :func:`prospect.io.read_batch` reads a partition
exactly as it reads the batch.
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from prospect.exceptions import DataReadError
from prospect.io.encoding import detect_encoding
from prospect.io.headers import map_headers, optional_columns
from prospect.io.reader import PARQUET_MAGIC
from prospect.spec import DatasetSpec

logger = logging.getLogger(__name__)

BLOCK_ROWS = 65_536
CSV_BLOCK_BYTES = 16 << 20


def partition_path(out_dir: Path, index: int) -> Path:
    """Where partition ``index`` of a split lives (the deterministic key tasks share)."""
    return Path(out_dir) / f"part-{index:04d}.parquet"


def partition_of(user_ids: pa.Array | pa.ChunkedArray, n_partitions: int) -> np.ndarray:
    """Partition index of each id: SipHash with pandas' fixed key, so stable across runs and
    hosts (Python's own ``hash`` of a string changes with every process)."""
    ids = pc.fill_null(pc.cast(user_ids, pa.string()), "").to_numpy(zero_copy_only=False)
    hashed = pd.util.hash_array(np.asarray(ids, dtype=object), categorize=False)
    return (hashed % np.uint64(n_partitions)).astype(np.int64)


def partition_batch(
    path: Path, spec: DatasetSpec, out_dir: Path, n_partitions: int, *, month: str | None = None
) -> list[Path]:
    """Write ``n_partitions`` Parquet files under ``out_dir``; an existing split is reused.

    The split is written to a temporary sibling folder and renamed into place at the end, so
    a split interrupted half-way is never mistaken for a finished one.

    Parameters
    ----------
    path : the batch file (CSV or Parquet), as :func:`prospect.io.read_batch` accepts it.
    spec : its dataset spec (to find the id column under any of its aliases).
    out_dir : folder of the partitions; created.
    n_partitions : at least 1.
    month : the batch month, when the file has no month column.
    """
    if not isinstance(n_partitions, int) or n_partitions < 1:
        raise ValueError(f"n_partitions must be an integer >= 1; got {n_partitions!r}.")
    out_dir = Path(out_dir)
    paths = [partition_path(out_dir, i) for i in range(n_partitions)]
    if all(p.is_file() for p in paths):
        logger.info("partitions of %s exist in %s; reused", Path(path).name, out_dir)
        return paths
    # A unique temporary folder: a redelivered task may split the same batch concurrently.
    tmp = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.mkdir(parents=True)
    try:
        rows = _write_partitions(Path(path), spec, tmp, n_partitions, month)
        tmp.rename(out_dir)
    except OSError:
        if not all(p.is_file() for p in paths):
            raise
        logger.info("a concurrent split of %s finished first; using it", Path(path).name)
        return paths
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    logger.info("split %s (%d rows) into %d partitions", Path(path).name, rows, n_partitions)
    return paths


def _write_partitions(path: Path, spec: DatasetSpec, tmp: Path, n: int, month: str | None) -> int:
    blocks, id_header = _blocks(path, spec, month)
    writers: list[pq.ParquetWriter] = []
    rows = 0
    try:
        for block in blocks:
            if not writers:
                writers = [pq.ParquetWriter(partition_path(tmp, i), block.schema) for i in range(n)]
            part = partition_of(block.column(id_header), n)
            for i, writer in enumerate(writers):
                writer.write_batch(block.take(pa.array(np.flatnonzero(part == i))))
            rows += block.num_rows
    finally:
        for writer in writers:
            writer.close()
    if not writers:
        raise DataReadError(f"{path}: has no rows to partition")
    return rows


def _blocks(
    path: Path, spec: DatasetSpec, month: str | None
) -> tuple[Iterator[pa.RecordBatch], str]:
    """Record batches of the file and the header its id column has in it."""
    with open(path, "rb") as handle:
        parquet = path.suffix.lower() in (".parquet", ".pq") or handle.read(4) == PARQUET_MAGIC
    if parquet:
        try:
            names = pq.read_schema(path).names
            batches = pq.ParquetFile(path).iter_batches(batch_size=BLOCK_ROWS)
        except (pa.ArrowException, OSError) as exc:
            raise DataReadError(f"{path}: not a readable Parquet file ({exc})") from exc
        return batches, _id_header(names, spec, path, month)
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as text:
        names = next(csv.reader(text, delimiter=spec.csv_separator), [])
    read = pacsv.ReadOptions(encoding=encoding, block_size=CSV_BLOCK_BYTES)
    parse = pacsv.ParseOptions(delimiter=spec.csv_separator)
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
    )
    try:
        reader = pacsv.open_csv(
            path, read_options=read, parse_options=parse, convert_options=convert
        )
    except (pa.ArrowException, OSError) as exc:
        raise DataReadError(f"{path}: malformed CSV: {exc}") from exc
    return iter(reader), _id_header(names, spec, path, month)


def _id_header(names: list[str], spec: DatasetSpec, path: Path, month: str | None) -> str:
    hmap = map_headers(names, spec, path, optional=optional_columns(spec, month))
    return hmap.headers[spec.id_column]
