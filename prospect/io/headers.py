"""Map a batch's headers to the spec's canonical names through the spec's aliases.

Headers are compared after Unicode NFKC normalisation (full-width ``（）`` become ``()``),
whitespace stripping and case folding, so ``用户网龄（月）``, ``用户网龄(月)`` and `` Age `` match.
"""

from __future__ import annotations

import difflib
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from prospect.exceptions import DataReadError
from prospect.spec import DatasetSpec

logger = logging.getLogger(__name__)


def normalize_header(header: object) -> str:
    return unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "").strip().casefold()


@dataclass(frozen=True)
class HeaderMap:
    """Positions of the file's columns that the spec knows, and the header each came under."""

    positions: dict[str, int]
    headers: dict[str, str]


def map_headers(
    raw: list[str], spec: DatasetSpec, path: Path, *, optional: tuple[str, ...] = ()
) -> HeaderMap:
    """Match ``raw`` headers to spec columns; unknown ones are dropped with a logged warning.

    Raises DataReadError for two headers landing on one column or a missing required column
    (``optional`` names required columns the caller can fill in itself).
    """
    lookup = {normalize_header(alias): name for alias, name in spec.alias_map.items()}
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    for pos, header in enumerate(raw):
        name = lookup.get(normalize_header(header))
        if name is None:
            unknown.append(str(header))
        elif name in positions:
            raise DataReadError(
                f"{path}: headers {headers[name]!r} and {header!r} both map to column {name!r}"
            )
        else:
            positions[name], headers[name] = pos, str(header)
    if unknown:
        logger.warning("%s: dropping %d unknown column(s): %s", path, len(unknown), unknown)
    _check_required(spec, positions, unknown, path, optional)
    return HeaderMap(positions=positions, headers=headers)


def _check_required(
    spec: DatasetSpec,
    found: dict[str, int],
    unknown: list[str],
    path: Path,
    optional: tuple[str, ...],
) -> None:
    missing = [c for c in spec.columns if c.required and c.name not in found]
    missing = [c for c in missing if c.name not in optional]
    if not missing:
        return
    parts = []
    for col in missing:
        names = [col.name, *col.aliases]
        close = _close_headers(names, unknown)
        hint = f"; close headers found: {', '.join(map(repr, close))}" if close else ""
        parts.append(f"{col.name!r} (accepted headers: {', '.join(names)}{hint})")
    raise DataReadError(f"{path}: missing required column(s) {'; '.join(parts)}")


def _close_headers(names: list[str], unknown: list[str]) -> list[str]:
    by_norm = {normalize_header(h): h for h in unknown}
    close: list[str] = []
    for name in names:
        for match in difflib.get_close_matches(normalize_header(name), list(by_norm), 3, 0.6):
            if by_norm[match] not in close:
                close.append(by_norm[match])
    return close[:3]


def optional_columns(spec: DatasetSpec, month: str | None) -> tuple[str, ...]:
    """Required columns the reader fills itself: the month column when ``month`` is given."""
    return (spec.month_column,) if month is not None and spec.month_column else ()
