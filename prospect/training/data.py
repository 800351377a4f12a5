"""The training data of a folder of monthly batches: read, checksum, split by time.

Every month file but the latest trains; the latest month tests, as scoring always happens on a
month the models have not seen. Rows are never split at random. A file without a month column
takes its month from a ``YYYY-MM`` in its name (``accounts_2024-05.csv``), as ``prospect run
--month`` does for a batch.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from prospect.io import file_checksum, read_batch
from prospect.io.parts import PART_SUFFIXES, is_part_name
from prospect.spec import DatasetSpec
from prospect.training.exceptions import TrainingDataError

logger = logging.getLogger(__name__)

MONTH_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(0[1-9]|1[0-2])(?!\d)")


def month_in_name(path: Path) -> str | None:
    """The last ``YYYY-MM`` in the file's name, if any."""
    found = MONTH_IN_NAME.findall(path.name)
    return "-".join(found[-1]) if found else None


@dataclass(frozen=True)
class TrainingData:
    """All months of a training folder, the months used to train and the month tested on."""

    frame: pd.DataFrame
    files: dict[str, str]
    train_months: list[str]
    test_month: str

    @property
    def checksum(self) -> str:
        """SHA-256 over the files' names and checksums: same files, same data checksum."""
        lines = "".join(f"{name}\t{digest}\n" for name, digest in sorted(self.files.items()))
        return hashlib.sha256(lines.encode("utf-8")).hexdigest()

    @property
    def months(self) -> list[str]:
        return [*self.train_months, self.test_month]

    def train(self, month_column: str) -> pd.DataFrame:
        return self.frame[self.frame[month_column].isin(self.train_months)]

    def test(self, month_column: str) -> pd.DataFrame:
        return self.frame[self.frame[month_column] == self.test_month]


def batch_files(data_dir: Path) -> list[Path]:
    """Batch files directly in ``data_dir`` (sub-folders such as ``oracle/`` are never read)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise TrainingDataError(f"training folder {data_dir} does not exist.")
    files = sorted(p for p in data_dir.iterdir() if p.is_file() and is_part_name(p.name))
    if not files:
        raise TrainingDataError(f"{data_dir} holds no batch files ({', '.join(PART_SUFFIXES)}).")
    return files


def load_training_data(data_dir: Path, spec: DatasetSpec) -> TrainingData:
    """Read every batch in ``data_dir``; the latest month is the test month.

    Raises
    ------
    TrainingDataError
        Fewer than two months, or a spec without a month column.
    """
    if spec.month_column is None:
        raise TrainingDataError(f"spec {spec.name!r} has no month column to split by time.")
    files = batch_files(data_dir)
    frames, checksums = [], {}
    for path in files:
        frames.append(read_batch(path, spec, month=month_in_name(path)))
        checksums[path.name] = file_checksum(path)
    frame = pd.concat(frames, ignore_index=True)
    months = sorted(frame[spec.month_column].dropna().astype(str).unique())
    if len(months) < 2:
        raise TrainingDataError(
            f"{data_dir} holds months {months}; training needs at least two (train, then test)."
        )
    logger.info("read %d rows over %d months from %d files", len(frame), len(months), len(files))
    return TrainingData(frame, checksums, months[:-1], months[-1])
