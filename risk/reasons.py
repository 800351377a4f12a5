"""Reason codes: the features that cost an applicant the most points against their best bin.

This is the usual adverse-action logic: for each feature, the shortfall is the best bin's
points minus the applicant's points; the largest shortfalls, described in words, explain a
low score.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def reason_codes(
    points: pd.DataFrame,
    best_points: pd.Series,
    bin_labels: pd.DataFrame,
    *,
    n: int = 4,
    descriptions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Columns ``reason_1 .. reason_n``: text such as ``"age: [-inf, 25) (-14 points)"``.

    Only features that cost points appear; remaining slots are ``None``.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int; got {n!r}.")
    shortfall = best_points[points.columns].to_numpy() - points.to_numpy()
    order = np.argsort(-shortfall, axis=1, kind="stable")[:, :n]
    names = descriptions or {}
    rows = []
    for r, idx in enumerate(order):
        texts = [_text(points.columns[j], bin_labels.iat[r, j], shortfall[r, j], names)
                 for j in idx if shortfall[r, j] > 1e-9]  # fmt: skip
        rows.append(texts + [None] * (n - len(texts)))
    return pd.DataFrame(rows, index=points.index, columns=[f"reason_{i + 1}" for i in range(n)])


def _text(feature: str, label: str, cost: float, names: Mapping[str, str]) -> str:
    return f"{names.get(feature, feature)}: {label} (-{cost:.0f} points)"
