"""The fitted binning of one feature: how values map to bins, and each bin's WOE.

Bin layout, shared by numeric and categorical features: the regular bins first, then one bin
per special value, then the missing bin. Values never seen in training (an unseen category, a
missing value when training had none) map to index -1 and get a neutral WOE of 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from risk.binning import Partition, quantile_splits, solve_ordered
from risk.binning_table import binning_table, woe_iv

RARE = "__rare__"


@dataclass(frozen=True)
class SolverOptions:
    """Options shared by every feature of one binner fit."""

    max_n_prebins: int
    min_count: float
    max_n_bins: int | None
    smoothing: float


@dataclass
class FeatureBins:
    """One feature's bins; numeric when ``splits`` is set, categorical when ``categories`` is."""

    name: str
    labels: list[str]
    events: np.ndarray
    counts: np.ndarray
    smoothing: float
    trend: str
    splits: np.ndarray | None = None
    categories: dict[str, int] | None = None
    specials: tuple[float, ...] = ()
    woe: np.ndarray = field(init=False)
    iv: float = field(init=False)

    def __post_init__(self) -> None:
        woe, iv = woe_iv(self.events, self.counts - self.events, smoothing=self.smoothing)
        self.woe, self.iv = woe, float(iv.sum())

    @property
    def is_numeric(self) -> bool:
        return self.splits is not None

    @property
    def n_regular(self) -> int:
        return len(self.labels) - len(self.specials) - 1

    def assign(self, values: pd.Series) -> np.ndarray:
        """Bin index of each value; -1 for values the training data never showed."""
        missing = values.isna().to_numpy()
        if self.splits is not None:
            x = values.to_numpy(dtype=float)
            idx = np.searchsorted(self.splits, x, side="right")
            for j, special in enumerate(self.specials):
                idx[x == special] = self.n_regular + j
        else:
            idx = values.astype(str).map(self.categories).fillna(-1).to_numpy(dtype=int)
        idx[missing] = len(self.labels) - 1 if self.counts[-1] > 0 else -1
        return idx

    def transform(self, values: pd.Series) -> np.ndarray:
        """WOE of each value."""
        return np.append(self.woe, 0.0)[self.assign(values)]

    def table(self) -> pd.DataFrame:
        return binning_table(self.labels, self.events, self.counts, smoothing=self.smoothing)


def fit_numeric(
    name: str, x: pd.Series, y: np.ndarray, specials: tuple[float, ...], trend: str,
    opts: SolverOptions,
) -> FeatureBins:  # fmt: skip
    """Bin a numeric feature: quantile pre-bins, then the trend-constrained merge."""
    values = x.to_numpy(dtype=float)
    missing = np.isnan(values)
    special = np.isin(values, specials)
    clean = ~missing & ~special
    splits, trend = _numeric_splits(values[clean], y[clean], trend, opts)
    idx = np.searchsorted(splits, values[clean], side="right")
    n_reg = len(splits) + 1 if clean.any() else 0
    ev = np.bincount(idx, weights=y[clean], minlength=n_reg)
    ct = np.bincount(idx, minlength=n_reg).astype(float)
    extra = [special & (values == s) for s in specials] + [missing]
    ev = np.concatenate([ev, [y[m].sum() for m in extra]])
    ct = np.concatenate([ct, [m.sum() for m in extra]])
    labels = _interval_labels(splits)[:n_reg] + [f"special {s:g}" for s in specials] + ["Missing"]
    return FeatureBins(name, labels, ev, ct, opts.smoothing, trend, splits=splits,
                       specials=specials)  # fmt: skip


def _numeric_splits(
    x: np.ndarray, y: np.ndarray, trend: str, opts: SolverOptions
) -> tuple[np.ndarray, str]:
    if len(x) == 0:
        return np.array([]), "none"
    pre = quantile_splits(x, opts.max_n_prebins)
    idx = np.searchsorted(pre, x, side="right")
    ev = np.bincount(idx, weights=y, minlength=len(pre) + 1)
    ct = np.bincount(idx, minlength=len(pre) + 1).astype(float)
    part, trend = solve_ordered(ev, ct, trend=trend, min_count=opts.min_count,
                                max_n_bins=opts.max_n_bins, smoothing=opts.smoothing)  # fmt: skip
    return pre[part.starts[1:] - 1], trend


def _interval_labels(splits: np.ndarray) -> list[str]:
    edges = [-np.inf, *splits, np.inf]
    return [f"[{lo:g}, {hi:g})" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]


def fit_categorical(name: str, x: pd.Series, y: np.ndarray, opts: SolverOptions) -> FeatureBins:
    """Bin a categorical feature: pool rare categories, order by event rate, merge."""
    missing = x.isna().to_numpy()
    cats = x[~missing].astype(str)
    stats = pd.DataFrame({"cat": cats.to_numpy(), "y": y[~missing]}).groupby("cat")["y"]
    ev, ct = stats.sum(), stats.count().astype(float)
    rare = ct.index[ct < opts.min_count]
    if len(rare) > 1:
        ev, ct = _pool(ev, rare), _pool(ct, rare)
    order = (ev / ct).sort_values(kind="stable").index
    ev, ct = ev[order].to_numpy(), ct[order].to_numpy()
    part, _ = solve_ordered(ev, ct, trend="ascending", min_count=opts.min_count,
                            max_n_bins=opts.max_n_bins, smoothing=opts.smoothing)  # fmt: skip
    groups = np.split(np.asarray(order), part.starts[1:]) if len(order) else []
    mapping = _category_map(groups, rare)
    labels = [", ".join(map(str, g)).replace(RARE, "(rare)") for g in groups] + ["Missing"]
    events = np.append(part.events if len(order) else [], y[missing].sum())
    counts = np.append(part.counts if len(order) else [], missing.sum())
    return FeatureBins(name, labels, events, counts, opts.smoothing, "ascending",
                       categories=mapping)  # fmt: skip


def _pool(s: pd.Series, rare: pd.Index) -> pd.Series:
    return pd.concat([s.drop(rare), pd.Series({RARE: s[rare].sum()})])


def _category_map(groups: list[np.ndarray], rare: pd.Index) -> dict[str, int]:
    mapping = {str(c): i for i, g in enumerate(groups) for c in g}
    if RARE in mapping:
        mapping.update({str(c): mapping[RARE] for c in rare})
    return mapping


__all__ = ["FeatureBins", "Partition", "SolverOptions", "fit_categorical", "fit_numeric"]
