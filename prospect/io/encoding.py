"""Which text encoding a CSV batch uses: UTF-8 (with or without BOM) or GBK, from a prefix."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

from prospect.exceptions import DataReadError

PREFIX_BYTES = 1 << 16
_CANDIDATES = ("utf-8", "gbk")


def _mostly_nul(prefix: bytes) -> bool:
    """UTF-16 text is about half NUL bytes; a stray NUL in UTF-8 text is a broken value that
    the CSV byte scan reports with its line."""
    return prefix.count(b"\x00") > len(prefix) // 10


def detect_encoding(path: Path, prefix_bytes: int = PREFIX_BYTES) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gbk``, judged on the first ``prefix_bytes`` of the file.

    UTF-8 is tried first: GBK text is almost never valid UTF-8, while ASCII is valid in both.
    """
    opener = gzip.open if Path(path).suffix.lower() == ".gz" else open
    with opener(path, "rb") as handle:
        prefix = handle.read(prefix_bytes)
    if prefix.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if prefix[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or _mostly_nul(prefix):
        raise DataReadError(
            f"{path}: contains NUL bytes, so it is not UTF-8 or GBK text (UTF-16? save as UTF-8)"
        )
    reasons = []
    for name in _CANDIDATES:
        try:
            codecs.getincrementaldecoder(name)().decode(prefix, final=False)
        except UnicodeDecodeError as exc:
            reasons.append(f"{name}: invalid byte 0x{prefix[exc.start]:02x} at offset {exc.start}")
            continue
        return name
    raise DataReadError(
        f"{path}: unknown text encoding, neither UTF-8 nor GBK ({'; '.join(reasons)})"
    )
