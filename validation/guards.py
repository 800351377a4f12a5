"""Guards on the columns that protect people, and declared value formats.

A guarded column (blacklist, existing cardholder, real-name check, age...) is read by
eligibility or suppression: if it silently changes, people who must not be contacted end up
on a list. So whatever its drift setting, each guarded column's value shares (numeric ones:
PSI over the reference bins) and missing share are held to
:class:`~validation.rules.GuardLimits` against the reference month, and breaking them
quarantines. Formats (``msisdn`` is 11 digits starting with 1) are checked on every value
with Arrow's regex kernel.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from validation.frame_stats import CHUNK_ROWS
from validation.interpret import MAX_EXAMPLES
from validation.result import Failure
from validation.rules import TableRules
from validation.stability_index import psi

MAX_SHAPES = 5
SHAPE_ROWS = 200
"""Offending rows whose shapes a format failure looks at."""


def guard_kind(rules: TableRules, name: str) -> str | None:
    """``numeric`` or ``categorical``: how a guarded column is profiled (None: by identity)."""
    col = rules.column(name)
    if col.drift is not None:
        return col.drift
    if col.allowed is not None:
        return "categorical"
    return "numeric" if col.kind == "number" else None


Members = tuple[list[Any], np.ndarray]
"""A guarded column's values in the reference month and, aligned with the profile's sorted
ids, each subscriber's value as a code into them (-1: missing)."""


def code_type(n_values: int) -> type[np.signedinteger[Any]]:
    """The smallest code type for ``n_values`` values and the missing code -1."""
    return np.int8 if n_values < 127 else np.int32


def guard_members(
    df: pd.DataFrame, rules: TableRules, id_hashes: np.ndarray, present: np.ndarray | None
) -> tuple[np.ndarray, dict[str, Members]]:
    """The sorted distinct hashes of the present ids and, for each categorical guarded
    column, who held which value (was blacklisted, a cardholder, unverified): one small code
    per subscriber, so a million subscribers cost ~1 MB per column (``present``: mask of
    the rows holding an id, None for all)."""
    rows = None if present is None else np.flatnonzero(present)
    hashes = id_hashes if rows is None else id_hashes[rows]
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    first = np.ones(ordered.size, dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    taken = order[first] if rows is None else rows[order[first]]  # a row of each distinct id
    members: dict[str, Members] = {}
    for name in rules.guards:
        if (
            name in df.columns
            and name != rules.id_column
            and guard_kind(rules, name) == ("categorical")
        ):
            # sorted values: the same codes whatever order the month's rows come in
            codes, uniques = pd.factorize(df[name], use_na_sentinel=True, sort=True)
            members[name] = (uniques.tolist(), codes[taken].astype(code_type(len(uniques))))
    return ordered[first], members


def kept_counts(
    df: pd.DataFrame, rules: TableRules, profile: Any, id_hashes: np.ndarray,
    id_order: np.ndarray | None = None,
) -> dict[str, list[list[int]]]:  # fmt: skip
    """Per categorical guarded column and reference value: how many of the reference's
    holders are here with a value (``stayed``) and how many still hold it (``kept``).

    The reference ids present in the batch are found by one search of the sorted hashes
    (``id_order``: their argsort), each mapped to its first row, and both months' codes are
    compared in one pass and counted per reference value with ``bincount``."""
    if not id_hashes.size or profile.ids is None or not profile.members:
        return {}
    batch_rows, found = _followed(id_hashes, profile.ids, id_order)
    out: dict[str, list[list[int]]] = {}
    for name in rules.guards:
        if name in df.columns and name in profile.missing and name in profile.members:
            values, reference_codes = profile.members[name]
            codes, uniques = pd.factorize(df[name], use_na_sentinel=True)
            index = {value: code for code, value in enumerate(values)}
            # batch code -> reference code (-2: a value the reference did not have), missing -> -1
            to_reference = np.array([index.get(v, -2) for v in uniques.tolist()] + [-1])
            to_reference = to_reference.astype(reference_codes.dtype)  # codes of one small size
            before = reference_codes[found]
            now = to_reference[codes[batch_rows]]
            held_before = before >= 0
            stayed = np.bincount(before[held_before & (now != -1)], minlength=len(values))
            kept = np.bincount(before[held_before & (now == before)], minlength=len(values))
            out[name] = [stayed.tolist(), kept.tolist()]
    return out


def kept_failure(
    name: str, values: list[Any], counts: list[list[int]], rules: TableRules
) -> list[Failure]:
    """Subscribers of both months who changed value: a blacklisted subscriber still here
    must still be blacklisted (a share can hold steady while the people behind it change)."""
    limits = rules.guard_limits
    stayed, kept = counts
    moved = []
    for code, value in enumerate(values):
        if stayed[code] == 0 or stayed[code] < limits.keep_min_group:
            continue
        share = int(kept[code]) / int(stayed[code])
        if share < limits.keep_min:
            moved.append(f"{_label(value)}: {share:.1%} of {stayed[code]} still {_label(value)}")
    if not moved:
        return []
    return [Failure(
        "guard_members", name, "quarantine",
        f"guarded column: subscribers of the reference month changed value (limit: "
        f"{limits.keep_min:.0%} keep it; {'; '.join(moved)})", moved,
    )]  # fmt: skip


def _followed(
    id_hashes: np.ndarray, ref_ids: np.ndarray, order: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Which reference ids the batch holds (``found``) and the batch row of each of them (the
    first when an id repeats); ``order``: the hashes' stable argsort, if known."""
    order = np.argsort(id_hashes, kind="stable") if order is None else order
    sorted_ids = id_hashes[order]
    if not ref_ids.size:
        return np.array([], dtype=np.int64), np.zeros(0, dtype=bool)
    pos = np.searchsorted(sorted_ids, ref_ids).clip(max=sorted_ids.size - 1)
    found = sorted_ids[pos] == ref_ids
    return order[pos[found]], found


def guard_failures(
    rules: TableRules, counts: Any, profile: Any, shares: Any, binned: Any
) -> list[Failure]:
    """Quarantine failures of every guarded column present in the month and in the profile.

    ``counts`` are the month's added-up :class:`~validation.slices.SliceCounts`;
    ``shares(name)`` and ``binned(name)`` give a column's value shares and bin shares."""
    failures: list[Failure] = []
    limits = rules.guard_limits
    for name in rules.guards:
        if name not in counts.columns or name not in profile.missing:
            continue
        if name in counts.kept:
            values = profile.members[name][0]
            failures += kept_failure(name, values, counts.kept[name], rules)
        missing = counts.missing[name] / counts.rows if counts.rows else 0.0
        rise = missing - profile.missing[name]
        if rise > limits.missing_rise:
            failures.append(Failure(
                "guard_missing", name, "quarantine",
                f"guarded column: missing share rose from {profile.missing[name]:.2%} to "
                f"{missing:.2%} (limit +{limits.missing_rise:.0%})", round(missing, 4),
            ))  # fmt: skip
        kind = guard_kind(rules, name)
        if kind == "categorical" and name in profile.shares:
            n = max(counts.rows - counts.missing[name], 1)
            failures += _share_failures(name, dict(profile.shares[name]), shares(name), n, profile,
                                        rules)  # fmt: skip
        elif kind == "numeric" and name in profile.edges:
            failures += _psi_failure(name, binned(name), profile, rules)
    return failures


def _share_failures(
    name: str, expected: dict[Any, float], actual: dict[Any, float], n: int, profile: Any,
    rules: TableRules,
) -> list[Failure]:  # fmt: skip
    limits = rules.guard_limits
    m = max(profile.row_count, 1)
    moved = []
    for value in sorted(set(expected) | set(actual), key=str):
        before, now = expected.get(value, 0.0), actual.get(value, 0.0)
        noise = limits.noise_sigmas * math.sqrt(max(before * (1 - before), 1e-12) * (1 / n + 1 / m))
        allowed = max(limits.share_absolute, limits.share_relative * before, noise)
        if abs(now - before) > allowed:
            moved.append(f"{_label(value)}: {before:.2%} -> {now:.2%}")
    if not moved:
        return []
    return [Failure(
        "guard_shares", name, "quarantine",
        f"guarded column: value shares moved beyond the limit against the reference month "
        f"({'; '.join(moved)})", moved,
    )]  # fmt: skip


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _psi_failure(
    name: str, actual: np.ndarray | None, profile: Any, rules: TableRules
) -> list[Failure]:
    if actual is None:  # no number to bin
        return []
    value = psi(np.asarray(profile.shares[name]), actual)
    if value < rules.guard_limits.psi:
        return []
    return [Failure(
        "guard_shares", name, "quarantine",
        f"guarded column: distribution shifted against the reference (PSI {value:.3f}, "
        f"guard limit {rules.guard_limits.psi})", round(value, 4),
    )]  # fmt: skip


def format_failures(
    df: pd.DataFrame, rules: TableRules, ids: Sequence[Any] | None
) -> list[Failure]:
    """A failure per column whose present values do not all match the declared format."""
    failures = []
    keys = np.arange(len(df), dtype=np.int64)
    for name, pattern in rules.formats.items():
        if name in df.columns and df[name].dtype.kind in "OUS":
            failure = format_failure(
                name, pattern, format_counts(df[name], pattern, ids, keys), rules
            )
            if failure is not None:
                failures.append(failure)
    return failures


def format_counts(
    values: pd.Series, pattern: str, ids: Any, keys: np.ndarray
) -> dict[str, Any] | None:
    """Rows of one slice not in the declared format, with the first ones' keys, ids and
    shapes (None: the column is not all text, which the type expectation reports)."""
    bad = []
    for start in range(0, len(values), CHUNK_ROWS):  # Arrow text of one chunk at a time
        try:
            text = pa.array(values.iloc[start : start + CHUNK_ROWS], type=pa.string(),
                            from_pandas=True)  # fmt: skip
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            return None
        if _all_fixed_width_match(text, pattern):
            continue
        good = pc.fill_null(pc.match_substring_regex(text, f"^(?:{pattern})$"), True)
        if not pc.all(good).as_py():
            bad.append(start + np.flatnonzero(~good.to_numpy(zero_copy_only=False)))
    rows = np.concatenate(bad) if bad else np.array([], dtype=np.int64)
    return {
        "bad": int(rows.size), "total": len(values),
        "shapes": [[int(keys[i]), _shape(str(values.iloc[i]))] for i in rows[:SHAPE_ROWS]],
        "examples": [[int(keys[i]), None if ids is None else str(ids[i])]
                     for i in rows[:MAX_EXAMPLES]],
    }  # fmt: skip


def format_failure(
    name: str, pattern: str, counts: dict[str, Any] | None, rules: TableRules
) -> Failure | None:
    """The failure of a column with values outside its format (None: none, or not text)."""
    if counts is None or not counts["bad"]:
        return None
    share = counts["bad"] / max(counts["total"], 1)
    severity = "quarantine" if share > rules.value_tolerance else "warn"
    shapes = list(dict.fromkeys(s for _, s in counts["shapes"][:SHAPE_ROWS]))[:MAX_SHAPES]
    examples = [i for _, i in counts["examples"][:MAX_EXAMPLES] if i is not None]
    return Failure(
        "format", name, severity,  # type: ignore[arg-type]
        f"values not in the declared format {pattern} (shapes seen: {', '.join(shapes)})",
        shapes, int(counts["bad"]), share, examples,
    )  # fmt: skip


_TOKEN = re.compile(r"(\\d|\[[A-Za-z0-9-]+\]|[A-Za-z0-9])(?:\{([0-9]+)\})?")


def _position_tables(pattern: str) -> list[np.ndarray] | None:
    """Per character position, which ASCII bytes a fixed-width pattern of literals, classes
    and ``{n}`` repeats (``1[3-9][0-9]{9}``) allows; None for any other pattern."""
    tables: list[np.ndarray] = []
    at = 0
    while at < len(pattern):
        token = _TOKEN.match(pattern, at)
        if token is None:
            return None
        allowed = np.zeros(256, dtype=bool)
        atom = "[0-9]" if token.group(1) == "\\d" else token.group(1)
        body = atom[1:-1] if atom.startswith("[") else atom
        for start, end in re.findall(r"(.)(?:-(.))?", body):
            allowed[ord(start) : ord(end or start) + 1] = True
        tables += [allowed] * int(token.group(2) or 1)
        at = token.end()
    return tables or None


def _all_fixed_width_match(text: pa.Array, pattern: str) -> bool:
    """True when every value is present and matches a fixed-width pattern, decided on the
    Arrow bytes by one table look-up per position (a regex per value costs ~10x more);
    False means "not decided": the regex then judges every value."""
    tables = _position_tables(pattern)
    if tables is None or text.null_count or len(text) == 0 or not isinstance(text, pa.StringArray):
        return False
    width = len(tables)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[
        text.offset : text.offset + len(text) + 1
    ]
    if offsets[-1] - offsets[0] != width * len(text) or np.any(np.diff(offsets) != width):
        return False
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    grid = data.reshape(len(text), width)
    return all(bool(table[grid[:, i]].all()) for i, table in enumerate(tables))


def _shape(value: str) -> str:
    """The value's shape with digits as 9 and letters as a/A: shows ``9.99999A+99`` (a
    spreadsheet's scientific notation) without printing a phone number."""
    shape = re.sub(r"[0-9]", "9", value[:40])
    shape = re.sub(r"[A-Z]", "A", shape)
    return re.sub(r"[a-z]", "a", shape)
