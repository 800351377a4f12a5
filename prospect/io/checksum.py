"""Content checksum of a batch file: the run id is derived from it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from prospect.exceptions import DataReadError

CHUNK_BYTES = 1 << 20


def file_checksum(path: Path) -> str:
    """SHA-256 of the file's bytes (hex), read in 1 MiB chunks so big files use little memory."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
    except FileNotFoundError as exc:
        raise DataReadError(f"{path}: file does not exist") from exc
    return digest.hexdigest()
