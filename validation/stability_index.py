"""The one population stability index of the project, and the one place for its bands.

The gate's drift (:mod:`validation.drift`) and the scorecard's stability
(``risk.monitoring``) both compute PSI here and place it with :func:`psi_band`, so a PSI of
0.25 means the same in a data-quality report, a stability report and the review page.
PSI = sum over bins of ``(actual share - expected share) * ln(actual / expected)``, zero
shares floored at :data:`EPS`. Pure numpy: importing it costs nothing.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

EPS = 1e-4
PSI_WARN = 0.10
"""From here a distribution is worth a look: the gate warns, stability says ``monitor``."""
PSI_FAIL = 0.25
"""From here a distribution has shifted: the gate quarantines, stability says ``shifted``."""


def psi(expected: ArrayLike, actual: ArrayLike) -> float:
    """PSI of two share vectors over the same bins (zero shares floored at :data:`EPS`)."""
    e = np.clip(np.asarray(expected, dtype=float), EPS, None)
    a = np.clip(np.asarray(actual, dtype=float), EPS, None)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_from_counts(expected: ArrayLike, actual: ArrayLike) -> float:
    """PSI of two count vectors over the same bins."""
    e, a = np.asarray(expected, dtype=float), np.asarray(actual, dtype=float)
    return psi(e / e.sum(), a / a.sum())


def psi_band(value: float, warn: float = PSI_WARN, fail: float = PSI_FAIL) -> int:
    """0 below ``warn``, 1 from ``warn``, 2 from ``fail`` (a PSI exactly at a limit is in
    the upper band)."""
    if value >= fail:
        return 2
    return 1 if value >= warn else 0


def bin_shares(values: np.ndarray, inner_edges: np.ndarray) -> np.ndarray:
    """Shares of the non-missing ``values`` in the bins the inner edges cut (right-closed)."""
    counts = bin_counts(values, inner_edges)
    return counts / max(int(counts.sum()), 1)


def bin_counts(values: np.ndarray, inner_edges: np.ndarray) -> np.ndarray:
    """Counts of the non-missing ``values`` in the bins the inner edges cut (right-closed).

    One comparison per edge counts the values at or above it, so NaN needs no filtering
    (it compares false) and there is no sort or copy of the column: bin ``i`` holds
    ``at_or_above[i - 1] - at_or_above[i]``. Counts of slices of a column add up.
    """
    total = int(np.count_nonzero(~np.isnan(values)))
    above = [int(np.count_nonzero(values >= edge)) for edge in inner_edges]
    return -np.diff(np.array([total, *above, 0], dtype=np.int64))
