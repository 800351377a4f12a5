"""What one slice of a month contributes to the gate: counts that add up, and the first
offending rows with their place in the delivery.

The gate is decomposed so that a month split into slices that keep every row of an id
together (hash buckets of the id) is judged exactly as the whole month is: row-wise checks
and ranges count per slice; missing values, category counts and drift bin counts (bins fixed
by the reference profile) add up; duplicate ids, identity continuity and guarded members are
found within a slice because a slice holds all rows of its ids. Examples are kept with their
row's position in the delivery (``keys``), so the merged report names the same first rows as
one pass over the month. :func:`measure` is the one place every statistic is taken, for one
slice or for the whole month; :mod:`validation.verdict` merges slices and judges them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from validation.crossfield import rule_counts
from validation.drift import ReferenceProfile
from validation.expect import run_expectations
from validation.frame_stats import FrameStats
from validation.guards import format_counts, guard_kind, kept_counts
from validation.identity import digest_sums, id_row_hashes, row_hashes
from validation.rules import TableRules
from validation.suite import detail_type
from validation.uniqueness import duplicate_counts


@dataclass
class SliceCounts:
    """Everything the gate needs from one slice of the month, JSON-ready.

    ``expectations`` maps each great-expectations check (by :func:`expectation_key`) to its
    result on the slice; ``kept`` holds, per guarded column and reference value, how many of
    the reference's holders are still here and how many still hold it; ``digest`` the
    order-free sums the content digest is made of.
    """

    rows: int
    columns: list[str]
    missing: dict[str, int]
    non_str: list[str]
    values: dict[str, list[list[Any]]] = field(default_factory=dict)
    bins: dict[str, list[int] | None] = field(default_factory=dict)
    expectations: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    formats: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    duplicates: dict[str, Any] = field(default_factory=dict)
    identity: dict[str, Any] = field(default_factory=dict)
    kept: dict[str, list[list[int]]] = field(default_factory=dict)
    digest: list[int] | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_plain)

    @classmethod
    def from_json(cls, text: str) -> SliceCounts:
        return cls(**json.loads(text))


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def expectation_key(config: Mapping[str, Any]) -> str:
    """One key per check, the same for its quick pass and its detailed rerun."""
    kwargs = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
    return json.dumps([detail_type(config["type"]), kwargs], sort_keys=True, default=str)


def measure(
    df: pd.DataFrame,
    rules: TableRules,
    *,
    month: str | None,
    profile: ReferenceProfile | None = None,
    known: Mapping[str, np.ndarray] | None = None,
    keys: np.ndarray | None = None,
) -> SliceCounts:
    """The counts and first offending rows of one slice of the month.

    ``profile`` is the reference month's (restricted to the slice's ids when the slice is a
    bucket); ``known`` the sorted hashes of each known id list's ids in the slice; ``keys``
    each row's position in the delivery (default: the frame's own row numbers).
    """
    keys = np.arange(len(df), dtype=np.int64) if keys is None else np.asarray(keys, np.int64)
    ids = df[rules.id_column].to_numpy() if rules.id_column in df.columns else None
    stats = FrameStats(df)
    present = [c.name for c in rules.columns if c.name in df.columns]
    out = SliceCounts(
        rows=len(df), columns=list(df.columns),
        missing={n: stats.missing_count(n) for n in present},
        non_str=[n for n in present if rules.column(n).kind == "text" and stats.holds_non_str(n)],
    )  # fmt: skip
    out.rules = {r.name: rule_counts(df, r, ids, keys) for r in rules.cross_field_rules}
    out.formats = {
        name: format_counts(df[name], pattern, ids, keys)
        for name, pattern in rules.formats.items()
        if name in df.columns and df[name].dtype.kind in "OUS"
    }
    if profile is not None:
        _profile_counts(out, df, rules, profile, stats)
    _id_counts(out, df, rules, profile, known, keys)
    ge = run_expectations(df, rules, month, (None, None), stats)
    out.expectations = {
        expectation_key(r["expectation_config"]): _expectation_counts(r, ids, keys)
        for r in ge["results"]
        if r["expectation_config"]["type"]
        not in ("expect_column_to_exist", "expect_table_row_count_to_be_between")
    }
    return out


def _expectation_counts(res: dict[str, Any], ids: Any, keys: np.ndarray) -> dict[str, Any]:
    config, detail = res["expectation_config"], res.get("result") or {}
    exc = res.get("exception_info") or {}
    record: dict[str, Any] = {
        "type": config["type"], "success": bool(res["success"]),
        "kwargs": {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"},
        "exception": str(exc.get("exception_message", "")) if exc.get("raised_exception") else None,
    }  # fmt: skip
    if res["success"] or record["exception"] is not None:
        return record
    index = detail.get("partial_unexpected_index_list") or []
    values = detail.get("partial_unexpected_list") or []
    record.update(
        unexpected_count=detail.get("unexpected_count"), observed=detail.get("observed_value"),
        missing_counted="missing_count" in detail,
        unexpected=[[int(keys[i]), v, None if ids is None else str(ids[i])]
                    for i, v in zip(index, values, strict=False) if isinstance(i, int)],
    )  # fmt: skip
    return record


def _profile_counts(
    out: SliceCounts, df: pd.DataFrame, rules: TableRules, profile: ReferenceProfile,
    stats: FrameStats,
) -> None:  # fmt: skip
    """Category counts and reference-bin counts of the drift and guarded columns."""
    for col in rules.columns:
        if col.name not in df.columns or col.name not in profile.shares:
            continue
        kind = col.drift or (guard_kind(rules, col.name) if col.name in rules.guards else None)
        if kind == "numeric" and col.name in profile.edges:
            out.bins[col.name] = stats.binned_counts(col.name, profile.edges[col.name])
        elif kind == "categorical":
            out.values[col.name] = [[v, int(c)] for v, c in stats.value_counts(col.name)]


def _id_counts(
    out: SliceCounts, df: pd.DataFrame, rules: TableRules, profile: ReferenceProfile | None,
    known: Mapping[str, np.ndarray] | None, keys: np.ndarray,
) -> None:  # fmt: skip
    """Duplicate ids, followed subscribers, identity continuity and the digest: the checks
    that hash every id and row (the hashes are dropped on return)."""
    if rules.id_column not in df.columns:
        return
    id_hashes = id_row_hashes(df[rules.id_column])
    rows = row_hashes(df, rules, id_hashes)
    out.digest = digest_sums(rows)
    order = np.argsort(id_hashes, kind="stable")  # one sort for three checks
    out.duplicates = duplicate_counts(df, rules, id_hashes, order, keys)
    if profile is None:
        return
    out.kept = kept_counts(df, rules, profile, id_hashes, order)
    mask = FrameStats(df).present(rules.id_column)
    ordered = id_hashes[order]
    ids = ordered if mask is None else ordered[mask[order]]
    ref_ids = profile.ids if profile.ids is not None else np.array([], np.uint64)
    found = _found(ids, ref_ids)
    identity: dict[str, Any] = {"present": int(ids.size), "seen": found}
    identity["known"] = {
        name: [_found(listed, ids), _found(listed, ref_ids)]
        for name, listed in (known or {}).items()
    }
    if rows is not None and profile.rows is not None:
        identity["rows"], identity["repeated"] = int(rows.size), _found(np.sort(rows), profile.rows)
    out.identity = identity


def _found(values: np.ndarray, sorted_pool: np.ndarray) -> int:
    """How many of the sorted ``values`` are in ``sorted_pool``."""
    if values.size == 0 or sorted_pool.size == 0:
        return 0
    pos = np.searchsorted(sorted_pool, values).clip(max=sorted_pool.size - 1)
    return int(np.count_nonzero(sorted_pool[pos] == values))
