"""How consistently a feature's event rate follows its binning trend across fine pre-bins.

The binner's trend holds over its merged bins, but the far tails (a utilisation above 1, a
debt ratio that is really an amount when income is missing) can turn against it. A tree
model constrained to that trend is then forced to fit the tail wrongly. The Spearman rank
correlation between pre-bin order and pre-bin event rate measures whether the trend holds
bin by bin, tails included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from risk.binning import quantile_splits

MAX_PREBINS = 50
EVENTS_PER_PREBIN = 50  # a pre-bin's event rate then has about 14% relative noise


def trend_consistency(x: pd.Series, y: np.ndarray, specials: tuple[float, ...] = ()) -> float:
    """Spearman correlation of quantile pre-bin order with pre-bin event rate.

    Pre-bins hold about ``EVENTS_PER_PREBIN`` events each (at most ``MAX_PREBINS`` pre-bins),
    so that on a small sample noise does not pass for a broken trend. Missing and special
    values are left out (they keep bins of their own). A flag (two distinct values) has no
    tail to turn: its trend is the one comparison, so it gets +1 or -1 by the sign of the
    rate difference, once each side holds ``EVENTS_PER_PREBIN`` events. Otherwise 0.0 when
    fewer than three pre-bins exist or the event rate does not vary, since no trend can be
    confirmed then.
    """
    values = x.to_numpy(dtype=float)
    keep = ~np.isnan(values) & ~np.isin(values, specials)
    if len(np.unique(values[keep])) == 2:
        return _flag_direction(values[keep], y[keep])
    n_prebins = int(min(MAX_PREBINS, y[keep].sum() // EVENTS_PER_PREBIN))
    if n_prebins < 3:
        return 0.0
    idx = np.searchsorted(quantile_splits(values[keep], n_prebins), values[keep], side="right")
    counts = np.bincount(idx)
    present = counts > 0
    rates = np.bincount(idx, weights=y[keep])[present] / counts[present]
    if len(rates) < 3 or np.ptp(rates) == 0:
        return 0.0
    return float(spearmanr(np.arange(len(rates)), rates)[0])


def _flag_direction(values: np.ndarray, y: np.ndarray) -> float:
    """+1 if the higher value has the higher event rate, -1 if lower; 0 if equal or if
    either side has too few events to tell."""
    high = values == values.max()
    if min(y[high].sum(), y[~high].sum()) < EVENTS_PER_PREBIN:
        return 0.0
    return float(np.sign(y[high].mean() - y[~high].mean()))
