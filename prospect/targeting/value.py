"""Expected value of contacting one subscriber, and its weight in the portfolio ceiling.

The value of a contact is the cardholders it adds (:func:`prospect.uplift_value.incremental_value`,
the one formula): ``EV = u * (1 - PD) * value_good - u * PD * loss_default - contact_cost`` with
``u`` the subscriber's uplift (chance of taking a card if contacted minus if not). A bundle
without an uplift model scores no ``uplift`` column; then ``u`` is the propensity ``p_demand``,
as if nobody took a card uncontacted, and the summary says the list was ranked by propensity.
A bundle without a risk model (:mod:`prospect.risk_filter`) knows no PD: the value is then the
gain of the cardholders added less the contact cost, ``u * value_good - contact_cost``, with
no loss term, and the list carries the no-risk-filter warning.

The portfolio ceiling bounds the expected default rate among expected takers,
``sum(p * PD) / sum(p) <= r``, which is the linear constraint ``sum(p * (PD - r)) <= 0``; the
per-row weight ``p * (PD - r)`` is what :func:`ceiling_weight` returns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prospect.risk_filter import SCORECARD, filters_by_risk
from prospect.targeting.config import CampaignConfig
from prospect.uplift_value import incremental_value

UPLIFT, PROPENSITY = "uplift", "propensity"
EFFECT_COLUMN = {UPLIFT: "uplift", PROPENSITY: "p_demand"}


def value_basis(scored: pd.DataFrame) -> str:
    """``"uplift"`` when the scores carry an uplift column, else ``"propensity"``."""
    return UPLIFT if EFFECT_COLUMN[UPLIFT] in scored.columns else PROPENSITY


def expected_value(effect: object, pd_: object | None, config: CampaignConfig) -> np.ndarray:
    """Expected profit of one contact (currency units) from the cardholders it adds (``effect``:
    uplift, or propensity as the fallback), NaN where a score is missing. ``pd_`` None: no
    risk model, so no loss on default is counted (the gain less the contact cost)."""
    u = np.asarray(effect, dtype=float)
    q = np.zeros_like(u) if pd_ is None else np.asarray(pd_, dtype=float)
    out = np.full(np.broadcast_shapes(u.shape, q.shape), np.nan)
    known = np.isfinite(u) & np.isfinite(q)
    out[known] = incremental_value(
        np.broadcast_to(u, out.shape)[known], np.broadcast_to(q, out.shape)[known],
        config.value_good, config.loss_default, config.contact_cost,
    )  # fmt: skip
    return out


def scored_value(
    scored: pd.DataFrame, config: CampaignConfig, basis: str | None = None,
    risk_filter: str = SCORECARD,
) -> np.ndarray:  # fmt: skip
    """:func:`expected_value` of every scored row on ``basis`` (default :func:`value_basis`);
    with ``risk_filter="none"`` the rows' PD is not read."""
    column = EFFECT_COLUMN[basis or value_basis(scored)]
    return expected_value(scored[column], _pd(scored, risk_filter), config)


def _pd(scored: pd.DataFrame, risk_filter: str) -> pd.Series | None:
    """The rows' PD, or None for a list built without a risk model."""
    return scored["pd"] if filters_by_risk(risk_filter) else None


def ceiling_weight(
    p_demand: np.ndarray, pd_: np.ndarray | None, config: CampaignConfig
) -> np.ndarray:
    """``p * (PD - r)`` per row, or zeros when no portfolio ceiling is set or no PD is known
    (``pd_`` None: a list without a risk model has no portfolio ceiling)."""
    p = np.asarray(p_demand, dtype=float)
    rate = config.risk.max_expected_default_rate
    if rate is None or pd_ is None:
        return np.zeros_like(p)
    return p * (np.asarray(pd_, dtype=float) - rate)
