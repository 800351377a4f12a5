"""The reference month's profile built slice by slice, and kept as one shard per hash bucket.

:meth:`ReferenceProfile.from_frame <validation.drift.ReferenceProfile.from_frame>` needs the
whole reference month in memory. :class:`ProfileBuilder` takes it a slice at a time (the
buckets of the month's own run): counts add up, each numeric column's values go to a file on
disk (the quantile edges are taken from one column at a time), and the ids, rows and guarded
members of each slice are routed to the hash bucket of this month they belong to. Each
bucket's gate then loads only its shard (:func:`load_shard`). The profile is the one
``from_frame`` gives on the same month: same edges, shares, ids, rows and members.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from validation.drift import ReferenceProfile, profile_kind, quantile_edges
from validation.frame_stats import FrameStats, ordered_counts
from validation.guards import code_type, guard_kind, guard_members
from validation.identity import bucket_of, id_row_hashes, row_hashes
from validation.rules import TableRules
from validation.stability_index import bin_counts

SUMMARY = "summary.json"


class ProfileBuilder:
    """Add the slices of the reference month with :meth:`add`, then :meth:`finish`."""

    def __init__(self, rules: TableRules, n_buckets: int, folder: Path, *, bins: int = 10):
        self.rules, self.n, self.folder, self.bins = rules, n_buckets, Path(folder), bins
        self.folder.mkdir(parents=True, exist_ok=True)
        self.rows = 0
        self.missing: dict[str, int] = {}
        self.counts: dict[str, dict[Any, int]] = {}
        self.numeric: list[str] = []
        self.slices = 0

    def add(self, df: pd.DataFrame) -> None:
        """Count one slice and route its ids, rows and members to the buckets' shards."""
        rules, stats = self.rules, FrameStats(df)
        present = [c for c in rules.columns if c.name in df.columns]
        self.rows += len(df)
        for col in present:
            self.missing[col.name] = self.missing.get(col.name, 0) + stats.missing_count(col.name)
            kind = profile_kind(rules, col)
            if kind == "numeric":
                if col.name not in self.numeric:
                    self.numeric.append(col.name)
                numbers = df[col.name].to_numpy(dtype=float, na_value=np.nan)
                with open(self._values(col.name), "ab") as handle:
                    numbers[~np.isnan(numbers)].tofile(handle)
            elif kind == "categorical":
                totals = self.counts.setdefault(col.name, {})
                for value, count in stats.value_counts(col.name):
                    totals[value] = totals.get(value, 0) + count
        if rules.id_column in df.columns:
            self._route(df, stats)
        self.slices += 1

    def _values(self, name: str) -> Path:
        return self.folder / f"values-{self.numeric.index(name):03d}.f8"

    def _route(self, df: pd.DataFrame, stats: FrameStats) -> None:
        rules = self.rules
        id_hashes = id_row_hashes(df[rules.id_column])
        ids, members = guard_members(df, rules, id_hashes, stats.present(rules.id_column))
        rows = row_hashes(df, rules, id_hashes)
        to_bucket = bucket_of(ids, self.n)
        row_bucket = bucket_of(id_hashes, self.n)
        for b in range(self.n):
            mine = to_bucket == b
            piece: dict[str, Any] = {"ids": ids[mine]}
            if rows is not None:
                kept = row_bucket == b
                piece["rows"], piece["row_ids"] = rows[kept], id_hashes[kept]
            values = {}
            for name, (uniques, codes) in members.items():
                piece[f"codes_{name}"] = codes[mine]
                values[name] = uniques
            piece["values"] = np.array(json.dumps(values))
            shard = self.folder / f"bucket-{b:04d}"
            shard.mkdir(exist_ok=True)
            np.savez(shard / f"slice-{self.slices:05d}.npz", **piece)

    def finish(self) -> ReferenceProfile:
        """Write each bucket's shard and the summary; returns the profile without its ids."""
        rules = self.rules
        edges: dict[str, np.ndarray] = {}
        shares: dict[str, Any] = {}
        for col in rules.columns:
            if col.name in self.numeric:
                present = np.fromfile(self._values(col.name), dtype=np.float64)
                edges[col.name] = quantile_edges(present, self.bins)
                counts = bin_counts(present, edges[col.name])
                shares[col.name] = counts / max(int(counts.sum()), 1)
                self._values(col.name).unlink()
            elif col.name in self.counts:
                pairs = ordered_counts(self.counts[col.name].items())
                total = sum(c for _, c in pairs)
                shares[col.name] = {v: c / total for v, c in pairs}
        missing = {n: (c / self.rows if self.rows else 0.0) for n, c in self.missing.items()}
        n_ids = n_rows = 0
        values: dict[str, list[Any]] = {}
        for b in range(self.n):
            shard_ids, shard_rows, values = self._finish_shard(b)
            n_ids, n_rows = n_ids + shard_ids, n_rows + shard_rows
        has_ids = rules.id_column in self.missing
        summary = {
            "row_count": self.rows, "missing": missing, "n_ids": n_ids, "n_rows": n_rows,
            "has_ids": has_ids, "members": values,
            "edges": {n: e.tolist() for n, e in edges.items()},
            "shares": {n: _listed(s) for n, s in shares.items()},
        }  # fmt: skip
        (self.folder / SUMMARY).write_text(json.dumps(summary), encoding="utf-8")
        return load_profile(self.folder)

    def _finish_shard(self, b: int) -> tuple[int, int, dict[str, list[Any]]]:
        """Merge the slices' pieces of bucket ``b`` into its shard; returns its id and row
        counts and every guarded column's sorted values (the same for every shard)."""
        shard = self.folder / f"bucket-{b:04d}"
        pieces = [dict(np.load(p, allow_pickle=False)) for p in sorted(shard.glob("slice-*.npz"))]
        names = [g for g in self.rules.guards if guard_kind(self.rules, g) == "categorical"]
        per_piece = [json.loads(str(p["values"])) for p in pieces]
        # every guarded column's values over the whole month (the categories counted), sorted
        # as from_frame's codes are
        values = {n: sorted(self.counts[n]) for n in names if n in self.counts}
        ids = np.concatenate([p["ids"] for p in pieces]) if pieces else np.array([], np.uint64)
        order = np.argsort(ids, kind="stable")
        out: dict[str, np.ndarray] = {"ids": ids[order]}
        for name, everyone in values.items():
            index = {v: i for i, v in enumerate(everyone)}
            codes = []
            for piece, vals in zip(pieces, per_piece, strict=True):
                lookup = np.array([index[v] for v in vals.get(name, [])] + [-1], dtype=np.int64)
                codes.append(lookup[piece[f"codes_{name}"]])
            joined = np.concatenate(codes) if codes else np.array([], np.int64)
            out[f"codes_{name}"] = joined[order].astype(code_type(len(everyone)))
        with_rows = [p for p in pieces if "rows" in p]
        if with_rows:
            rows = np.concatenate([p["rows"] for p in with_rows])
            row_ids = np.concatenate([p["row_ids"] for p in with_rows])
            by_row = np.argsort(rows, kind="stable")
            out["rows"], out["row_ids"] = rows[by_row], row_ids[by_row]
        for p in shard.glob("slice-*.npz"):
            p.unlink()
        np.savez(shard / "shard.npz", **out)  # type: ignore[arg-type]
        return int(out["ids"].size), int(out.get("rows", np.array([])).size), values


def _listed(shares: Any) -> list[Any]:
    """Bin shares as a list; category shares as ``[value, share]`` pairs (JSON keeps the
    values' types and order)."""
    return (
        shares.tolist() if isinstance(shares, np.ndarray) else [[v, x] for v, x in shares.items()]
    )


def load_profile(folder: Path, bucket: int | None = None) -> ReferenceProfile:
    """The stored profile: its summary, with bucket ``bucket``'s ids, rows and members."""
    summary = json.loads((Path(folder) / SUMMARY).read_text(encoding="utf-8"))
    edges = {n: np.asarray(e, dtype=float) for n, e in summary["edges"].items()}
    shares: dict[str, Any] = {
        n: (np.asarray(s, dtype=float) if n in edges else {v: x for v, x in s})
        for n, s in summary["shares"].items()
    }
    ids = rows = row_ids = None
    members: dict[str, Any] = {
        n: (v, np.array([], dtype=code_type(len(v)))) for n, v in summary["members"].items()
    }
    if bucket is not None and summary["has_ids"]:
        shard = dict(np.load(Path(folder) / f"bucket-{bucket:04d}" / "shard.npz"))
        ids, rows, row_ids = shard["ids"], shard.get("rows"), shard.get("row_ids")
        members = {n: (v, shard[f"codes_{n}"]) for n, v in summary["members"].items()}
    return ReferenceProfile(
        summary["row_count"], edges, shares, summary["missing"], ids, rows, members, row_ids,
        summary["n_ids"] if summary["has_ids"] else 0, summary["n_rows"],
    )  # fmt: skip
