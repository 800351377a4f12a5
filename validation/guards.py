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

from validation.frame_stats import FrameStats
from validation.interpret import MAX_EXAMPLES
from validation.result import Failure
from validation.rules import TableRules
from validation.stability_index import psi

MAX_SHAPES = 5


def guard_kind(rules: TableRules, name: str) -> str | None:
    """``numeric`` or ``categorical``: how a guarded column is profiled (None: by identity)."""
    col = rules.column(name)
    if col.drift is not None:
        return col.drift
    if col.allowed is not None:
        return "categorical"
    return "numeric" if col.kind == "number" else None


def guard_members(
    df: pd.DataFrame, rules: TableRules, id_hashes: np.ndarray
) -> dict[str, dict[Any, np.ndarray]]:
    """For each categorical guarded column, each value's subscribers (sorted id hashes):
    who was blacklisted, a cardholder, unverified in the reference month."""
    members: dict[str, dict[Any, np.ndarray]] = {}
    for name in rules.guards:
        if (
            name in df.columns
            and name != rules.id_column
            and guard_kind(rules, name) == ("categorical")
        ):
            values = df[name]
            members[name] = {
                value: np.sort(id_hashes[(values == value).to_numpy()])
                for value in values.dropna().unique().tolist()
            }
    return members


def _kept_failures(
    df: pd.DataFrame, name: str, order: np.ndarray, sorted_ids: np.ndarray,
    groups: dict[Any, np.ndarray], rules: TableRules,
) -> list[Failure]:  # fmt: skip
    """Subscribers of both months who changed value: a blacklisted subscriber still here
    must still be blacklisted (a share can hold steady while the people behind it change).

    ``sorted_ids`` are the batch's id hashes sorted once by ``order``: each reference group
    (already sorted) is looked up by one ``searchsorted``, no set intersections."""
    limits = rules.guard_limits
    codes, uniques = pd.factorize(df[name], use_na_sentinel=True)
    code_of = {value: code for code, value in enumerate(uniques.tolist())}
    sorted_codes = codes[order]
    moved = []
    for value, before in groups.items():
        if sorted_ids.size == 0 or before.size == 0:
            continue
        pos = np.searchsorted(sorted_ids, before).clip(max=sorted_ids.size - 1)
        now = sorted_codes[pos[sorted_ids[pos] == before]]
        stayed = int(np.count_nonzero(now >= 0))
        if stayed < limits.keep_min_group:
            continue
        kept = int(np.count_nonzero(now == code_of.get(value, -2))) / stayed
        if kept < limits.keep_min:
            moved.append(f"{_label(value)}: {kept:.1%} of {stayed} still {_label(value)}")
    if not moved:
        return []
    return [Failure(
        "guard_members", name, "quarantine",
        f"guarded column: subscribers of the reference month changed value (limit: "
        f"{limits.keep_min:.0%} keep it; {'; '.join(moved)})", moved,
    )]  # fmt: skip


def guard_failures(
    df: pd.DataFrame, rules: TableRules, profile: Any, stats: FrameStats,
    id_hashes: np.ndarray | None = None,
) -> list[Failure]:  # fmt: skip
    """Quarantine failures of every guarded column present in ``df`` and in the profile
    (``stats``: the batch's column statistics, shared with drift; ``id_hashes``: the batch's
    per-row id hashes, to follow subscribers across months)."""
    failures: list[Failure] = []
    limits = rules.guard_limits
    order = None if id_hashes is None else np.argsort(id_hashes)
    sorted_ids = None if id_hashes is None or order is None else id_hashes[order]
    for name in rules.guards:
        if name not in df.columns or name not in profile.missing:
            continue
        if order is not None and sorted_ids is not None and name in profile.members:
            failures += _kept_failures(df, name, order, sorted_ids, profile.members[name], rules)
        missing = stats.missing_share(name)
        rise = missing - profile.missing[name]
        if rise > limits.missing_rise:
            failures.append(Failure(
                "guard_missing", name, "quarantine",
                f"guarded column: missing share rose from {profile.missing[name]:.2%} to "
                f"{missing:.2%} (limit +{limits.missing_rise:.0%})", round(missing, 4),
            ))  # fmt: skip
        kind = guard_kind(rules, name)
        if kind == "categorical" and name in profile.shares:
            failures += _share_failures(stats, name, dict(profile.shares[name]), profile, rules)
        elif kind == "numeric" and name in profile.edges:
            failures += _psi_failure(stats, name, profile, rules)
    return failures


def _share_failures(
    stats: FrameStats, name: str, expected: dict[Any, float], profile: Any, rules: TableRules
) -> list[Failure]:
    limits = rules.guard_limits
    actual = stats.value_shares(name)
    n = max(len(stats.df) - stats.missing_count(name), 1)
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


def _psi_failure(stats: FrameStats, name: str, profile: Any, rules: TableRules) -> list[Failure]:
    actual = stats.binned_shares(name, profile.edges[name])
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
    for name, pattern in rules.formats.items():
        if name not in df.columns or df[name].dtype.kind not in "OUS":
            continue
        failure = _format_failure(df[name], name, pattern, rules, ids)
        if failure is not None:
            failures.append(failure)
    return failures


def _format_failure(
    values: pd.Series, name: str, pattern: str, rules: TableRules, ids: Sequence[Any] | None
) -> Failure | None:
    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None  # not all text: the type expectation reports it
    if _all_fixed_width_match(text, pattern):
        return None
    good = pc.fill_null(pc.match_substring_regex(text, f"^(?:{pattern})$"), True)
    if pc.all(good).as_py():
        return None
    rows = np.flatnonzero(~good.to_numpy(zero_copy_only=False))
    share = rows.size / max(len(values), 1)
    severity = "quarantine" if share > rules.value_tolerance else "warn"
    shapes = list(dict.fromkeys(_shape(str(values.iloc[i])) for i in rows[:200]))[:MAX_SHAPES]
    examples = [str(ids[i]) for i in rows[:MAX_EXAMPLES]] if ids is not None else []
    return Failure(
        "format", name, severity,  # type: ignore[arg-type]
        f"values not in the declared format {pattern} (shapes seen: {', '.join(shapes)})",
        shapes, int(rows.size), share, examples,
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
