"""Content checksum of a batch file or folder of part files: the run id is derived from it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from prospect.exceptions import DataReadError
from prospect.io.parts import delivery_parts

CHUNK_BYTES = 1 << 20


def file_checksum(path: Path) -> str:
    """SHA-256 of the file's bytes (hex), read in 1 MiB chunks so big files use little memory.

    A folder of part files has the SHA-256 of its parts' relative names and checksums, so a
    part added, removed, renamed or changed changes it.
    """
    path = Path(path)
    if path.is_dir():
        lines = "".join(
            f"{p.relative_to(path).as_posix()}\t{file_checksum(p)}\n" for p in delivery_parts(path)
        )
        return hashlib.sha256(lines.encode("utf-8")).hexdigest()
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
    except FileNotFoundError as exc:
        raise DataReadError(f"{path}: file does not exist") from exc
    return digest.hexdigest()
