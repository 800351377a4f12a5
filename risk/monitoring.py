"""Stability monitoring: population stability index (PSI) of the score and of each feature
between the training data and a new month, as a DataFrame (pages are the application's to
render, from the report's figures).

PSI and its bands are the project's one implementation, :mod:`validation.stability_index`
(numpy only): a PSI below ``PSI_WARN`` (0.10) is stable, from it ``monitor``, from
``PSI_FAIL`` (0.25) ``shifted`` -- the limits at which the data-quality gate warns and
quarantines.

Everything is counts-based: a :class:`StabilityProfile` fixes each variable's bins on the
reference data once and keeps the reference counts (plain JSON, so it travels in a model
bundle without the training frame); a new month is counted into the same bins, and counts of
partitions add up, so a month scored in pieces gets the same report as one counted whole.
Numeric bins are split at the reference's distinct deciles, so a flag or a count with few
values gets a bin per value; categories the reference never had share one "other" bin; missing
values always have a bin of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from validation.stability_index import PSI_FAIL, PSI_WARN, psi_band, psi_from_counts

logger = logging.getLogger(__name__)

THRESHOLDS = ((PSI_WARN, "stable"), (PSI_FAIL, "monitor"))
SCORE = "score"
KINDS = ("numeric", "categorical")
Counts = dict[str, list[int]]


_STATUSES = ("stable", "monitor", "shifted")


def status(value: float) -> str:
    """``stable``, ``monitor`` or ``shifted`` for a PSI value (the bands of
    :func:`validation.stability_index.psi_band`; a PSI exactly at a limit is in the upper band)."""
    return _STATUSES[psi_band(value)]


def _floats(values: pd.Series, name: str) -> np.ndarray:
    try:
        return values.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"column {name!r} has numeric bins but holds {values.dtype} values that are not "
            f"numbers ({exc})."
        ) from exc


@dataclass(frozen=True)
class VariableBins:
    """The bins of one variable, fixed on the reference data.

    Numeric: intervals ``[cut_i, cut_i+1)`` split at the reference's deciles (``cuts``), then
    one bin for missing values. Categorical: the reference ``categories``, then one bin for
    categories the reference never had ("other"), then missing.
    """

    name: str
    kind: str
    cuts: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()

    @classmethod
    def fit(
        cls, name: str, values: pd.Series, *, n_bins: int = 10, kind: str | None = None
    ) -> VariableBins:
        """Bins of ``values``: numeric when its dtype is (or ``kind`` says so), else categories."""
        values = pd.Series(values)
        if kind is None:
            kind = "numeric" if pd.api.types.is_numeric_dtype(values) else "categorical"
        if kind == "categorical":
            present = values[values.notna()].astype(str)
            return cls(name, kind, categories=tuple(sorted(present.unique())))
        x = _floats(values, name)
        x = x[np.isfinite(x)]
        inner = np.linspace(0, 1, n_bins + 1)[1:-1]
        cuts = np.unique(np.quantile(x, inner)) if x.size else np.array([])
        return cls(name, "numeric", cuts=tuple(float(c) for c in cuts))

    @property
    def n_bins(self) -> int:
        """Bins including the trailing "other" (categorical) and missing bins."""
        return len(self.cuts) + 2 if self.kind == "numeric" else len(self.categories) + 2

    def labels(self) -> list[str]:
        """Readable bin names, in count order."""
        if self.kind == "categorical":
            return [*self.categories, "other", "missing"]
        c = [f"{v:.6g}" for v in self.cuts]
        inner = [f"[{lo}, {hi})" for lo, hi in zip(c, c[1:], strict=False)]
        ends = [f"< {c[0]}", *inner, f">= {c[-1]}"] if c else ["all"]
        return [*ends, "missing"]

    def count(self, values: pd.Series) -> np.ndarray:
        """How many of ``values`` fall in each bin."""
        values = pd.Series(values)
        if self.kind == "numeric":
            x = _floats(values, self.name)
            codes = np.searchsorted(np.asarray(self.cuts, float), x, side="right")
            codes[np.isnan(x)] = len(self.cuts) + 1
        else:
            strings = values.astype(str).to_numpy(dtype=object)
            codes = pd.Categorical(strings, categories=list(self.categories)).codes.astype(np.int64)
            codes[codes < 0] = len(self.categories)
            codes[values.isna().to_numpy()] = len(self.categories) + 1
        return np.bincount(codes, minlength=self.n_bins)


@dataclass(frozen=True)
class StabilityProfile:
    """Bins and reference counts of every monitored variable; built once, stored as JSON.

    Attributes
    ----------
    variables : the bins, in the order they were given.
    counts : reference counts per variable, one per bin of :attr:`VariableBins.labels`.
    """

    variables: tuple[VariableBins, ...]
    counts: Mapping[str, tuple[int, ...]]

    @classmethod
    def build(
        cls, reference: pd.DataFrame, columns: Sequence[str], *, n_bins: int = 10,
        kinds: Mapping[str, str] | None = None,
    ) -> StabilityProfile:  # fmt: skip
        """Fix the bins of ``columns`` on ``reference`` and count it into them.

        ``kinds`` forces ``numeric`` or ``categorical`` per column (default: from the dtype).
        """
        if not isinstance(n_bins, int) or n_bins < 2:
            raise ValueError(f"n_bins must be an integer >= 2; got {n_bins!r}.")
        missing = [c for c in columns if c not in reference.columns]
        if missing:
            raise ValueError(f"reference frame lacks column(s) {missing} to profile.")
        kinds = kinds or {}
        bins = tuple(
            VariableBins.fit(c, reference[c], n_bins=n_bins, kind=kinds.get(c)) for c in columns
        )
        counts = {b.name: tuple(int(n) for n in b.count(reference[b.name])) for b in bins}
        return cls(bins, counts)

    @property
    def names(self) -> list[str]:
        return [b.name for b in self.variables]

    def count(self, frame: pd.DataFrame) -> Counts:
        """Counts of ``frame`` in the profile's bins (they add up over partitions)."""
        missing = [n for n in self.names if n not in frame.columns]
        if missing:
            raise ValueError(f"frame lacks column(s) {missing} of the stability profile.")
        return {b.name: [int(n) for n in b.count(frame[b.name])] for b in self.variables}

    def report(self, current: Mapping[str, Sequence[int]]) -> pd.DataFrame:
        """PSI and status per variable of ``current`` counts against the reference:
        ``score`` first when profiled, then the other variables worst first."""
        rows = [(b.name, psi_from_counts(self.counts[b.name], self._checked(b, current)))
                for b in self.variables]  # fmt: skip
        report = pd.DataFrame(rows, columns=["variable", "psi"])
        report["status"] = report["psi"].map(status)
        head = report[report["variable"] == SCORE]
        rest = report[report["variable"] != SCORE].sort_values(
            "psi", ascending=False, kind="stable"
        )
        return pd.concat([head, rest], ignore_index=True)

    def bin_shares(self, current: Mapping[str, Sequence[int]]) -> dict[str, list[dict[str, Any]]]:
        """Per variable and bin: its label and its share of the reference and of ``current``
        (where a shifted variable moved)."""
        out = {}
        for b in self.variables:
            ref, cur = np.asarray(self.counts[b.name], float), self._checked(b, current)
            out[b.name] = [
                {"bin": label, "reference": round(float(r), 6), "current": round(float(c), 6)}
                for label, r, c in zip(b.labels(), ref / ref.sum(), cur / cur.sum(), strict=True)
            ]
        return out

    def _checked(self, bins: VariableBins, current: Mapping[str, Sequence[int]]) -> np.ndarray:
        if bins.name not in current:
            raise ValueError(f"current counts lack variable {bins.name!r} of the profile.")
        counts = np.asarray(current[bins.name], dtype=float)
        if counts.shape != (bins.n_bins,) or counts.sum() <= 0:
            raise ValueError(
                f"current counts of {bins.name!r} must be {bins.n_bins} counts with a positive "
                f"sum; got {counts.tolist()}."
            )
        return counts

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (dicts, lists, numbers, strings); :meth:`from_dict` reads it back."""
        return {
            "variables": [
                {"name": b.name, "kind": b.kind, "cuts": list(b.cuts),
                 "categories": list(b.categories), "counts": list(self.counts[b.name])}
                for b in self.variables
            ]
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StabilityProfile:
        """The profile of :meth:`to_dict`'s output; ValueError naming what is malformed."""
        items = data.get("variables") if isinstance(data, Mapping) else None
        if not isinstance(items, list):
            raise ValueError(f"stability profile needs a 'variables' list; got {type(items)}.")
        bins = tuple(_bins_from_dict(item) for item in items)
        counts = {
            b.name: tuple(int(n) for n in item["counts"])
            for b, item in zip(bins, items, strict=True)
        }
        profile = cls(bins, counts)
        for b in bins:
            if len(counts[b.name]) != b.n_bins:
                raise ValueError(
                    f"stability profile variable {b.name!r}: {len(counts[b.name])} counts for "
                    f"{b.n_bins} bins."
                )
        return profile


def _bins_from_dict(item: Any) -> VariableBins:
    if not isinstance(item, Mapping) or not {"name", "kind", "counts"} <= set(item):
        raise ValueError(f"stability profile variable needs name, kind and counts; got {item!r}.")
    if item["kind"] not in KINDS:
        raise ValueError(
            f"stability profile variable {item['name']!r}: kind must be one of {list(KINDS)}; "
            f"got {item['kind']!r}."
        )
    return VariableBins(
        str(item["name"]), item["kind"], cuts=tuple(float(c) for c in item.get("cuts", [])),
        categories=tuple(str(c) for c in item.get("categories", [])),
    )  # fmt: skip


def sum_counts(parts: Iterable[Mapping[str, Sequence[int]]]) -> Counts:
    """Bin-wise sum of counts of the same profile (e.g. one per partition of a month)."""
    total: dict[str, np.ndarray] = {}
    for i, part in enumerate(parts):
        if total and set(part) != set(total):
            raise ValueError(
                f"counts part {i} has variables {sorted(part)}; expected {sorted(total)}."
            )
        for name, counts in part.items():
            if name in total and len(counts) != len(total[name]):
                raise ValueError(
                    f"counts part {i}: variable {name!r} has {len(counts)} bins; "
                    f"expected {len(total[name])}."
                )
            total[name] = total.get(name, 0) + np.asarray(counts, dtype=np.int64)
    return {name: [int(n) for n in counts] for name, counts in total.items()}


def psi(expected: pd.Series, actual: pd.Series, *, n_bins: int = 10) -> float:
    """PSI of one variable: deciles of ``expected`` for numbers, categories otherwise;
    missing values form their own bin."""
    expected, actual = pd.Series(expected), pd.Series(actual)
    bins = VariableBins.fit("value", expected, n_bins=n_bins, kind=_kind(expected, actual))
    return psi_from_counts(bins.count(expected), bins.count(actual))


def _kind(expected: pd.Series, actual: pd.Series) -> str:
    """Numeric bins only when both sides hold numbers (else compare as categories)."""
    numeric = all(pd.api.types.is_numeric_dtype(s) for s in (expected, actual))
    return "numeric" if numeric else "categorical"


def stability_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    features: list[str],
    *,
    reference_score: np.ndarray | None = None,
    current_score: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per variable (``score`` first when given): PSI and status, worst first."""
    ref, cur = reference[features], current[features]
    if reference_score is not None and current_score is not None:
        ref = ref.assign(**{SCORE: np.asarray(reference_score)})
        cur = cur.assign(**{SCORE: np.asarray(current_score)})
    kinds = {c: _kind(ref[c], cur[c]) for c in ref.columns}
    profile = StabilityProfile.build(ref, list(ref.columns), kinds=kinds)
    return profile.report(profile.count(cur))
