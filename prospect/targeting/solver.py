"""0/1 selection proven within a stated gap: LP relaxation, reduced-cost fixing, a small MILP.

A branch-and-bound over tens of thousands of binaries is slow to *prove* optimal, yet the LP
relaxation of a campaign problem has only a handful of constraints (and is itself solved by
column generation over the columns that can improve it), so its basic optimum has
at most that many fractional variables and almost every variable sits at 0 or 1 with a
reduced cost ``r_i``. LP duality gives, for every feasible integer ``x``,

    EV(x) <= z_LP - sum_{r_i > 0} r_i (1 - x_i) - sum_{r_i < 0} |r_i| x_i

(``r_i`` in maximisation sign). So once an incumbent with value ``z_inc`` is known, any better
solution can only flip variables with ``|r_i| <= z_LP - z_inc``; all others are fixed at their
LP value without loss. We solve the MILP over a small free set (the smallest ``|r_i|``) to
optimality and take its optimum as incumbent. ``z_LP`` bounds every list, so when ``z_LP -
z_inc`` is within the allowed gap the incumbent is accepted at once. Otherwise only lists
better by more than the allowed gap need looking for: they flip only variables with ``|r_i| <=
z_LP - z_inc - allowed``, the free set grows to exactly those, and that MILP, solved to within
the allowed gap, gives its own bound (HiGHS's dual bound) on them.

The allowed gap is ``max_gap * |z_LP|`` (plus about 1e-9 of it for floating point). It is
not zero by default because the last few currency units are what cost the time. On two
generated 1M-subscriber months (6.7 million yuan of expected value each) a proof to the
optimum took 340 and 580 CPU seconds (MILPs over 175k and 204k free binaries), while at
``max_gap`` 1e-5 one list came from the first 32-variable MILP in 2 s, proven within 35
yuan, and the other from a 28k-variable MILP in 11 s, proven within 67 yuan; both were the
optimum. The time limit stops the proof, never the list: on time, the best list found is
returned with the bound proven so far, and :class:`Solution` reports both.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, linprog, milp

from prospect.targeting.exceptions import SelectionTimeout

logger = logging.getLogger(__name__)

FIRST_FREE = 32
LP_METHOD = "highs-ipm"
MAX_ADD = 20_000
OPTIMAL, TIME_LIMIT, INFEASIBLE = 0, 1, 2
_FLOAT_SLACK = 1e-7


@dataclass(frozen=True)
class Solution:
    """A chosen mask, its value, an upper bound on the value of every feasible choice and
    whether the solver proved it within the allowed gap (``within_max_gap``; False only when
    the time limit stopped the proof). The solver decides the last against its own allowed
    gap (module docstring); nothing else should recompute it from ``gap`` and ``bound``."""

    chosen: np.ndarray
    value: float
    bound: float
    within_max_gap: bool = False

    @property
    def gap(self) -> float:
        """How far below the best possible list this one may be, at most (currency units)."""
        return max(0.0, self.bound - self.value)


def _split(matrix: sparse.csc_array, lower: np.ndarray, upper: np.ndarray) -> dict:
    """Ranged rows as linprog's ``A_ub x <= b_ub`` and ``A_eq x = b_eq``."""
    eq = lower == upper
    up = ~eq & np.isfinite(upper)
    lo = ~eq & np.isfinite(lower)
    out: dict = {"A_eq": matrix[eq], "b_eq": lower[eq]} if eq.any() else {}
    if (up | lo).any():
        out.update(A_ub=sparse.vstack([matrix[up], -matrix[lo]], format="csc"))
        out.update(b_ub=np.r_[upper[up], -lower[lo]])
    return out


def _reduced_costs(c: np.ndarray, parts: dict, lp: OptimizeResult) -> np.ndarray:
    reduced = c.copy()
    if "A_ub" in parts:
        reduced -= parts["A_ub"].T @ lp.ineqlin.marginals
    if "A_eq" in parts:
        reduced -= parts["A_eq"].T @ lp.eqlin.marginals
    return reduced


def _lp(
    c: np.ndarray, bounds: np.ndarray, parts: dict
) -> tuple[np.ndarray, np.ndarray, float, OptimizeResult] | None:
    """LP relaxation by column generation: solve over the best columns by value, then add every
    column with a negative reduced cost until none is left (the LP optimum over all columns).
    Returns the solution, the reduced costs of all columns, the optimum and the last solve
    (its marginals are the rows' duals), or None."""
    n = len(c) - 1
    by_value = np.argsort(c[:n], kind="stable")
    active = np.zeros(n + 1, dtype=bool)
    active[by_value[: 2 * FIRST_FREE + int(min(bounds[n, 1], n)) * 2]] = True
    active[n] = True
    while True:
        sub = {k: v[:, active] if k.startswith("A_") else v for k, v in parts.items()}
        lp = linprog(c[active], bounds=bounds[active], method=LP_METHOD, **sub)
        if lp.status == INFEASIBLE and active.all():
            return None
        if lp.status == INFEASIBLE:
            active[by_value[: 4 * int(active.sum())]] = True
            continue
        if lp.status != 0:
            raise RuntimeError(f"LP relaxation failed: {lp.message}")
        reduced = _reduced_costs(c, parts, lp)
        add = np.flatnonzero(~active & (reduced < -1e-9))
        if not len(add):
            x = np.zeros(n + 1)
            x[active] = lp.x
            return x, reduced, float(lp.fun), lp
        active[add[np.argsort(reduced[add], kind="stable")[:MAX_ADD]]] = True


def _restricted_milp(
    c: np.ndarray,
    matrix: sparse.csc_array,
    lower: np.ndarray,
    upper: np.ndarray,
    free: np.ndarray,
    rounded: np.ndarray,
    size: tuple[int, int],
    abs_gap: float,
    seconds: float,
) -> OptimizeResult:
    """The MILP over the free binaries (and N), the others fixed at ``rounded``, solved to
    within ``abs_gap`` of its optimum or for ``seconds``, whichever comes first."""
    n = len(free)
    shift = matrix[:, :n][:, ~free] @ rounded[~free]
    cols = np.r_[np.flatnonzero(free), n]
    k = len(cols) - 1
    return milp(
        c=c[cols],
        integrality=np.r_[np.ones(k), 0.0],  # N = sum(x) is integral already
        bounds=Bounds(np.r_[np.zeros(k), size[0]], np.r_[np.ones(k), size[1]]),
        constraints=LinearConstraint(matrix[:, cols], lower - shift, upper - shift),
        options={"mip_rel_gap": abs_gap / max(1.0, float(np.abs(c[cols]).sum())),
                 "time_limit": max(seconds, 1.0)},
    )  # fmt: skip


def row_prices(
    value: np.ndarray,
    matrix: sparse.csr_array,
    lower: np.ndarray,
    upper: np.ndarray,
    size: tuple[float, float],
) -> np.ndarray | None:
    """The rows' multipliers at the optimum of the LP relaxation of :func:`solve_binary`'s
    problem (N continuous in ``size``), signed for maximisation: ``>= 0`` on a row bounded
    above, ``<= 0`` on one bounded below, free on an equality; None if the LP is infeasible."""
    n = len(value)
    bounds = np.c_[np.r_[np.zeros(n), size[0]], np.r_[np.ones(n), size[1]]]
    relaxed = _lp(np.r_[-value, 0.0], bounds, _split(sparse.csc_array(matrix), lower, upper))
    if relaxed is None:
        return None
    lp = relaxed[3]
    eq = lower == upper
    up, lo = ~eq & np.isfinite(upper), ~eq & np.isfinite(lower)
    signed = np.zeros(len(lower))
    if eq.any():
        signed[eq] = -lp.eqlin.marginals
    if (up | lo).any():
        k = int(up.sum())
        signed[up] = np.maximum(-lp.ineqlin.marginals[:k], 0.0)
        signed[lo] = np.minimum(lp.ineqlin.marginals[k:], 0.0)
    return signed


def solve_binary(
    value: np.ndarray,
    matrix: sparse.csr_array,
    lower: np.ndarray,
    upper: np.ndarray,
    size: tuple[int, int],
    *,
    max_gap: float = 0.0,
    time_limit: float | None = None,
) -> Solution | None:
    """Maximise ``value @ x`` over binary ``x`` and integer ``N`` in ``size``, subject to
    ``lower <= matrix @ [x, N] <= upper``; ``None`` if infeasible.

    The solution is proven within ``max_gap * |LP bound|`` of the optimum (``0``: optimal up
    to floating point), unless ``time_limit`` seconds run out first: then it is the best found,
    with the bound proven so far."""
    start = time.monotonic()
    n = len(value)
    c = np.r_[-value, 0.0]
    csc = sparse.csc_array(matrix)
    bounds = np.c_[np.r_[np.zeros(n), size[0]], np.r_[np.ones(n), size[1]]]
    relaxed = _lp(c, bounds, _split(csc, lower, upper))
    if relaxed is None:
        return None
    x_lp, reduced_signed, lp_fun, _ = relaxed
    logger.debug("LP relaxation of %d binaries solved", n)
    reduced = np.abs(reduced_signed[:n])
    rounded = np.round(x_lp[:n])
    slack = 1e-9 * max(1.0, abs(lp_fun)) + _FLOAT_SLACK  # floating point, not a choice
    loose = max_gap * abs(lp_fun)  # how far below the best list this one may be proven
    allowed = loose + slack
    free = np.zeros(n, dtype=bool)
    free[np.argsort(reduced, kind="stable")[:FIRST_FREE]] = True
    free |= np.abs(x_lp[:n] - rounded) > 1e-9
    best: Solution | None = None
    while True:
        left = np.inf if time_limit is None else time_limit - (time.monotonic() - start)
        # The first MILP is small: solved tight, its list is the incumbent that sizes the next.
        gap = slack if best is None else allowed
        res = _restricted_milp(c, csc, lower, upper, free, rounded, size, gap, left)
        logger.debug("MILP with %d free: status %s", free.sum(), res.status)
        fixed = float(c[:n][~free] @ rounded[~free])
        if res.x is not None:
            chosen = rounded.astype(bool)
            chosen[free] = res.x[:-1] > 0.5
            found = -(res.fun + fixed)
            if best is None or found > best.value:
                best = Solution(chosen, found, -lp_fun if best is None else best.bound)
        elif res.status == INFEASIBLE and not free.all():
            free[np.argsort(reduced, kind="stable")[: 4 * max(int(free.sum()), 1)]] = True
            continue
        elif res.status == INFEASIBLE:
            return None
        elif best is None and res.status == TIME_LIMIT:
            raise SelectionTimeout(
                f"no list was found within the time limit of {time_limit:.0f} s; raise "
                "solver.time_limit_seconds in the campaign config"
            )
        elif best is None:
            raise RuntimeError(f"MILP solver stopped without a list: {res.message}")
        assert best is not None
        # A list flipping a column with |r| above ``margin`` is worth less than z_LP - margin,
        # at most ``loose`` above the best so far: only the others can beat it by more.
        margin = max(-lp_fun - best.value - loose, 0.0) + slack
        needed = reduced <= margin
        covered = not (needed & ~free).any()
        if covered:
            # Every list better by more than ``loose`` flips only ``needed`` columns, all free
            # here, so the restricted MILP's bound holds for it. (HiGHS gives no bound when
            # presolve solved it outright.)
            dual = res.mip_dual_bound
            restricted = best.value if dual is None and res.status == OPTIMAL else np.inf
            if dual is not None:
                restricted = max(best.value, -(dual + fixed))
            bound = max(restricted, best.value + loose)
            best = Solution(best.chosen, best.value, min(best.bound, bound))
        if best.gap <= allowed or (covered and res.status == OPTIMAL):
            return replace(best, within_max_gap=True)
        if left <= 0 or res.status == TIME_LIMIT:
            logger.warning(
                "selection stopped at the time limit of %.0f s, proven within %.2f of the best "
                "possible list", time_limit or 0.0, best.gap,
            )  # fmt: skip
            return best
        free |= needed
