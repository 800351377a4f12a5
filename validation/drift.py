"""Drift against the reference month: PSI per column and the change in missing shares.

The reference is summarised once into a :class:`ReferenceProfile` (quantile bin edges and
shares, category shares, missing shares, row count) so that checking a batch costs one
``searchsorted`` or ``value_counts`` per column and the profile can be stored and reused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from validation.frame_stats import FrameStats
from validation.guards import Members, guard_kind, guard_members
from validation.identity import bucket_of, id_row_hashes, row_hashes
from validation.result import DriftRow, Failure
from validation.rules import ColumnRule, TableRules
from validation.stability_index import bin_shares, psi, psi_band

OTHER = "__other__"
Shares = Callable[[str], dict[Any, float]]
Binned = Callable[[str], np.ndarray | None]


def _size(values: np.ndarray | None) -> int:
    return 0 if values is None else int(values.size)


@dataclass(frozen=True)
class ReferenceProfile:
    """Summary of the reference month that drift is measured against."""

    row_count: int
    edges: dict[str, np.ndarray]
    shares: dict[str, dict[Any, float] | np.ndarray]
    missing: dict[str, float]
    ids: np.ndarray | None = None
    rows: np.ndarray | None = None
    members: dict[str, Members] = field(default_factory=dict)
    row_ids: np.ndarray | None = None
    ids_total: int | None = None
    rows_total: int | None = None

    @property
    def n_ids(self) -> int:
        """Distinct ids of the whole reference month (also when this profile is a slice's)."""
        return self.ids_total if self.ids_total is not None else _size(self.ids)

    @property
    def n_rows(self) -> int:
        """Row hashes of the whole reference month (also when this profile is a slice's)."""
        return self.rows_total if self.rows_total is not None else _size(self.rows)

    def bucket(self, index: int, n_buckets: int) -> ReferenceProfile:
        """This profile with only the ids (and their members and rows) of hash bucket
        ``index`` of ``n_buckets`` (:func:`~validation.identity.bucket_of`): what the gate of
        that bucket of a month compares against."""
        if self.ids is None:
            return self
        keep = bucket_of(self.ids, n_buckets) == index
        members = {n: (values, codes[keep]) for n, (values, codes) in self.members.items()}
        rows, row_ids = self.rows, self.row_ids
        if rows is not None and row_ids is not None:
            mine = bucket_of(row_ids, n_buckets) == index
            rows, row_ids = rows[mine], row_ids[mine]
        return ReferenceProfile(
            self.row_count, self.edges, self.shares, self.missing, self.ids[keep], rows,
            members, row_ids, self.n_ids, self.n_rows,
        )  # fmt: skip

    @classmethod
    def from_frame(cls, df: pd.DataFrame, rules: TableRules, *, bins: int = 10) -> ReferenceProfile:
        """Quantile edges (``bins`` bins) for numeric columns, shares for categorical ones."""
        edges: dict[str, np.ndarray] = {}
        shares: dict[str, dict[Any, float] | np.ndarray] = {}
        stats = FrameStats(df)
        present = [c for c in rules.columns if c.name in df.columns]
        for col in present:
            kind = profile_kind(rules, col)
            if kind == "numeric":
                edges[col.name], shares[col.name] = _quantile_bins(df[col.name], bins)
            elif kind == "categorical":
                shares[col.name] = stats.value_shares(col.name)
        missing = {c.name: stats.missing_share(c.name) for c in present}
        has_ids = rules.id_column in df.columns
        id_hashes = id_row_hashes(df[rules.id_column]) if has_ids else None
        ids, members = None, dict[str, Members]()
        if id_hashes is not None:
            ids, members = guard_members(df, rules, id_hashes, stats.present(rules.id_column))
        rows, row_ids = row_hashes(df, rules, id_hashes), None
        if rows is not None and id_hashes is not None:
            order = np.argsort(rows, kind="stable")
            rows, row_ids = rows[order], id_hashes[order]
        return cls(len(df), edges, shares, missing, ids, rows, members, row_ids)


def profile_kind(rules: TableRules, col: ColumnRule) -> str | None:
    """How the profile summarises a column: ``numeric`` (quantile bins), ``categorical``
    (value shares) or None (its drift is not measured and it guards nobody)."""
    return col.drift or (guard_kind(rules, col.name) if col.name in rules.guards else None)


def quantile_edges(present: np.ndarray, bins: int) -> np.ndarray:
    """Inner edges at the quantiles of the present numbers (``np.quantile`` partitions a copy
    once for all edges; a full sort of each column cost ~35 ms per million numbers)."""
    if not present.size:
        return np.array([])
    return np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]))


def _quantile_bins(values: pd.Series, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Inner edges at the reference's quantiles and the reference's shares in those bins
    (counted by the same :func:`bin_shares` the batch is, so the bins cannot disagree at an
    edge)."""
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    inner = quantile_edges(numbers[~np.isnan(numbers)], bins)
    return inner, bin_shares(numbers, inner)


def _column_psi(
    name: str, kind: str, ref: ReferenceProfile, shares: Shares, binned: Binned
) -> float | None:
    if name not in ref.shares:
        return None
    if kind == "numeric":
        actual_bins = binned(name)  # None: no number to bin
        return None if actual_bins is None else psi(np.asarray(ref.shares[name]), actual_bins)
    expected = dict(ref.shares[name])  # type: ignore[arg-type]
    actual = shares(name)
    keys = list(expected) + [k for k in actual if k not in expected]
    return psi(
        np.array([expected.get(k, 0.0) for k in keys]), np.array([actual.get(k, 0.0) for k in keys])
    )


def drift_table(
    rules: TableRules, columns: list[str], missing: Callable[[str], float], ref: ReferenceProfile,
    shares: Shares, binned: Binned,
) -> tuple[list[DriftRow], list[Failure]]:  # fmt: skip
    """Drift rows for every present column and the failures their thresholds imply
    (``missing``, ``shares`` and ``binned`` give the month's missing share, value shares and
    reference-bin shares of a column)."""
    rows: list[DriftRow] = []
    failures: list[Failure] = []
    for col in rules.columns:
        if col.name not in columns:
            continue
        share_missing = missing(col.name)
        value = _column_psi(col.name, col.drift, ref, shares, binned) if col.drift else None
        status_psi = _psi_status(
            value, rules.thresholds(col.name).warn, rules.thresholds(col.name).fail
        )
        ref_missing = ref.missing.get(col.name)
        rise = share_missing - ref_missing if ref_missing is not None else 0.0
        status_missing = _psi_status(rise, rules.missing_warn, rules.missing_fail, strict=True)
        rows.append(
            DriftRow(
                col.name,
                col.drift or "-",
                value,
                share_missing,
                ref_missing,
                _worst(status_psi, status_missing),
            )
        )
        if status_psi != "pass":
            failures.append(
                Failure(
                    "drift",
                    col.name,
                    status_psi,  # type: ignore[arg-type]
                    f"distribution shifted against the reference (PSI {value:.3f})",
                    round(value or 0.0, 4),
                )
            )
        if status_missing != "pass":
            failures.append(
                Failure(
                    "missing_share",
                    col.name,
                    status_missing,  # type: ignore[arg-type]
                    f"missing share rose from {ref_missing:.1%} to {share_missing:.1%}",
                    round(share_missing, 4),
                )
            )
    return rows, failures


def _psi_status(value: float | None, warn: float, fail: float, strict: bool = False) -> str:
    if value is None or (strict and value <= 0):
        return "pass"
    return ("pass", "warn", "quarantine")[psi_band(value, warn, fail)]


def _worst(*statuses: str) -> Any:
    order = ("pass", "warn", "quarantine")
    return max(statuses, key=order.index)
