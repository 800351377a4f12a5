"""The landing folder: where monthly batch files arrive, and which of them still need a run.

Only complete deliveries are taken. A delivery is a batch file or a folder of part files
(see :mod:`prospect.io.parts`). A producer that can should write ``<file>.done`` (any
content) after the file, or ``<folder>.done`` or ``_SUCCESS`` inside the folder (what Spark
and Hadoop write when a job commits): a delivery with its marker is complete. One without is
taken only once it has not changed (same size, same modification time, for a folder the same
parts with the same sizes and times) for :data:`SETTLE_SECONDS`: a copy still under way keeps
growing, and is left for the next scan.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from prospect.exceptions import DataReadError
from prospect.io import file_checksum
from prospect.io.parts import PART_SUFFIXES, delivery_parts, is_part_name
from prospect.pipeline.exceptions import BatchNotFoundError
from prospect.pipeline.state import run_session
from prospect.settings import Settings
from prospect.store import Run
from prospect.store.db import require_schema

logger = logging.getLogger(__name__)

BATCH_SUFFIXES = PART_SUFFIXES
DONE_SUFFIX = ".done"
FOLDER_COMMITTED = "_SUCCESS"
SETTLE_SECONDS = 2.0
MONTH_IN_NAME = re.compile(r"(?<!\d)(\d{4}-(?:0[1-9]|1[0-2]))(?!\d)")


def month_of(path: Path) -> str | None:
    """The ``YYYY-MM`` in a batch file's name (``subscribers_2026-10.csv`` -> ``2026-10``)."""
    found = MONTH_IN_NAME.findall(Path(path).name)
    return found[-1] if found else None


def done_marker(path: Path) -> Path:
    """The marker a producer writes once ``path`` is complete."""
    return path.with_name(path.name + DONE_SUFFIX)


def _marked(path: Path) -> bool:
    return done_marker(path).is_file() or (path.is_dir() and (path / FOLDER_COMMITTED).is_file())


def complete(paths: Iterable[Path], settle: float | None = None) -> list[Path]:
    """The files of ``paths`` that are complete: marked done, or unchanged for ``settle``
    seconds (by default :data:`SETTLE_SECONDS`; one wait for all files, only when some file
    changed more recently than that)."""
    settle = SETTLE_SECONDS if settle is None else settle
    paths = list(paths)
    unmarked = [p for p in paths if not _marked(p)]
    before = {p: _signature(p) for p in unmarked}
    recent = [p for p, sig in before.items() if sig and time.time() - sig[1] < settle]
    if recent:
        time.sleep(settle)
    settled = {p for p, sig in before.items() if sig is not None and _signature(p) == sig}
    for path in unmarked:
        if path not in settled:
            logger.warning("landing file %s is still changing; left for the next scan", path.name)
    return [p for p in paths if p not in before or p in settled]


def _signature(path: Path) -> tuple[int, float, tuple[str, ...]] | None:
    """Size and newest modification time (for a folder: over its parts, with their names)."""
    try:
        if not path.is_dir():
            stat = path.stat()
            return stat.st_size, stat.st_mtime, ()
        parts = delivery_parts(path)
        stats = [p.stat() for p in parts]
    except (FileNotFoundError, DataReadError):  # gone, or a folder with no part yet
        return None
    names = tuple(str(p.relative_to(path)) for p in parts)
    return sum(s.st_size for s in stats), max(s.st_mtime for s in stats), names


def landed_batches(settings: Settings) -> list[Path]:
    """Complete deliveries in the landing folder (batch files, and folders of part files
    whose name carries a month), newest month first (then newest first)."""
    folder = settings.landing_dir
    if not folder.is_dir():
        return []
    found = [
        p
        for p in folder.iterdir()
        if (p.is_file() and is_part_name(p.name))
        or (p.is_dir() and month_of(p) is not None and not p.name.startswith((".", "_")))
    ]
    found = complete(found)
    return sorted(found, key=lambda p: (month_of(p) or "", _newest(p), p.name), reverse=True)


def _newest(path: Path) -> float:
    signature = _signature(path)
    return signature[1] if signature else 0.0


def landed_batch(settings: Settings, name: str) -> Path:
    """The delivery ``name`` in the landing folder and nowhere else (what a remote caller may
    ask for): a plain name of a batch file or of a folder of part files, inside the folder once
    links are resolved.

    Raises BatchNotFoundError with the same words whether the file is missing, elsewhere or not
    a batch, so the answer says nothing about which files exist.
    """
    folder = settings.landing_dir.resolve()
    refused = BatchNotFoundError(
        f"batch must be the name of a batch file ({', '.join(BATCH_SUFFIXES)}) or of a folder "
        f"of part files in the landing folder; no such batch {name!r}."
    )
    if not name or Path(name).name != name or name.startswith(".") or "\x00" in name:
        raise refused
    path = (folder / name).resolve()
    delivery = (path.is_file() and is_part_name(path.name)) or path.is_dir()
    if path.parent != folder or not delivery:
        raise refused
    return path


def batch_for_month(settings: Settings, month: str, batch: str | Path | None = None) -> Path:
    """The batch to run: ``batch`` (a file or a folder of part files, by path or by name in
    the landing folder) or else the newest landed file whose name carries ``month``.

    Raises BatchNotFoundError naming what was looked for.
    """
    if batch is not None:
        path = Path(batch)
        candidate = path if path.is_absolute() or path.exists() else settings.landing_dir / path
        if not (candidate.is_file() or candidate.is_dir()):
            raise BatchNotFoundError(f"batch file {batch} does not exist.")
        return candidate.resolve()
    for path in landed_batches(settings):
        if month_of(path) == month:
            return path.resolve()
    raise BatchNotFoundError(f"no batch for {month} in the landing folder.")


def find_new_batch(settings: Settings) -> tuple[Path, str] | None:
    """The newest landed batch no run has used yet (by content checksum), with its month.

    Files whose name carries no ``YYYY-MM`` are skipped with a warning: the beat cannot tell
    which month they hold.
    """
    require_schema(settings.db_url)
    with run_session(settings) as session:
        seen = set(session.scalars(select(Run.batch_checksum)))
    for path in landed_batches(settings):
        month = month_of(path)
        if month is None:
            logger.warning("landing file %s has no YYYY-MM in its name; skipped", path.name)
        elif file_checksum(path) not in seen:
            return path.resolve(), month
    return None
