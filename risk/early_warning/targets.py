"""Targets of the early-warning model: did the id default within the next ``horizon`` months?

A row (id, month t) is positive when the id's default month d satisfies t < d <= t + horizon,
negative when it is known not to have defaulted by t + horizon, and left out otherwise: rows
at or after the default (the account is already lost) and rows whose horizon runs past the
end of what is known of a non-defaulter (censored).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def default_months_from_flags(ids: np.ndarray, months: np.ndarray, flags: np.ndarray) -> pd.Series:
    """Each id's first month with the default flag set (NaN for ids never flagged)."""
    flagged = pd.Series(np.where(flags > 0.5, months.astype(float), np.nan))
    return flagged.groupby(ids).min()


def row_targets(
    ids: np.ndarray,
    months: np.ndarray,
    default_month: np.ndarray,
    known_until: np.ndarray,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray]:
    """0/1 target of every row and the mask of rows that have one (see the module docstring).

    ``default_month`` and ``known_until`` are aligned with the rows (NaN: no default).
    """
    defaulted = ~np.isnan(default_month)
    with np.errstate(invalid="ignore"):
        positive = defaulted & (months < default_month) & (default_month <= months + horizon)
        negative_known = np.where(
            defaulted, months + horizon < default_month, months + horizon <= known_until
        )
    usable = positive | negative_known
    return positive.astype(float), usable
