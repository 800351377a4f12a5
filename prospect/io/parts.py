"""A month's delivery: one batch file, or a folder of part files (a Parquet dataset as Spark or
Hive writes it, ``province=gd/part-0.parquet``, or one CSV per province).

The parts of a folder are its batch files at any depth, in name order; names starting with
``.`` or ``_`` (``_SUCCESS``, ``_committed_*``, hidden temporary files) are not data.
"""

from __future__ import annotations

from pathlib import Path

from prospect.exceptions import DataReadError

PART_SUFFIXES = (".parquet", ".pq", ".csv", ".gz")


def is_part_name(name: str) -> bool:
    """A batch file's name: a batch suffix, and not hidden or a marker (``.x``, ``_SUCCESS``)."""
    return name.lower().endswith(PART_SUFFIXES) and not name.startswith((".", "_"))


def delivery_parts(path: Path) -> list[Path]:
    """The part files of a delivery: ``[path]`` for a file, the batch files under a folder.

    Raises DataReadError naming the folder when it holds no part file.
    """
    path = Path(path)
    if not path.is_dir():
        return [path]
    parts = sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and is_part_name(p.name)
        and not any(s.startswith((".", "_")) for s in p.relative_to(path).parts)
    )
    if not parts:
        raise DataReadError(
            f"{path}: folder holds no part file ({', '.join(PART_SUFFIXES)}); nothing to read"
        )
    return parts
