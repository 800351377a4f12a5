"""Month-to-month persona ids: match a new month's centroids to last month's.

The Hungarian algorithm (``scipy.optimize.linear_sum_assignment``) pairs new and previous
centroids so that the total k-prototypes dissimilarity is smallest; a pair farther apart than
``threshold`` is not the same persona, so the new centroid gets a fresh id and is reported new.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from segmentation.assign import dissimilarity


@dataclass(frozen=True)
class PersonaMatch:
    """``ids[i]`` is the persona id of new centroid ``i``; ``new`` lists ids not seen before."""

    ids: np.ndarray
    new: list[int] = field(default_factory=list)
    distances: np.ndarray = field(default_factory=lambda: np.empty(0))


def default_threshold(num_centroids: np.ndarray, cat_centroids: np.ndarray, gamma: float) -> float:
    """Half the smallest dissimilarity between two new centroids: beyond it a new centroid is
    nearer to the midpoint between personas than to any one of last month's."""
    dist = dissimilarity(num_centroids, cat_centroids, num_centroids, cat_centroids, gamma)
    off_diagonal = dist[~np.eye(len(dist), dtype=bool)]
    return float(off_diagonal.min()) / 2.0 if off_diagonal.size else float("inf")


def match_personas(
    prev_centroids: tuple[np.ndarray, np.ndarray],
    new_centroids: tuple[np.ndarray, np.ndarray],
    gamma: float,
    *,
    threshold: float | None = None,
    prev_ids: np.ndarray | None = None,
) -> PersonaMatch:
    """Give each new centroid the id of its matched previous persona, or a fresh id.

    Parameters
    ----------
    prev_centroids, new_centroids : (scaled numeric, categorical codes) in the same encoding.
    gamma : weight of a categorical mismatch, as in the fit.
    threshold : largest dissimilarity at which a pair is still the same persona; ``None``
        uses :func:`default_threshold` of the new centroids.
    prev_ids : persona ids of the previous centroids (default ``0..k_prev-1``).
    """
    new_num, new_cat = new_centroids
    prev_num, prev_cat = prev_centroids
    ids_before = np.arange(len(prev_num)) if prev_ids is None else np.asarray(prev_ids)
    if len(ids_before) != len(prev_num):
        raise ValueError(
            f"prev_ids must have one id per previous centroid ({len(prev_num)}); "
            f"got {len(ids_before)}."
        )
    limit = default_threshold(new_num, new_cat, gamma) if threshold is None else threshold
    cost = dissimilarity(new_num, new_cat, prev_num, prev_cat, gamma)
    rows, cols = linear_sum_assignment(cost)
    ids = np.full(len(new_num), -1, dtype=np.int64)
    distances = np.full(len(new_num), np.inf)
    for r, c in zip(rows, cols, strict=True):
        distances[r] = cost[r, c]
        if cost[r, c] <= limit:
            ids[r] = ids_before[c]
    next_id = int(ids_before.max()) + 1 if len(ids_before) else 0
    new = []
    for r in np.flatnonzero(ids < 0):
        ids[r], next_id = next_id, next_id + 1
        new.append(int(ids[r]))
    return PersonaMatch(ids=ids, new=new, distances=distances)
