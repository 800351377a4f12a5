"""Choice of the number of personas from a range of k, with the table it chose from.

Rule (stated so a reviewer can re-check it from ``k_selection_``):

1. every k is fitted with ``n_seeds`` seeds; ``cost`` is the best seed's kmodes cost;
2. ``stability`` is the mean adjusted Rand index between the seeds' labelings: personas that
   change with the seed are not personas a marketer can plan with;
3. ``silhouette`` is the silhouette score of the best seed on a random sample of rows, with the
   k-prototypes dissimilarity as the metric;
4. ``elbow`` marks the k of the cost curve farthest below the chord from the first to the last k;
5. eligible k have ``stability >= stability_min`` (all k if none do); among them the highest
   silhouette wins, and a k within ``silhouette_tolerance`` of it that is closer to the elbow
   is preferred (then the smaller k).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, pairwise_distances, silhouette_score
from sklearn.utils import check_random_state

from segmentation.solver import Solution

logger = logging.getLogger(__name__)
Solver = Callable[..., Solution]


def _silhouette(Xnum, Xcat, labels, gamma, sample_rows, rng) -> float:
    rows = rng.choice(len(labels), size=min(sample_rows, len(labels)), replace=False)
    if len(np.unique(labels[rows])) < 2:
        return float("nan")
    num = pairwise_distances(Xnum[rows], metric="sqeuclidean")
    mismatches = pairwise_distances(Xcat[rows], metric="hamming") * Xcat.shape[1]
    dist = np.maximum(num + gamma * mismatches, 0.0)
    np.fill_diagonal(dist, 0.0)
    return float(silhouette_score(dist, labels[rows], metric="precomputed"))


def _elbow(ks: np.ndarray, costs: np.ndarray) -> int:
    if len(ks) < 3:
        return int(ks[0])
    x = (ks - ks[0]) / (ks[-1] - ks[0])
    span = costs[0] - costs[-1]
    y = (costs - costs[-1]) / span if span > 0 else np.zeros_like(costs)
    return int(ks[np.argmax((1.0 - x) - y)])


def _evaluate_k(Xnum, Xcat, k, gamma, solver, n_seeds, sample_rows, seeds) -> dict:
    runs = [solver(Xnum, Xcat, k, gamma, random_state=int(s)) for s in seeds[:n_seeds]]
    best = min(runs, key=lambda run: run.cost)
    pairs = list(itertools.combinations(runs, 2))
    stability = (
        np.mean([adjusted_rand_score(a.labels, b.labels) for a, b in pairs]) if pairs else 1.0
    )
    rng = np.random.RandomState(int(seeds[-1]))
    silhouette = _silhouette(Xnum, Xcat, best.labels, gamma, sample_rows, rng)
    return {"k": k, "cost": best.cost, "silhouette": silhouette, "stability": float(stability)}


def choose_k(
    Xnum: np.ndarray,
    Xcat: np.ndarray,
    k_values: range | list[int],
    gamma: float,
    solver: Solver,
    *,
    n_seeds: int = 3,
    silhouette_rows: int = 2000,
    stability_min: float = 0.8,
    silhouette_tolerance: float = 0.02,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[int, pd.DataFrame]:
    """Fit every k and return the chosen k with the table (one row per k) it was chosen from.

    ``solver(Xnum, Xcat, k, gamma, random_state=seed)`` must return a :class:`Solution`.
    """
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=n_seeds + 1)
    rows = [
        _evaluate_k(Xnum, Xcat, k, gamma, solver, n_seeds, silhouette_rows, seeds) for k in k_values
    ]
    table = pd.DataFrame(rows)
    elbow_k = _elbow(table["k"].to_numpy(float), table["cost"].to_numpy(float))
    table["elbow"] = table["k"] == elbow_k
    table["eligible"] = table["stability"] >= stability_min
    if not table["eligible"].any():
        table["eligible"] = True
    chosen = _pick(table, elbow_k, silhouette_tolerance)
    table["chosen"] = table["k"] == chosen
    logger.info("chose k=%d from %s", chosen, list(table["k"]))
    return chosen, table


def _pick(table: pd.DataFrame, elbow_k: int, tolerance: float) -> int:
    eligible = table[table["eligible"]].copy()
    score = eligible["silhouette"].fillna(-1.0)
    close = eligible[score >= score.max() - tolerance].copy()
    close["to_elbow"] = (close["k"] - elbow_k).abs()
    return int(close.sort_values(["to_elbow", "k"]).iloc[0]["k"])
