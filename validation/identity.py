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
import json
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


def bucket_of(id_hashes: np.ndarray, n_buckets: int) -> np.ndarray:
    """The hash bucket of each id hash (:func:`id_row_hashes`): every row of an id, and the
    reference month's profile of it, fall in the same bucket of ``n_buckets``."""
    return (id_hashes % np.uint64(n_buckets)).astype(np.int64)


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


_MIXERS = (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93)


def digest_sums(rows: np.ndarray | None) -> list[int] | None:
    """The row count and four sums of the row hashes, each mixed another way (mod 2**64):
    what :func:`content_digest` is made of, for one slice of the month; slices add up."""
    if rows is None:
        return None
    sums = [int(rows.size)]
    with np.errstate(over="ignore"):
        for mixer in _MIXERS:
            mixed = pd.util.hash_array(rows ^ np.uint64(mixer))
            sums.append(int(mixed.sum(dtype=np.uint64)))
    return sums


def content_digest(sums: list[int] | None) -> str | None:
    """SHA-256 of the added-up :func:`digest_sums`: equal for the same rows in any order,
    month or split into slices."""
    if sums is None:
        return None
    return hashlib.sha256(json.dumps(sums).encode("ascii")).hexdigest()


def identity_failures(
    counts: dict[str, Any], rules: TableRules, ref_ids: int, ref_rows: int,
    known_sizes: Mapping[str, int] | None = None,
) -> tuple[list[Failure], dict[str, float]]:  # fmt: skip
    """Failures of the three continuity checks and the numbers they were judged on.

    ``counts`` are the month's added-up identity counts (present ids and how many of them
    the reference holds; per known list, its ids found this month and in the reference; rows
    and how many repeat the reference row for row); ``ref_ids`` and ``ref_rows`` the sizes of
    the reference's sorted id and row hashes; ``known_sizes`` each known list's distinct ids.
    """
    band, column = rules.identity, rules.id_column
    failures: list[Failure] = []
    numbers: dict[str, float] = {}
    present = counts.get("present", 0)
    if ref_ids == 0 or present == 0:
        return failures, numbers
    seen = numbers["ids_seen_in_reference"] = round(counts["seen"] / present, 4)
    if seen < band.seen_min:
        failures.append(Failure(
            "identity_continuity", column, "quarantine",
            f"only {seen:.1%} of this month's ids were seen in the reference month (band: at "
            f"least {band.seen_min:.0%}); the id format changed upstream or this is another "
            "population", seen,
        ))  # fmt: skip
    for name, size in (known_sizes or {}).items():
        found_now, found_before = counts.get("known", {}).get(name, [0, 0])
        failures += _list_failure(name, size, found_now, found_before, band.list_ratio_min,
                                  column, numbers)  # fmt: skip
    if "rows" in counts and ref_rows:
        repeat = round(counts["repeated"] / counts["rows"], 4) if counts["rows"] else 0.0
        numbers["rows_repeating_reference"] = repeat
        if repeat > band.repeat_max:
            failures.append(Failure(
                "repeated_month", column, "quarantine",
                f"{repeat:.1%} of the rows repeat the reference month row for row (same id, "
                f"same numbers; at most {band.repeat_max:.0%}): an earlier month re-sent", repeat,
            ))  # fmt: skip
    return failures, numbers


def _list_failure(
    name: str, size: int, found_now: int, found_before: int, ratio_min: float, column: str,
    numbers: dict[str, float],
) -> list[Failure]:  # fmt: skip
    if size == 0:
        return []
    now, before = found_now / size, found_before / size
    numbers[f"{name}_matched"], numbers[f"{name}_matched_reference"] = (
        round(now, 4),
        round(before, 4),
    )
    if before == 0 or now >= ratio_min * before:
        return []
    return [Failure(
        "identity_continuity", column, "quarantine",
        f"the {name} ({size} ids) matches {now:.1%} of its ids this month against "
        f"{before:.1%} in the reference month (band: at least {ratio_min:.0%} of it)", now,
    )]  # fmt: skip
