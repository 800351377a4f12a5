"""Exact campaign selection as a small mixed-integer programme solved by HiGHS (scipy.milp).

Variables ``x_i in {0, 1}`` (one per candidate) and ``N`` (list size, control included).

    maximise    sum EV_i x_i
    subject to  sum x_i = N,   min_contacts + C <= N <= B + C       (budget B, control C)
                sum p_i (PD_i - r) x_i <= 0                                   (portfolio ceiling)
                lo_g N <= sum_{i in g} x_i <= hi_g N   for each persona g     (quotas)

The portfolio ceiling is the expected default rate among expected takers,
``sum(p PD) / sum(p) <= r``, made linear by multiplying out ``sum(p)``. Candidates reach here
only with ``EV > 0`` and ``PD <= max_pd``: a quota never forces a loss-making contact; if a
quota can only be met with such contacts the campaign is infeasible. Greedy top-EV is wrong
once quotas or the ceiling bind, so the problem is solved to proven optimality
on the exactly reduced pool of :mod:`prospect.targeting.candidates` (and, on a large pool, of
:mod:`prospect.targeting.bound`) by
:mod:`prospect.targeting.solver` (LP bound by column generation, reduced-cost fixing, a
small MILP), proven within ``config.solver.max_gap`` of the optimum; the
:class:`~prospect.targeting.solver.Solution` carries the value and the bound proven.
Candidates arrive sorted by user_id, so equal inputs give the same model and the same answer.
Personas in the quota rows are those with candidates plus those named in the config, so a
named persona with a min_share but no candidate makes the campaign infeasible.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from prospect.targeting.config import DEFAULT_QUOTA_KEY, CampaignConfig
from prospect.targeting.exceptions import InfeasibleCampaign
from prospect.targeting.solver import Solution, solve_binary

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConstraintRow:
    """One named linear constraint ``lower <= coef @ [x, N] <= upper``."""

    name: str
    coef: sparse.csr_array
    lower: float
    upper: float


def _quota_rows(names: np.ndarray, config: CampaignConfig) -> list[ConstraintRow]:
    n = len(names)
    personas = sorted(set(names) | {k for k in config.quotas if k != DEFAULT_QUOTA_KEY})
    rows = []
    for persona in personas:
        quota = config.quota_for(persona)
        members = np.flatnonzero(names == persona)
        for side, share in (("min_share", quota.min_share), ("max_share", quota.max_share)):
            if (side == "min_share" and share <= 0) or (side == "max_share" and share >= 1):
                continue
            cols = np.r_[members, n]
            vals = np.r_[np.ones(len(members)), -share]
            coef = sparse.csr_array((vals, (np.zeros(len(cols), int), cols)), shape=(1, n + 1))
            lower, upper = (0.0, np.inf) if side == "min_share" else (-np.inf, 0.0)
            rows.append(ConstraintRow(f"quota:{persona}.{side}", coef, lower, upper))
    return rows


def constraint_rows(cands: pd.DataFrame, config: CampaignConfig) -> list[ConstraintRow]:
    """The problem's rows over ``[x, N]`` for ``cands`` (every right side is zero)."""
    n = len(cands)
    count = sparse.csr_array(np.r_[np.ones(n), -1.0].reshape(1, -1))
    rows = [ConstraintRow("list_size", count, 0.0, 0.0)]
    if config.risk.max_expected_default_rate is not None:
        weight = sparse.csr_array(np.r_[cands["ceiling_weight"].to_numpy(), 0.0].reshape(1, -1))
        rows.append(ConstraintRow("max_expected_default_rate", weight, -np.inf, 0.0))
    names = cands["persona_name"].to_numpy(dtype=str)
    return rows + _quota_rows(names, config)


def _solve(
    ev: np.ndarray, rows: list[ConstraintRow], size: tuple[int, int], config: CampaignConfig
) -> Solution | None:
    matrix = sparse.vstack([r.coef for r in rows], format="csr")
    lower = np.array([r.lower for r in rows])
    upper = np.array([r.upper for r in rows])
    return solve_binary(ev, matrix, lower, upper, size, max_gap=config.solver.max_gap,
                        time_limit=config.solver.time_limit_seconds)  # fmt: skip


def _explain(
    ev: np.ndarray, rows: list[ConstraintRow], size: tuple[int, int], config: CampaignConfig
) -> InfeasibleCampaign:
    """Name the constraint whose removal makes the problem feasible (the first such)."""
    ordered = sorted(rows[1:], key=lambda r: (not r.name.endswith("min_share"), r.name))
    for row in ordered:
        rest = [r for r in rows if r is not row]
        if _solve(ev, rest, size, config) is not None:
            return InfeasibleCampaign(row.name, _message(row.name, config, len(ev)))
    if _solve(ev, rows, (0, size[1]), config) is not None:
        return InfeasibleCampaign("min_contacts", _message("min_contacts", config, len(ev)))
    return InfeasibleCampaign("combined", "no list meets the quotas, ceiling and budget together")


def _message(name: str, config: CampaignConfig, n_candidates: int) -> str:
    if name == "min_contacts":
        return (
            f"min_contacts={config.min_contacts} cannot be reached: {n_candidates} candidate(s) "
            "are eligible with positive expected value within the other constraints"
        )
    if name == "max_expected_default_rate":
        return (
            f"max_expected_default_rate={config.risk.max_expected_default_rate} cannot be met by "
            f"any list of at least {config.min_contacts} eligible positive-value candidate(s)"
        )
    persona, side = name.removeprefix("quota:").rsplit(".", 1)
    share = getattr(config.quota_for(persona), side)
    return (
        f"{side}={share} for persona {persona!r} cannot be met with eligible candidates of "
        "positive expected value together with the other constraints"
    )


def select(
    cands: pd.DataFrame, config: CampaignConfig, size: tuple[int, int] | None = None
) -> Solution:
    """The best list among ``cands`` (persona_name, expected_value, ceiling_weight): its mask
    (``chosen``), value and the bound proven on every list.

    ``size`` bounds the list's rows (default ``(min_contacts, max_contacts)``: no control).

    Raises
    ------
    InfeasibleCampaign
        No list meets the constraints; the error names the constraint to relax.
    SelectionTimeout
        ``config.solver.time_limit_seconds`` ran out before any list was found.
    """
    size = size or (config.min_contacts, config.max_contacts)
    ev = cands["expected_value"].to_numpy(dtype=float)
    rows = constraint_rows(cands, config)
    solution = _solve(ev, rows, size, config)
    if solution is None:
        raise _explain(ev, rows, size, config)
    logger.info("selected %d of %d candidates, EV %.2f, proven within %.2f of the best list",
                solution.chosen.sum(), len(ev), solution.value, solution.gap)  # fmt: skip
    return solution
