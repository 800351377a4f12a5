"""Lagrangian pruning: keep only the rows that can be in a list at least as good as one in hand.

Why: the dominance reduction of :mod:`prospect.targeting.candidates` is exact but, under a
portfolio default-rate ceiling, keeps most rows (about three in four on generated months), so
selection's memory would grow with the month. This bound keeps a band around the margin of
the list instead, whose size follows the list, not the month.

Selection (:mod:`prospect.targeting.optimize`) maximises ``EV @ x`` over rows with zero right
sides: ``sum x - N = 0``, the ceiling ``w @ x <= 0`` and per persona ``n_g - hi_g N <= 0`` and
``n_g - lo_g N >= 0``. For multipliers ``m`` of the right signs (``>= 0`` on a ``<=`` row,
``<= 0`` on a ``>=`` row, free on the equality) every feasible list has

    EV(x) <= sum_i r_i x_i + r_N N <= U - sum_{x_i = 1, r_i < 0} |r_i|

with ``r_i = EV_i - m_size - m_ceiling w_i - m_g`` (``m_g`` the sum of persona g's quota
multipliers), ``r_N = m_size + sum_g (m_g,min lo_g + m_g,max hi_g)`` and ``U = sum_i max(r_i, 0)
+ max r_N N`` over N's range. So a list worth at least ``z``, the value of a list in hand, holds
no row with ``r_i < -(U - z)``. The dominance survivors hold an optimal list (worth at least
``z``), so the survivors with ``r_i >= -(U - z)`` still hold it: the reduction stays exact.

Any multipliers of the right signs give a valid bound; the LP's duals make it tight. They
come from the LP over a sample of the pool (the size range scaled by the sample's share of the
pool, :func:`pool_size`), and
``z`` from the exact selection over the survivors with ``r_i >= 0``. The rows with the highest
EV are kept too, so the control group is sized on the same rows as without pruning
(:func:`prospect.targeting.control.plan_control`).

A distributed run prunes exactly what one process does, because every quantity is computed
on sets that do not depend on the partitioning. The sample is the bottom-k of the pool by a
hash of user_id, and the bottom-k of a union of bottom-k's is the bottom-k of the whole. The
sets read from the shortlists are upward closed under dominance: a dominator j of i has
``EV_j >= EV_i`` and ``w_j <= w_i``, so ``r_j >= r_i`` as ``m_ceiling >= 0``. Hence the
survivors among the shortlisted rows of such a set are the pool's survivors in it
(:class:`SurvivorsWhere`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from prospect.targeting.config import CampaignConfig
from prospect.targeting.control import ControlPlan, plan_control
from prospect.targeting.exceptions import InfeasibleCampaign, SelectionTimeout
from prospect.targeting.optimize import constraint_rows, select
from prospect.targeting.solver import row_prices

logger = logging.getLogger(__name__)

SAMPLE_ROWS = 5_000
PRUNE_FROM_LISTS = 4  # prune pools of at least this many times the most rows a list holds
SAMPLE_COLUMNS = ("user_id", "persona_name", "expected_value", "ceiling_weight")
_HASH_KEY = "prospect-sample1"  # 16 characters, as pandas' hash needs
_FLOAT_SLACK = 1e-6
REFINE_ROUNDS = 4
WIDE = 0.05

Rows = Callable[[pd.DataFrame], np.ndarray]
# ``where(keep)``: the pool's dominance survivors for which ``keep`` holds, sorted by user_id;
# ``keep`` is always upward closed under dominance (module docstring).
SurvivorsWhere = Callable[[Rows], pd.DataFrame]


def _hashes(pool: pd.DataFrame) -> np.ndarray:
    ids = pool["user_id"].astype(str).to_numpy(dtype=object)
    return pd.util.hash_array(ids, hash_key=_HASH_KEY)


def sample_mask(pool: pd.DataFrame) -> np.ndarray:
    """The :data:`SAMPLE_ROWS` rows of ``pool`` with the smallest hash of user_id (ties by
    user_id): the same rows from the whole pool as from the samples of its parts, so shortlists
    carry them."""
    order = np.lexsort((pool["user_id"].to_numpy(dtype=str), _hashes(pool)))
    mask = np.zeros(len(pool), dtype=bool)
    mask[order[:SAMPLE_ROWS]] = True
    return mask


def sample(pool: pd.DataFrame) -> pd.DataFrame:
    """The :func:`sample_mask` rows of ``pool`` (the :data:`SAMPLE_COLUMNS`), by user_id."""
    picked = pool.loc[sample_mask(pool), list(SAMPLE_COLUMNS)]
    return picked.sort_values("user_id", kind="mergesort").reset_index(drop=True)


def pool_size(pool_sample: pd.DataFrame) -> int:
    """The pool's rows as its sample tells them: exact below ``k`` rows (``k`` the
    :data:`SAMPLE_ROWS`), else the k-th smallest
    hash's estimate ``(k - 1) / h_k`` (hashes scaled to [0, 1); relative error about 1/sqrt(k)),
    so the whole pool and the union of its shortlists give the same figure."""
    k = SAMPLE_ROWS
    if len(pool_sample) < k:
        return len(pool_sample)
    largest = float(np.max(_hashes(pool_sample))) / 2.0**64
    return max(k, round((k - 1) / largest))


@dataclass(frozen=True)
class Prices:
    """Lagrange multipliers of the selection rows, as they price one row and the list size."""

    size: float
    ceiling: float
    persona: dict[str, float]
    list_size: float  # r_N

    def reduced(self, pool: pd.DataFrame) -> np.ndarray:
        """``r_i`` of every row of ``pool`` (persona_name, expected_value, ceiling_weight)."""
        persona = pool["persona_name"].astype(str).map(self.persona).fillna(0.0)
        weight = pool["ceiling_weight"].to_numpy(dtype=float)
        value = pool["expected_value"].to_numpy(dtype=float)
        return value - self.size - self.ceiling * weight - persona.to_numpy(dtype=float)


def prices(
    rows: pd.DataFrame, n_pool: int, size: tuple[int, int], config: CampaignConfig
) -> Prices | None:
    """Multipliers from the LP over ``rows``, a sample of a pool of ``n_pool``, with the size
    range scaled to the sample; None when that LP has no solution (no pruning then)."""
    share = len(rows) / n_pool
    table = constraint_rows(rows, config)
    signed = row_prices(
        rows["expected_value"].to_numpy(dtype=float),
        sparse.vstack([r.coef for r in table], format="csr"),
        np.array([r.lower for r in table]), np.array([r.upper for r in table]),
        (size[0] * share, size[1] * share),
    )  # fmt: skip
    if signed is None:
        logger.info("no pruning: the LP over the sampled or priced rows is infeasible")
        return None
    return _as_prices(table, signed)


def _as_prices(table: list, signed: np.ndarray) -> Prices:
    size = ceiling = 0.0
    persona: dict[str, float] = {}
    list_size = 0.0
    for row, m in zip(table, signed, strict=True):
        list_size -= float(m) * float(row.coef[0, row.coef.shape[1] - 1])
        if row.name == "list_size":
            size = float(m)
        elif row.name == "max_expected_default_rate":
            ceiling = float(m)
        else:
            name = row.name.removeprefix("quota:").rsplit(".", 1)[0]
            persona[name] = persona.get(name, 0.0) + float(m)
    return Prices(size, ceiling, persona, list_size)


@dataclass(frozen=True)
class Bound:
    """Which rows can still be in a list as good as the one in hand (module docstring)."""

    prices: Prices
    margin: float  # U - z, with room for floating point
    top_value: float  # rows with at least this EV are kept: the control is sized on them
    incumbent: float  # z

    def keep(self, pool: pd.DataFrame) -> np.ndarray:
        """Mask of the rows of ``pool`` the bound keeps."""
        value = pool["expected_value"].to_numpy(dtype=float)
        return (self.prices.reduced(pool) >= -self.margin) | (value >= self.top_value)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Bound:
        return cls(Prices(**data["prices"]), data["margin"], data["top_value"], data["incumbent"])


def build_bound(
    pool_sample: pd.DataFrame, where: SurvivorsWhere, config: CampaignConfig
) -> Bound | None:
    """The bound for the pool ``pool_sample`` (its :func:`sample`) was drawn from, or None when
    the pool is too small to pay or no list was found to bound with."""
    n_pool = pool_size(pool_sample)
    if n_pool < PRUNE_FROM_LISTS * config.max_list_size:
        return None
    top_value, plan = _control_basis(pool_sample, n_pool, where, config)
    if top_value == -np.inf:  # fewer survivors than contacts: nothing to prune
        return None
    size = (config.min_contacts, config.max_contacts + plan.budget_control)
    found = prices(pool_sample, n_pool, size, config)
    if found is None:
        return None
    found, near = _refined(found, top_value, where, size, config)
    try:
        incumbent = select(near, config, size).value
    except (InfeasibleCampaign, SelectionTimeout) as exc:
        logger.info("no pruning: no list among the rows priced above zero (%s)", exc)
        return None
    upper = float(np.sum(np.maximum(found.reduced(near), 0.0)))
    upper += max(found.list_size * size[0], found.list_size * size[1])
    slack = 1e-9 * max(1.0, abs(upper)) + _FLOAT_SLACK
    bound = Bound(found, max(upper - incumbent, 0.0) + slack, top_value, incumbent)
    logger.info("pruning bound: rows priced below %.4f cannot beat the list of %.2f found",
                -bound.margin, incumbent)  # fmt: skip
    return bound


def _refined(
    found: Prices, top_value: float, where: SurvivorsWhere, size: tuple[int, int],
    config: CampaignConfig,
) -> tuple[Prices, pd.DataFrame]:  # fmt: skip
    """The sample's prices made the LP's own by column generation over the survivors: the LP
    over the rows priced at or above zero, until no row outside is priced above zero. Rounds
    run in memory on a wide read (rows priced within :data:`WIDE` of the top EV below zero),
    read again only when the LP there is settled, to check the rows outside it. Returns the
    prices and the survivors they price at or above zero (with the best by EV)."""
    slack = WIDE * top_value

    def read(prices_: Prices) -> pd.DataFrame:
        return where(partial(_priced_in, found=prices_, top_value=top_value, slack=slack))

    wide, checked = read(found), False
    inside = _priced_in(wide, found, top_value)
    for _ in range(REFINE_ROUNDS):
        better = prices(wide.loc[inside], int(inside.sum()), size, config)
        if better is None:
            break
        found = better
        if (found.reduced(wide)[~inside] > 0).any():  # columns the LP wants: add, solve again
            inside |= _priced_in(wide, found, top_value)
            continue
        wider = read(found)
        kept = wider["user_id"].isin(wide.loc[inside, "user_id"]).to_numpy()
        wide, checked = wider, not (found.reduced(wider)[~kept] > 0).any()
        if checked:
            break
        inside = kept | _priced_in(wide, found, top_value)
    if not checked:
        wide = read(found)
    return found, wide.loc[_priced_in(wide, found, top_value)]


def _priced_in(
    rows: pd.DataFrame, found: Prices, top_value: float, slack: float = 0.0
) -> np.ndarray:
    return (found.reduced(rows) >= -slack) | _at_least(rows, top_value)


def _at_least(rows: pd.DataFrame, value: float) -> np.ndarray:
    return rows["expected_value"].to_numpy(dtype=float) >= value


def _control_basis(
    pool_sample: pd.DataFrame, n_pool: int, where: SurvivorsWhere, config: CampaignConfig
) -> tuple[float, ControlPlan]:
    """The EV of the ``max_contacts``-th best survivor (``-inf`` with fewer survivors) and the
    control plan on the survivors, read through thresholds the sample suggests."""
    wanted = config.max_contacts
    values = np.sort(pool_sample["expected_value"].to_numpy(dtype=float))[::-1]
    depth = 2.0 * wanted * len(pool_sample) / n_pool
    while True:
        index = math.ceil(depth)
        threshold = float(values[index]) if index < len(values) else -np.inf
        top = where(partial(_at_least, value=threshold))
        if len(top) >= wanted or threshold == -np.inf:
            break
        depth *= 4
    plan = plan_control(top["p_demand"].to_numpy(), top["expected_value"].to_numpy(), config)
    ranked = np.sort(top["expected_value"].to_numpy(dtype=float))[::-1]
    top_value = float(ranked[wanted - 1]) if len(ranked) >= wanted else -np.inf
    return top_value, plan
