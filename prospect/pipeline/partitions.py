"""Split a delivery (a batch file or a folder of part files) into hash buckets of users by
streaming, one part at a time and a block at a time.

A subscriber's partition is a fixed hash of their id, so every row of one user lands in the
same partition (duplicates stay detectable) and the split is the same on every machine. No
part is ever held in memory whole: Parquet is read by record batch, CSV by block, and each
block's rows are appended to the bucket writers (each part writes its own file in every
bucket, so separate tasks ingest the parts without sharing a writer). Bucket files keep the
part's own headers and values (CSV columns as text, parsed by the same strict parser the
gate's read used), so :func:`prospect.io.read_batch` reads a bucket as it reads the batch.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from prospect.exceptions import DataReadError
from prospect.io.arrowframe import canonical_arrow
from prospect.io.csvfile import open_csv
from prospect.io.headers import map_headers, optional_columns
from prospect.io.parts import delivery_parts
from prospect.io.reader import PARQUET_MAGIC
from prospect.spec import DatasetSpec
from validation.identity import bucket_of, id_row_hashes

logger = logging.getLogger(__name__)

BLOCK_ROWS = 65_536
CSV_BLOCK_BYTES = 16 << 20


def partition_path(out_dir: Path, index: int) -> Path:
    """The folder of hash bucket ``index`` of a split (the deterministic key tasks share): one
    Parquet file per part of the delivery, ``part-00000.parquet``..."""
    return Path(out_dir) / f"bucket-{index:04d}"


def part_marker(out_dir: Path, part: int) -> Path:
    """The JSON an ingested part leaves last: its presence means the part is in the buckets."""
    return Path(out_dir) / "ingested" / f"part-{part:05d}.json"


def partition_of(user_ids: pa.Array | pa.ChunkedArray, n_partitions: int) -> np.ndarray:
    """Partition index of each id: the gate's hash bucket of the id as the reader types it
    (trimmed text; :func:`validation.identity.bucket_of`), so every row of a subscriber, and
    the reference month's profile of them, land in the same bucket on every host and run."""
    ids = pd.Series(user_ids.to_pandas(), dtype=object)
    ids = ids.where(ids.notna(), np.nan)  # the reader's missing text
    return bucket_of(id_row_hashes(ids), n_partitions)


def order_path(bucket: Path, part: int) -> Path:
    """Where bucket ``bucket`` keeps, for part ``part``, each of its rows' row number in the
    part (int64): the gate names offending rows by their place in the delivery."""
    return Path(bucket) / f"_order-{part:05d}.i8"


def delivery_positions(out_dir: Path, bucket: int) -> np.ndarray:
    """Each row of a bucket (in :func:`prospect.io.read_batch` order) as its row number in
    the whole delivery, the parts one after the other (every part must be ingested)."""
    markers = sorted((Path(out_dir) / "ingested").glob("part-*.json"))
    sizes = [int(json.loads(m.read_text(encoding="utf-8"))["rows"]) for m in markers]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    folder = partition_path(out_dir, bucket)
    pieces = [
        np.fromfile(order_path(folder, part), dtype=np.int64) + offsets[part]
        for part in range(len(sizes))
        if order_path(folder, part).is_file()
    ]
    return np.concatenate(pieces) if pieces else np.array([], dtype=np.int64)


def partition_batch(
    path: Path, spec: DatasetSpec, out_dir: Path, n_partitions: int, *, month: str | None = None
) -> list[Path]:
    """Stream every part of a delivery into ``n_partitions`` hash buckets under ``out_dir``.

    One process, one part after the other (:func:`ingest_part` is what a worker task runs for
    one part). Returns the bucket folders; :func:`prospect.io.read_batch` reads a bucket as it
    reads the batch.
    """
    parts = delivery_parts(Path(path))
    for index, part in enumerate(parts):
        ingest_part(part, index, spec, out_dir, n_partitions, month=month)
    return [partition_path(out_dir, i) for i in range(n_partitions)]


def ingest_part(
    part: Path,
    index: int,
    spec: DatasetSpec,
    out_dir: Path,
    n_partitions: int,
    *,
    month: str | None = None,
) -> int:
    """Stream part file ``index`` of a delivery into the hash buckets; returns its rows.

    The part is read a block at a time by the batch's own parser (memory bounded by the block,
    not the part) and each block's rows go to ``bucket-NNNN/part-<index>.parquet``. The files
    are written in a temporary sibling folder and moved into the buckets before the part's
    marker is written, so an ingest interrupted half-way is redone, and one that finished is
    not (its marker is reused).

    Parameters
    ----------
    part : a CSV or Parquet file, as :func:`prospect.io.read_batch` accepts it.
    index : the part's place in :func:`prospect.io.parts.delivery_parts` (names its files).
    spec : its dataset spec (to find the id column under any of its aliases).
    out_dir : folder of the buckets; created.
    n_partitions : at least 1.
    month : the batch month, when the file has no month column.
    """
    if not isinstance(n_partitions, int) or n_partitions < 1:
        raise ValueError(f"n_partitions must be an integer >= 1; got {n_partitions!r}.")
    out_dir = Path(out_dir)
    marker = part_marker(out_dir, index)
    if marker.is_file():
        logger.info("part %s already in the buckets of %s; reused", Path(part).name, out_dir)
        return int(json.loads(marker.read_text(encoding="utf-8"))["rows"])
    name = f"part-{index:05d}.parquet"
    # A unique temporary folder: a redelivered task may ingest the same part concurrently.
    tmp = out_dir / f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.mkdir(parents=True)
    started = time.perf_counter()
    try:
        rows = _write_partitions(Path(part), spec, tmp, n_partitions, month, name, index)
        for i in range(n_partitions):
            target = partition_path(out_dir, i) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            order_path(partition_path(tmp, i), index).replace(order_path(target.parent, index))
            (partition_path(tmp, i) / name).replace(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    marker.parent.mkdir(parents=True, exist_ok=True)
    done = marker.with_name(f".{marker.name}.{uuid.uuid4().hex[:8]}.tmp")
    seconds = time.perf_counter() - started
    done.write_text(json.dumps({"part": str(part), "rows": rows, "seconds": seconds}), "utf-8")
    done.replace(marker)
    logger.info("ingested %s (%d rows) into %d buckets", Path(part).name, rows, n_partitions)
    return rows


def _write_partitions(
    path: Path, spec: DatasetSpec, tmp: Path, n: int, month: str | None, name: str, index: int
) -> int:
    blocks, id_header = _blocks(path, spec, month)
    id_spec = spec.column(spec.id_column)
    writers: list[pq.ParquetWriter] = []
    orders: list[Any] = []
    rows = 0
    with contextlib.ExitStack() as stack:
        for block in blocks:
            if not writers:
                for i in range(n):
                    partition_path(tmp, i).mkdir()
                    writer = pq.ParquetWriter(partition_path(tmp, i) / name, block.schema)
                    writers.append(stack.enter_context(writer))
                    order = open(order_path(partition_path(tmp, i), index), "wb")  # noqa: SIM115
                    orders.append(stack.enter_context(order))
            ids = canonical_arrow(block.column(id_header), id_spec, id_header, path, None)
            part = partition_of(ids, n)
            for i, writer in enumerate(writers):
                mine = np.flatnonzero(part == i)
                writer.write_batch(block.take(pa.array(mine)))
                (mine + rows).astype(np.int64).tofile(orders[i])
            rows += block.num_rows
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
    stream = open_csv(path, spec.csv_separator, block_bytes=CSV_BLOCK_BYTES)
    return _named(stream.batches, stream.header), _id_header(stream.header, spec, path, month)


def _named(batches: Iterator[pa.RecordBatch], header: list[str]) -> Iterator[pa.RecordBatch]:
    """The parser's positional columns under the file's own headers (a partition keeps them,
    so :func:`prospect.io.read_batch` maps a partition's headers like the batch's)."""
    for batch in batches:
        yield pa.RecordBatch.from_arrays(batch.columns, names=header)


def _id_header(names: list[str], spec: DatasetSpec, path: Path, month: str | None) -> str:
    hmap = map_headers(names, spec, path, optional=optional_columns(spec, month))
    return hmap.headers[spec.id_column]
