"""Identity continuity: do this month's ids and rows follow on from the reference month's?

Ids and rows are compared as 64-bit hashes (pandas' fixed-key SipHash), kept sorted in the
:class:`~validation.drift.ReferenceProfile`: 8 bytes per subscriber, no ids stored in clear.
Three checks, each against :class:`~validation.rules.IdentityBand`:

* the share of this month's ids seen in the reference month (an id-format change upstream,
  lower-cased ids, another operator's file: all fall to near 0);
* for each known-id list the caller passes (suppression list, contact history), how well it
  matches this month against how well it matched the reference month;
* the share of rows that repeat the reference month row for row (same id, same numbers):
  last month's file re-sent under this month's label.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from validation.frame_stats import CHUNK_ROWS
from validation.result import Failure
from validation.rules import TableRules

_PRIME = np.uint64(0x100000001B3)  # FNV-1a's 64-bit prime


def id_row_hashes(values: pd.Series) -> np.ndarray:
    """One 64-bit hash per row of the id column (missing ids hash alike; non-text ids are
    hashed as their text)."""
    raw = values.to_numpy(dtype=object)
    try:
        return _hash_in_chunks(raw)
    except TypeError:  # mixed types: hash every value's text
        return _hash_in_chunks(values.astype(str).to_numpy(dtype=object))


def _hash_in_chunks(raw: np.ndarray) -> np.ndarray:
    """``pd.util.hash_array`` chunk by chunk: the same hashes, but the encoded copy of each
    text it holds while hashing is one chunk's (~3 MiB), not the column's (~90 MiB a
    million ids, memory the allocator keeps after the gate has moved on)."""
    out = np.empty(len(raw), dtype=np.uint64)
    for start in range(0, len(raw), CHUNK_ROWS):
        part = raw[start : start + CHUNK_ROWS]
        out[start : start + len(part)] = pd.util.hash_array(part, categorize=False)
    return out


def hash_ids(values: pd.Series | Sequence[Any], row_hashes: np.ndarray | None = None) -> np.ndarray:
    """Sorted distinct hashes of the non-missing ids (``row_hashes``: their per-row hashes,
    when already computed)."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    hashed = id_row_hashes(series) if row_hashes is None else row_hashes
    return sorted_distinct(hashed[series.notna().to_numpy()])


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values by one sort (numpy's hash-based ``unique`` of a million 64-bit
    hashes takes seconds; a sort takes tens of milliseconds)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def row_hashes(
    df: pd.DataFrame, rules: TableRules, id_hashes: np.ndarray | None = None
) -> np.ndarray | None:
    """One hash per row over the id and every number column (never the month column), so
    the same rows relabelled with another month hash the same; None without an id column."""
    if rules.id_column not in df.columns:
        return None
    combined = id_row_hashes(df[rules.id_column]) if id_hashes is None else id_hashes.copy()
    for col in rules.columns:  # multiply-xor over the numbers' bits, mixed once at the end
        if col.kind == "number" and col.name in df.columns:
            values = df[col.name]
            numbers = (values.to_numpy() if values.dtype == np.float64  # no copy
                       else values.to_numpy(dtype=float, na_value=np.nan))  # fmt: skip
            bits = numbers.view(np.uint64)
            combined ^= bits
            combined *= _PRIME
    return pd.util.hash_array(combined)


def content_digest(sorted_rows: np.ndarray | None) -> str | None:
    """SHA-256 of the sorted row hashes: equal for the same rows in any order or month."""
    if sorted_rows is None:
        return None
    return hashlib.sha256(sorted_rows.tobytes()).hexdigest()


def _share_in(values: np.ndarray, sorted_pool: np.ndarray, *, presorted: bool = False) -> float:
    """Share of ``values`` (``presorted``: already in order) found in ``sorted_pool``."""
    if values.size == 0 or sorted_pool.size == 0:
        return 0.0
    if not presorted:  # integer sort is a few ms; searching sorted needles is ~20x faster
        values = np.sort(values)
    pos = np.searchsorted(sorted_pool, values).clip(max=sorted_pool.size - 1)
    return float(np.mean(sorted_pool[pos] == values))


def identity_failures(
    ids: np.ndarray,
    rows: np.ndarray | None,
    ref_ids: np.ndarray | None,
    ref_rows: np.ndarray | None,
    rules: TableRules,
    known_ids: Mapping[str, Sequence[Any]] | None = None,
    *,
    ids_sorted: bool = False,
) -> tuple[list[Failure], dict[str, float]]:
    """Failures of the three continuity checks and the numbers they were judged on.

    ``ids`` are the hashes of this month's present ids (one per row; ``ids_sorted``: already
    in order), ``rows`` this month's sorted row hashes, ``ref_ids`` and ``ref_rows`` the
    reference's sorted ones.
    """
    band, column = rules.identity, rules.id_column
    failures: list[Failure] = []
    numbers: dict[str, float] = {}
    if ref_ids is None or ref_ids.size == 0 or ids.size == 0:
        return failures, numbers
    ids = ids if ids_sorted else np.sort(ids)  # also the pool the known lists are looked up in
    seen = numbers["ids_seen_in_reference"] = round(_share_in(ids, ref_ids, presorted=True), 4)
    if seen < band.seen_min:
        failures.append(Failure(
            "identity_continuity", column, "quarantine",
            f"only {seen:.1%} of this month's ids were seen in the reference month (band: at "
            f"least {band.seen_min:.0%}); the id format changed upstream or this is another "
            "population", seen,
        ))  # fmt: skip
    for name, values in (known_ids or {}).items():
        failures += _list_failure(name, hash_ids(values), ids, ref_ids, band.list_ratio_min,
                                  column, numbers)  # fmt: skip
    if rows is not None and ref_rows is not None and ref_rows.size:
        repeat = round(_share_in(rows, ref_rows, presorted=True), 4)
        numbers["rows_repeating_reference"] = repeat
        if repeat > band.repeat_max:
            failures.append(Failure(
                "repeated_month", column, "quarantine",
                f"{repeat:.1%} of the rows repeat the reference month row for row (same id, "
                f"same numbers; at most {band.repeat_max:.0%}): an earlier month re-sent", repeat,
            ))  # fmt: skip
    return failures, numbers


def _list_failure(
    name: str, listed: np.ndarray, ids: np.ndarray, ref_ids: np.ndarray, ratio_min: float,
    column: str, numbers: dict[str, float],
) -> list[Failure]:  # fmt: skip
    if listed.size == 0:
        return []
    now, before = _share_in(listed, ids), _share_in(listed, ref_ids)
    numbers[f"{name}_matched"], numbers[f"{name}_matched_reference"] = (
        round(now, 4),
        round(before, 4),
    )
    if before == 0 or now >= ratio_min * before:
        return []
    return [Failure(
        "identity_continuity", column, "quarantine",
        f"the {name} ({listed.size} ids) matches {now:.1%} of its ids this month against "
        f"{before:.1%} in the reference month (band: at least {ratio_min:.0%} of it)", now,
    )]  # fmt: skip
