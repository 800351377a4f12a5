"""Optimal-binning solver for one feature and a binary target.

Numeric features are pre-binned by quantiles, then adjacent pre-bins are merged by the
pool-adjacent-violators algorithm so that the event rate follows a trend (ascending,
descending, peak or valley), then bins below the minimum share are merged into their closest
neighbour and the bin count is capped by the merges that lose the least IV. Categorical
features are ordered by event rate after rare categories are pooled. Missing values and each
special value always keep a bin of their own, whatever their size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from risk.binning_table import woe_iv

TRENDS = ("auto", "ascending", "descending", "peak", "valley", "none")
# "auto" picks a peak/valley shape only when it keeps this much more IV than the best
# monotonic shape AND its turning bin differs from both end bins by a two-proportion z-score
# of at least Z_CLEAR, so a unimodal trend must be clear in the data, not noise.
UNIMODAL_GAIN = 0.05
Z_CLEAR = 4.0  # strict: the turning point is searched over every pre-bin


@dataclass(frozen=True)
class Partition:
    """Adjacent pre-bins grouped into bins: ``starts`` are the first pre-bin of each bin."""

    starts: np.ndarray
    events: np.ndarray
    counts: np.ndarray

    @classmethod
    def from_starts(cls, starts: np.ndarray, ev: np.ndarray, ct: np.ndarray) -> Partition:
        starts = np.asarray(starts, dtype=int)
        return cls(starts, np.add.reduceat(ev, starts), np.add.reduceat(ct, starts))

    @property
    def rates(self) -> np.ndarray:
        return self.events / self.counts

    def iv(self, smoothing: float) -> float:
        return float(woe_iv(self.events, self.counts - self.events, smoothing=smoothing)[1].sum())

    def merged(self, i: int, ev: np.ndarray, ct: np.ndarray) -> Partition:
        """This partition with bin ``i + 1`` merged into bin ``i``."""
        return Partition.from_starts(np.delete(self.starts, i + 1), ev, ct)


def quantile_splits(x: np.ndarray, max_n_prebins: int) -> np.ndarray:
    """Split points ``s`` such that bin ``j`` holds ``s[j-1] <= x < s[j]``.

    A feature with few distinct values gets one pre-bin per value, so counts such as
    "times 30-59 days past due" are never cut inside a value.
    """
    values = np.unique(x)
    if len(values) <= max_n_prebins:
        return values[1:]
    qs = np.quantile(x, np.linspace(0, 1, max_n_prebins + 1)[1:-1], method="lower")
    splits = np.unique(qs)
    return splits[splits > values[0]]


def pav_starts(ev: np.ndarray, ct: np.ndarray, ascending: bool) -> np.ndarray:
    """Pool adjacent violators: bin starts of the finest monotonic grouping of the pre-bins."""
    blocks: list[list[float]] = []
    for i in range(len(ev)):
        _push(blocks, i, ev[i], ct[i], ascending)
    return np.array([int(b[0]) for b in blocks], dtype=int)


def pav_prefix_starts(ev: np.ndarray, ct: np.ndarray, ascending: bool) -> list[np.ndarray]:
    """``pav_starts`` of every prefix ``ev[:k]``, k = 1..n, in one pass (PAV is online)."""
    blocks: list[list[float]] = []
    out = []
    for i in range(len(ev)):
        _push(blocks, i, ev[i], ct[i], ascending)
        out.append(np.array([int(b[0]) for b in blocks], dtype=int))
    return out


def _push(blocks: list[list[float]], i: int, e: float, c: float, ascending: bool) -> None:
    blocks.append([i, e, c])
    while len(blocks) > 1 and _violates(blocks[-2], blocks[-1], ascending):
        _, e, c = blocks.pop()
        blocks[-1][1] += e
        blocks[-1][2] += c


def _violates(left: list[float], right: list[float], ascending: bool) -> bool:
    lr, rr = left[1] / left[2], right[1] / right[2]
    return lr >= rr if ascending else lr <= rr


def unimodal_starts(ev: np.ndarray, ct: np.ndarray, peak: bool, smoothing: float) -> np.ndarray:
    """Best peak (rising then falling) or valley grouping over every turning point, by IV.

    Every prefix and every suffix is pooled in one online pass each (a suffix as a prefix of
    the reversed pre-bins, where its trend is mirrored), so the search costs two PAV passes,
    not one per turning point.
    """
    n = len(ev)
    best, best_iv = pav_starts(ev, ct, ascending=peak), -np.inf
    lefts = pav_prefix_starts(ev, ct, ascending=peak)
    rights = pav_prefix_starts(ev[::-1], ct[::-1], ascending=peak)
    for k in range(1, n):
        rev = rights[n - k - 1]
        rev_ends = np.append(rev[1:] - 1, n - k - 1)
        starts = np.concatenate([lefts[k - 1], (n - 1 - rev_ends)[::-1]])
        iv = Partition.from_starts(starts, ev, ct).iv(smoothing)
        if iv > best_iv:
            best, best_iv = starts, iv
    return best


def merge_small(part: Partition, ev: np.ndarray, ct: np.ndarray, min_count: float) -> Partition:
    """Merge the smallest bin under ``min_count`` into the neighbour with the closer rate."""
    while len(part.starts) > 1 and part.counts.min() < min_count:
        i = int(np.argmin(part.counts))
        rates = part.rates
        if i == 0 or (
            i < len(rates) - 1 and abs(rates[i + 1] - rates[i]) < abs(rates[i - 1] - rates[i])
        ):
            part = part.merged(i, ev, ct)
        else:
            part = part.merged(i - 1, ev, ct)
    return part


def cap_bins(
    part: Partition, ev: np.ndarray, ct: np.ndarray, max_n_bins: int | None, smoothing: float
) -> Partition:
    """Merge the adjacent pair whose merge loses the least IV until ``max_n_bins`` remain."""
    while max_n_bins is not None and len(part.starts) > max_n_bins:
        candidates = [part.merged(i, ev, ct) for i in range(len(part.starts) - 1)]
        part = max(candidates, key=lambda p: p.iv(smoothing))
    return part


def solve_ordered(
    ev: np.ndarray,
    ct: np.ndarray,
    *,
    trend: str,
    min_count: float,
    max_n_bins: int | None,
    smoothing: float,
) -> tuple[Partition, str]:
    """Group ordered pre-bins under a trend; ``auto`` tries the shapes and keeps the best IV."""
    if trend == "auto":
        fits = {t: _solve_one(ev, ct, t, min_count, max_n_bins, smoothing) for t in TRENDS[1:5]}
        ivs = {t: p.iv(smoothing) for t, p in fits.items()}
        mono = max(("ascending", "descending"), key=ivs.__getitem__)
        uni = max(("peak", "valley"), key=ivs.__getitem__)
        clear = ivs[uni] > ivs[mono] * (1 + UNIMODAL_GAIN) and _clear_turn(fits[uni])
        chosen = uni if clear else mono
        return fits[chosen], chosen
    return _solve_one(ev, ct, trend, min_count, max_n_bins, smoothing), trend


def _clear_turn(part: Partition) -> bool:
    """Whether the most extreme inner bin differs significantly from both end bins."""
    rates = part.rates
    if len(rates) < 3:
        return False
    inner = 1 + int(np.argmax(np.abs(rates[1:-1] - rates[[0, -1]].mean())))
    return min(_z(part, inner, 0), _z(part, inner, len(rates) - 1)) >= Z_CLEAR


def _z(part: Partition, i: int, j: int) -> float:
    n1, n2 = part.counts[i], part.counts[j]
    pooled = (part.events[i] + part.events[j]) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return float(abs(part.rates[i] - part.rates[j]) / se) if se > 0 else 0.0


def _solve_one(
    ev: np.ndarray,
    ct: np.ndarray,
    trend: str,
    min_count: float,
    max_n_bins: int | None,
    smoothing: float,
) -> Partition:
    if trend in ("ascending", "descending"):
        starts = pav_starts(ev, ct, ascending=trend == "ascending")
    elif trend in ("peak", "valley"):
        starts = unimodal_starts(ev, ct, peak=trend == "peak", smoothing=smoothing)
    else:
        starts = np.arange(len(ev))
    part = merge_small(Partition.from_starts(starts, ev, ct), ev, ct, min_count)
    return cap_bins(part, ev, ct, max_n_bins, smoothing)
