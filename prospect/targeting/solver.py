"""Exact 0/1 selection by LP relaxation, reduced-cost fixing and a small MILP (HiGHS).

A branch-and-bound over tens of thousands of binaries is slow to *prove* optimal, yet the LP
relaxation of a campaign problem has only a handful of constraints (and is itself solved by
column generation over the columns that can improve it), so its basic optimum has
at most that many fractional variables and almost every variable sits at 0 or 1 with a
reduced cost ``r_i``. LP duality gives, for every feasible integer ``x``,

    EV(x) <= z_LP - sum_{r_i > 0} r_i (1 - x_i) - sum_{r_i < 0} |r_i| x_i

(``r_i`` in maximisation sign). So once an incumbent with value ``z_inc`` is known, any
better solution can only flip variables with ``|r_i| <= z_LP - z_inc``; all others are fixed at
their LP value without loss. We solve the MILP over a small free set (the smallest ``|r_i|``),
take its optimum as incumbent, and accept it when every variable with
``|r_i| <= z_LP - z_inc`` was free; otherwise the free set grows to exactly those variables
and the MILP is solved again, which is then optimal. "Optimal" means within
``1e-9 * |z_LP| + 1e-7`` of the optimum (under a fen for a 10-million-yuan campaign), the
tolerance both the MILP gap and the fixing test use; proving a zero gap in floating point
costs orders of magnitude more time for no difference a campaign can notice.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, linprog, milp

logger = logging.getLogger(__name__)

FIRST_FREE = 32
LP_METHOD = "highs-ipm"
MAX_ADD = 20_000
INFEASIBLE = 2


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
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """LP relaxation by column generation: solve over the best columns by value, then add every
    column with a negative reduced cost until none is left (the LP optimum over all columns).
    Returns the solution, the reduced costs of all columns and the optimum, or None."""
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
            return x, reduced, float(lp.fun)
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
) -> OptimizeResult:
    """The MILP over the free binaries (and N), the others fixed at ``rounded``, solved to
    within ``abs_gap`` of its optimum (a relative gap scaled to the free part's size)."""
    n = len(free)
    shift = matrix[:, :n][:, ~free] @ rounded[~free]
    cols = np.r_[np.flatnonzero(free), n]
    k = len(cols) - 1
    return milp(
        c=c[cols],
        integrality=np.r_[np.ones(k), 0.0],  # N = sum(x) is integral already
        bounds=Bounds(np.r_[np.zeros(k), size[0]], np.r_[np.ones(k), size[1]]),
        constraints=LinearConstraint(matrix[:, cols], lower - shift, upper - shift),
        options={"mip_rel_gap": abs_gap / max(1.0, float(np.abs(c[cols]).sum()))},
    )  # fmt: skip


def solve_binary(
    value: np.ndarray,
    matrix: sparse.csr_array,
    lower: np.ndarray,
    upper: np.ndarray,
    size: tuple[int, int],
) -> np.ndarray | None:
    """Maximise ``value @ x`` over binary ``x`` and integer ``N`` in ``size``, subject to
    ``lower <= matrix @ [x, N] <= upper``; the optimal ``x`` as a mask, ``None`` if infeasible."""
    n = len(value)
    c = np.r_[-value, 0.0]
    csc = sparse.csc_array(matrix)
    bounds = np.c_[np.r_[np.zeros(n), size[0]], np.r_[np.ones(n), size[1]]]
    relaxed = _lp(c, bounds, _split(csc, lower, upper))
    if relaxed is None:
        return None
    x_lp, reduced_signed, lp_fun = relaxed
    logger.debug("LP relaxation of %d binaries solved", n)
    reduced = np.abs(reduced_signed[:n])
    rounded = np.round(x_lp[:n])
    tol = 1e-9 * max(1.0, abs(lp_fun)) + 1e-7
    free = np.zeros(n, dtype=bool)
    free[np.argsort(reduced, kind="stable")[:FIRST_FREE]] = True
    free |= np.abs(x_lp[:n] - rounded) > 1e-9
    while True:
        res = _restricted_milp(c, csc, lower, upper, free, rounded, size, tol)
        logger.debug("MILP with %d free: status %s", free.sum(), res.status)
        if res.status == 0:
            fun = res.fun + float(c[:n][~free] @ rounded[~free])
            needed = reduced <= (fun - lp_fun) + tol
            if not (needed & ~free).any():
                chosen = rounded.astype(bool)
                chosen[free] = res.x[:-1] > 0.5
                return chosen
            free |= needed
        elif res.status == INFEASIBLE and not free.all():
            free[np.argsort(reduced, kind="stable")[: 4 * max(int(free.sum()), 1)]] = True
        elif res.status == INFEASIBLE:
            return None
        else:
            raise RuntimeError(f"MILP solver stopped without an optimum: {res.message}")
