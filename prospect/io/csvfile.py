"""The one CSV parser: Arrow's streaming reader, every column as text, strict about structure.

The gate (through :func:`prospect.io.read_batch`) and the partitioner read a CSV batch with
this module only, so the rows the gate judges are the rows scoring reads. Before parsing, the
raw bytes are scanned once for what no subscriber file holds and a parser would silently
"repair": a workbook or a gzip under a ``.csv`` name, a cut gzip stream, NUL bytes, a line
longer than :data:`MAX_LINE_BYTES`, a last line without its newline. While parsing, a row with
more or fewer fields than the header is an error naming its line.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from prospect.exceptions import DataReadError
from prospect.io.encoding import detect_encoding

MAX_LINE_BYTES = 1 << 20
"""Longest line accepted (1 MiB): a subscriber row is well under 1 KiB."""
BLOCK_BYTES = 16 << 20
_SCAN_BYTES = 16 << 20
_MAGIC = {b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)", b"\x1f\x8b": "gzip-compressed"}


@dataclass
class CsvStream:
    """A parsed CSV batch: its header and its record batches (all columns as strings,
    named ``c0``, ``c1``... by position).

    Iterating :attr:`batches` raises DataReadError once the file is read through if any row
    had the wrong number of fields, naming the first such line.
    """

    path: Path
    header: list[str]
    reader: pacsv.CSVStreamingReader
    ragged: list[tuple[int | None, int, int]] = field(default_factory=list)

    @property
    def batches(self) -> Iterator[pa.RecordBatch]:
        try:
            yield from self.reader
        except UnicodeDecodeError as exc:
            raise DataReadError(
                f"{self.path}: not valid {exc.encoding} text past its start ({exc.reason} at "
                f"byte {exc.start} of a block)"
            ) from None
        except pa.ArrowException as exc:
            raise DataReadError(f"{self.path}: malformed CSV: {_first_line(exc)}") from None
        if self.ragged:
            line, got, want = self.ragged[0]
            raise DataReadError(
                f"{self.path}: line {line}: {got} field(s) where the header has {want} "
                f"({len(self.ragged)} such line(s): cut or ragged rows)"
            )

    def read_all(self) -> pa.Table:
        """Every row as one table."""
        batches = list(self.batches)
        return pa.Table.from_batches(batches, schema=self.reader.schema)


def open_csv(path: Path, separator: str, *, block_bytes: int = BLOCK_BYTES) -> CsvStream:
    """Check the file's bytes, read its header and open the strict streaming parser."""
    path = Path(path)
    encoding = check_bytes(path)
    header = _header(path, encoding, separator)
    names = [f"c{i}" for i in range(len(header))]
    ragged: list[tuple[int | None, int, int]] = []

    def invalid(row: pacsv.InvalidRow) -> str:
        ragged.append((row.number, row.actual_columns, row.expected_columns))
        return "skip"

    read = pacsv.ReadOptions(
        encoding="utf8" if encoding.startswith("utf-8") else encoding, block_size=block_bytes,
        use_threads=False, skip_rows=1, column_names=names,
    )  # fmt: skip
    parse = pacsv.ParseOptions(delimiter=separator, invalid_row_handler=invalid)
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
    )
    try:
        reader = pacsv.open_csv(path, read_options=read, parse_options=parse,
                                convert_options=convert)  # fmt: skip
    except (pa.ArrowException, OSError) as exc:
        raise DataReadError(f"{path}: malformed CSV: {_first_line(exc)}") from None
    return CsvStream(path, header, reader, ragged)


def _first_line(exc: BaseException) -> str:
    """The error's first line without a quoted row (Arrow quotes it; it may hold PII)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.split(": '", 1)[0][:200]


def _header(path: Path, encoding: str, separator: str) -> list[str]:
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rt", encoding=encoding, newline="") as text:  # type: ignore[operator]
        header = next(csv.reader(text, delimiter=separator), None)
    if not header:
        raise DataReadError(f"{path}: has no header row")
    return [str(h) for h in header]


def check_bytes(path: Path) -> str:
    """The file's text encoding; DataReadError naming file, line and cause for bytes no CSV
    batch may hold."""
    compressed = path.suffix.lower() == ".gz"
    with open(path, "rb") as raw:
        magic = raw.read(4)
    for prefix, what in _MAGIC.items():
        if magic.startswith(prefix) and not (compressed and prefix == b"\x1f\x8b"):
            raise DataReadError(f"{path}: is {what}, not CSV text; export it as CSV")
    try:
        encoding = detect_encoding(path)
        with gzip.open(path, "rb") if compressed else open(path, "rb") as handle:
            _scan(path, handle)
        return encoding
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        if not compressed:
            raise
        raise DataReadError(f"{path}: gzip stream is corrupt or cut short ({exc})") from None


def _scan(path: Path, handle: io.BufferedIOBase) -> None:
    line, carry, last = 1, 0, b""
    while chunk := handle.read(_SCAN_BYTES):
        nul = chunk.find(b"\x00")
        if nul >= 0:
            where = line + chunk.count(b"\n", 0, nul)
            raise DataReadError(f"{path}: line {where}: NUL byte inside the text (cut values)")
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
        lengths = np.diff(np.concatenate(([-1], ends))) - 1
        if lengths.size:
            lengths[0] += carry
        longest = int(lengths.max()) if lengths.size else 0
        tail = carry + len(chunk) if not ends.size else len(chunk) - int(ends[-1]) - 1
        if max(longest, tail) > MAX_LINE_BYTES:
            over = line + (int(np.argmax(lengths > MAX_LINE_BYTES)) if longest > MAX_LINE_BYTES
                           else ends.size)  # fmt: skip
            raise DataReadError(
                f"{path}: line {over}: longer than {MAX_LINE_BYTES >> 20} MiB (an oversized "
                "field or a file that is not line-based)"
            )
        line, carry, last = line + ends.size, tail, chunk[-1:]
    if last not in (b"\n", b""):
        raise DataReadError(
            f"{path}: line {line}: the last line has no line end (the file was cut short)"
        )
