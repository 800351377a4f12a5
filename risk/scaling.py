"""Points-to-double-odds scaling: turns log-odds into the familiar scorecard points.

``score = offset + factor * ln(odds)`` with odds = good:bad, ``factor = pdo / ln 2`` and the
offset chosen so that ``base_score`` sits at ``base_odds``. Defaults: 600 points at 50:1 and
20 points to double the odds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PDOScaling:
    """Scaling of good:bad log-odds to points.

    Parameters
    ----------
    base_score : float, default=600
        Score at ``base_odds``.
    base_odds : float, default=50
        Good:bad odds that score ``base_score``.
    pdo : float, default=20
        Points that double the odds.
    """

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def __post_init__(self) -> None:
        if not self.base_odds > 0:
            raise ValueError(f"base_odds must be > 0; got {self.base_odds!r}.")
        if not self.pdo > 0:
            raise ValueError(f"pdo must be > 0; got {self.pdo!r}.")

    @property
    def factor(self) -> float:
        """Points per unit of natural-log odds."""
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        """Score at even odds (1:1)."""
        return self.base_score - self.factor * math.log(self.base_odds)

    def score(self, log_odds_good: np.ndarray) -> np.ndarray:
        """Points for good:bad log-odds."""
        return self.offset + self.factor * np.asarray(log_odds_good, dtype=float)

    def pd(self, score: np.ndarray) -> np.ndarray:
        """Probability of the bad outcome implied by a score (inverse of :meth:`score`)."""
        log_odds_good = (np.asarray(score, dtype=float) - self.offset) / self.factor
        return 1.0 / (1.0 + np.exp(log_odds_good))
