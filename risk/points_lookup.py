"""A fitted scorecard's points and reason texts per (feature, bin), as flat arrays.

The one scoring path: every public scoring method of :class:`risk.Scorecard` maps values to
flat (feature, bin) codes once and reads points, shortfalls and texts by array indexing, so
scoring a million-row partition with reasons takes seconds and every caller gets the same
numbers. The last slot of each feature is "unseen" (a value training never showed): 0
points, no shortfall.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from risk import reasons
from risk.feature_bins import FeatureBins


class PointsLookup:
    """Flat arrays over the selected features' bins (plus one unseen slot per feature)."""

    def __init__(
        self, bins: Mapping[str, FeatureBins], bin_points: Mapping[str, np.ndarray],
        references: Mapping[str, float], labels: Mapping[str, str],
    ) -> None:  # fmt: skip
        self.features = list(bin_points)
        self.bins = {f: bins[f] for f in self.features}
        points, shortfall, texts, offsets = [], [], [], [0]
        for f in self.features:
            pts = np.append(bin_points[f], 0.0)
            cost = np.append(references[f] - bin_points[f], 0.0)
            names = [*bins[f].labels, "unseen"]
            points.append(pts)
            shortfall.append(cost)
            texts += [reasons.reason_text(labels[f], b, c)
                      for b, c in zip(names, cost, strict=True)]  # fmt: skip
            offsets.append(offsets[-1] + len(pts))
        self.points = np.concatenate(points) if points else np.zeros(0)
        self.shortfall = np.concatenate(shortfall) if shortfall else np.zeros(0)
        self.texts = np.asarray(texts, dtype=object)
        self.offsets = np.asarray(offsets[:-1], dtype=int)
        self.unseen = np.diff(offsets) - 1

    def codes(self, X: pd.DataFrame) -> np.ndarray:
        """``(rows, features)`` flat codes; an unseen value goes to its feature's last slot."""
        if not self.features:
            return np.zeros((len(X), 0), dtype=int)
        idx = np.column_stack([self.bins[f].assign(X[f]) for f in self.features])
        return np.where(idx < 0, self.unseen, idx) + self.offsets

    def feature_points(self, codes: np.ndarray) -> np.ndarray:
        return self.points[codes]

    @staticmethod
    def total(base: float, points: np.ndarray) -> np.ndarray:
        """Base plus feature points, added left to right (the SQL export adds in this order,
        so the database gets exactly these floats)."""
        total = np.full(points.shape[0], float(base))
        for j in range(points.shape[1]):
            total = total + points[:, j]
        return total

    def reasons(self, codes: np.ndarray, n: int) -> np.ndarray:
        return reasons.top_reasons(self.shortfall[codes], self.texts, codes, n)
