"""How binned features enter the linear model: one WOE column per feature, one indicator
column per bin ("dummy" coding), or cumulative steps in order of risk ("step" coding).

WOE coding gives one coefficient per feature, so points keep the binning's shape but every
bin moves with one slope; indicator coding gives each bin its own coefficient, which the
regression sets jointly with the other features (correlated features no longer double
count), but nothing stops a riskier bin from scoring more points. Step coding keeps the
per-bin freedom and the order: a feature's bins are sorted by event rate (riskiest first) and column
``j`` is 1 for every bin at rank ``j`` or above, so a coefficient is the step from one bin to
the next safer one; with non-positive coefficients (``StepwiseLogisticRegression``) points
never fall as the risk falls. The steps pivot at the most populous bin, whose rows are all
zeros (a sparse design, fast to fit). Either way the result is a points value per bin, and a
value unseen in training contributes 0 (with step coding: the points of the most common bin).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import sparse

from risk.feature_bins import FeatureBins

CODINGS = ("step", "woe", "indicator")


def event_rates(bins: FeatureBins) -> np.ndarray:
    """Each bin's training event rate; an empty bin gets the overall rate (its WOE is 0)."""
    overall = bins.events.sum() / max(bins.counts.sum(), 1.0)
    safe = np.where(bins.counts > 0, bins.counts, 1.0)
    return np.where(bins.counts > 0, bins.events / safe, overall)


def risk_ranks(bins: FeatureBins) -> np.ndarray:
    """Rank of each bin by its observed event rate, 0 = riskiest; ties keep bin order.

    The raw rate, not the smoothed WOE: smoothing pulls a small bin's WOE towards 0 and can
    reorder it against its neighbours, while the binner's trend holds on the raw rates.
    """
    ranks = np.empty(len(bins.counts), dtype=int)
    ranks[np.argsort(-event_rates(bins), kind="stable")] = np.arange(len(bins.counts))
    return ranks


def n_columns(woe: np.ndarray, coding: str) -> int:
    """Model columns one feature takes under ``coding``."""
    return {"woe": 1, "indicator": len(woe), "step": len(woe) - 1}[coding]


def design_matrix(
    idx: pd.DataFrame, bins: Mapping[str, FeatureBins], coding: str
) -> pd.DataFrame | sparse.csr_matrix:
    """Model input from bin indices (-1 = unseen value: WOE 0, no indicator, the pivot)."""
    if coding == "woe":
        data = {f: np.append(bins[f].woe, 0.0)[idx[f].to_numpy()] for f in idx.columns}
        return pd.DataFrame(data, index=idx.index)
    if coding == "indicator":
        blocks = [_indicators(idx[f].to_numpy(), len(bins[f].woe)) for f in idx.columns]
    else:
        blocks = [_steps(idx[f].to_numpy(), bins[f]) for f in idx.columns]
    return sparse.hstack(blocks, format="csr")


def _indicators(codes: np.ndarray, n_bins: int) -> sparse.csr_matrix:
    rows = np.flatnonzero(codes >= 0)
    ones = np.ones(len(rows))
    return sparse.csr_matrix((ones, (rows, codes[rows])), shape=(len(codes), n_bins))


def _steps(codes: np.ndarray, bins: FeatureBins) -> sparse.csr_matrix:
    """Step columns pivoted at the most populous bin, so that its rows (most rows) are all
    zeros: step ``j`` (between ranks ``j - 1`` and ``j``) is 1 for ranks >= j above the pivot
    and -1 for ranks < j at or below it. A bin's contribution is then the sum of the steps
    between the pivot and it, each step counted with the sign of its direction."""
    rank = risk_ranks(bins)
    pivot = rank[int(np.argmax(bins.counts))]
    r = np.where(codes >= 0, np.append(rank, pivot)[codes], pivot)
    above = r > pivot
    length = np.where(above, r - pivot, pivot - r)
    indptr = np.concatenate([[0], np.cumsum(length)])
    offset = np.arange(indptr[-1]) - np.repeat(indptr[:-1], length)
    first = np.repeat(np.where(above, pivot, r), length)  # steps j-1 = first .. first+len-1
    sign = np.repeat(np.where(above, 1.0, -1.0), length)
    shape = (len(codes), max(len(rank) - 1, 0))
    return sparse.csr_matrix((sign, first + offset, indptr), shape=shape)


def bin_coefficients(
    coef: np.ndarray, bins: Mapping[str, FeatureBins], coding: str
) -> dict[str, np.ndarray]:
    """Each bin's contribution to the log-odds of the event, per feature (in ``bins`` order)."""
    out, start = {}, 0
    for feature, fb in bins.items():
        woe = fb.woe
        width = n_columns(woe, coding)
        block = coef[start : start + width]
        if coding == "woe":
            out[feature] = block[0] * woe
        elif coding == "indicator":
            out[feature] = block.copy()
        else:
            steps = np.append(0.0, np.cumsum(block))
            rank = risk_ranks(fb)
            out[feature] = steps[rank] - steps[rank[int(np.argmax(fb.counts))]]
        start += width
    return out
