"""The landing folder: where monthly batch files arrive, and which of them still need a run."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy import select

from prospect.io import file_checksum
from prospect.pipeline.exceptions import BatchNotFoundError
from prospect.pipeline.state import run_session
from prospect.settings import Settings
from prospect.store import Run, upgrade

logger = logging.getLogger(__name__)

BATCH_SUFFIXES = (".parquet", ".pq", ".csv")
MONTH_IN_NAME = re.compile(r"(?<!\d)(\d{4}-(?:0[1-9]|1[0-2]))(?!\d)")


def month_of(path: Path) -> str | None:
    """The ``YYYY-MM`` in a batch file's name (``subscribers_2026-10.csv`` -> ``2026-10``)."""
    found = MONTH_IN_NAME.findall(Path(path).name)
    return found[-1] if found else None


def landed_batches(settings: Settings) -> list[Path]:
    """Batch files in the landing folder, newest month first (then newest file first)."""
    folder = settings.landing_dir
    if not folder.is_dir():
        return []
    files = [
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in BATCH_SUFFIXES and not p.name.startswith(".")
    ]
    return sorted(files, key=lambda p: (month_of(p) or "", p.stat().st_mtime, p.name), reverse=True)


def landed_batch(settings: Settings, name: str) -> Path:
    """The batch file ``name`` in the landing folder and nowhere else (what a remote caller may
    ask for): a plain file name with a batch suffix, inside the folder once links are resolved.

    Raises BatchNotFoundError with the same words whether the file is missing, elsewhere or not
    a batch, so the answer says nothing about which files exist.
    """
    folder = settings.landing_dir.resolve()
    refused = BatchNotFoundError(
        f"batch must be the name of a batch file ({', '.join(BATCH_SUFFIXES)}) in the landing "
        f"folder; no such batch {name!r}."
    )
    if not name or Path(name).name != name or name.startswith(".") or "\x00" in name:
        raise refused
    path = (folder / name).resolve()
    if path.parent != folder or path.suffix.lower() not in BATCH_SUFFIXES or not path.is_file():
        raise refused
    return path


def batch_for_month(settings: Settings, month: str, batch: str | Path | None = None) -> Path:
    """The batch file to run: ``batch`` (a path, or a name in the landing folder) or else the
    newest landed file whose name carries ``month``.

    Raises BatchNotFoundError naming what was looked for.
    """
    if batch is not None:
        path = Path(batch)
        candidate = path if path.is_absolute() or path.exists() else settings.landing_dir / path
        if not candidate.is_file():
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
    upgrade(settings.db_url)
    with run_session(settings) as session:
        seen = set(session.scalars(select(Run.batch_checksum)))
    for path in landed_batches(settings):
        month = month_of(path)
        if month is None:
            logger.warning("landing file %s has no YYYY-MM in its name; skipped", path.name)
        elif file_checksum(path) not in seen:
            return path.resolve(), month
    return None
