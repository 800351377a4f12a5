"""Exact reduction of a large candidate pool to the rows that can be in an optimal list.

Problem (see :mod:`prospect.targeting.optimize`): choose ``x_i in {0, 1}`` to maximise
``sum EV_i x_i`` subject to ``sum x_i <= B`` (``B`` the most rows a list can hold, the
budget's contacts plus a control of at most as many: ``CampaignConfig.max_list_size``),
``sum w_i x_i <= 0`` with ``w_i = p_i (PD_i - r)`` (portfolio default-rate ceiling), and per
persona ``g`` the share bounds ``lo_g N <= n_g <= hi_g N`` with ``N = sum x_i`` and ``n_g``
the persona's count.

Dominance. Within one persona order the candidates by ``(EV desc, w asc, user_id asc)``, a
strict total order. Say *j dominates i* when j comes before i and ``w_j <= w_i``; then also
``EV_j >= EV_i``. Replacing a selected i by an unselected dominator j of the same persona keeps
``N`` and every ``n_g`` (so budget and quotas), does not raise ``sum w x`` (so the ceiling) and
does not lower the objective.

Claim. Let ``k_g >= floor(hi_g * B)`` (and ``>= 1``). Some optimal solution uses only
candidates with fewer than ``k_g`` dominators in their persona.
Proof. Among optimal solutions take one minimising the sum of the selected candidates'
positions in the order. If it held i with at least ``k_g`` dominators, then since
``n_g <= hi_g N <= hi_g B`` and ``n_g`` is an integer, ``n_g <= k_g``, so at most
``k_g - 1`` other persona-g candidates are selected and some dominator j of i is not. Swapping
i for j gives a feasible solution, optimal (objective not lower), with a smaller position sum:
a contradiction. Hence restricting to the survivors loses no optimum. With no ceiling all
``w`` are 0 and the survivors are exactly the top ``k_g`` by EV.

Partitions. The survivors of the union of per-partition survivor sets equal the survivors of
the full pool. A full-pool survivor survives in any subset. Conversely, if i has ``>= k_g``
dominators in the full pool, either all of them survive their partitions (dominance is
transitive), or take the earliest dominator j that did not: it had ``>= k_g`` dominators
inside its partition, all earlier than j, so all survivors and all dominators of i. Either way
i has ``>= k_g`` dominators in the union. This is what makes :func:`~prospect.targeting.campaign
.shortlist` exact for distributed selection.

Algorithm. In order, i survives iff ``w_i`` is below the ``k``-th smallest ``w`` among the
earlier candidates; that running order statistic changes only when a survivor arrives, so a
heap of size ``k`` updated on survivors alone decides each persona in ``O(n + s log k)``.

Under a binding-prone ceiling most rows can survive (their EV and weight rise together), so
the survivors grow with the pool; :mod:`prospect.targeting.bound` then keeps only those that
can beat a list in hand, a band whose size follows the list.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pandas as pd

from prospect.targeting.config import CampaignConfig

CHUNK = 65_536


def persona_cap(config: CampaignConfig, persona_name: str) -> int:
    """``k_g``: the most candidates of a persona any feasible list can hold (at least 1)."""
    budget = config.max_list_size
    share_cap = math.floor(config.quota_for(persona_name).max_share * budget + 1e-9)
    return max(1, min(budget, share_cap))


def _survivors(weights: np.ndarray, k: int) -> np.ndarray:
    """Mask of candidates (already in dominance order) with fewer than ``k`` dominators."""
    n = len(weights)
    keep = np.zeros(n, dtype=bool)
    keep[: min(k, n)] = True
    if n <= k:
        return keep
    heap = [-float(w) for w in weights[:k]]
    heapq.heapify(heap)
    tau = -heap[0]
    for start in range(k, n, CHUNK):
        block = weights[start : start + CHUNK]
        for i in np.flatnonzero(block < tau) + start:
            w = float(weights[i])
            if w < tau:
                keep[i] = True
                heapq.heapreplace(heap, -w)
                tau = -heap[0]
    return keep


def survivor_mask(pool: pd.DataFrame, config: CampaignConfig) -> np.ndarray:
    """Which rows of ``pool`` (columns persona_name, user_id, expected_value, ceiling_weight)
    can belong to an optimal list; see the module docstring for the proof."""
    if pool.empty:
        return np.zeros(0, dtype=bool)
    order = np.lexsort(
        (
            pool["user_id"].to_numpy(dtype=str),
            pool["ceiling_weight"].to_numpy(),
            -pool["expected_value"].to_numpy(),
            pool["persona_name"].to_numpy(dtype=str),
        )
    )
    names = pool["persona_name"].to_numpy(dtype=str)[order]
    weights = pool["ceiling_weight"].to_numpy()[order]
    keep_sorted = np.zeros(len(pool), dtype=bool)
    bounds = np.flatnonzero(np.r_[True, names[1:] != names[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        k = persona_cap(config, str(names[lo]))
        keep_sorted[lo:hi] = _survivors(weights[lo:hi], k)
    keep = np.zeros(len(pool), dtype=bool)
    keep[order] = keep_sorted
    return keep
