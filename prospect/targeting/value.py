"""Expected value of contacting one subscriber, and its weight in the portfolio ceiling.

The value of a contact is the cardholders it adds (:func:`prospect.uplift_value.incremental_value`,
the one formula): ``EV = u * (1 - PD) * value_good - u * PD * loss_default - contact_cost`` with
``u`` the subscriber's uplift (chance of taking a card if contacted minus if not). A bundle
without an uplift model scores no ``uplift`` column; then ``u`` is the propensity ``p_demand``,
as if nobody took a card uncontacted, and the summary says the list was ranked by propensity.

The portfolio ceiling bounds the expected default rate among expected takers,
``sum(p * PD) / sum(p) <= r``, which is the linear constraint ``sum(p * (PD - r)) <= 0``; the
per-row weight ``p * (PD - r)`` is what :func:`ceiling_weight` returns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prospect.targeting.config import CampaignConfig
from prospect.uplift_value import incremental_value

UPLIFT, PROPENSITY = "uplift", "propensity"
EFFECT_COLUMN = {UPLIFT: "uplift", PROPENSITY: "p_demand"}


def value_basis(scored: pd.DataFrame) -> str:
    """``"uplift"`` when the scores carry an uplift column, else ``"propensity"``."""
    return UPLIFT if EFFECT_COLUMN[UPLIFT] in scored.columns else PROPENSITY


def expected_value(effect: object, pd_: object, config: CampaignConfig) -> np.ndarray:
    """Expected profit of one contact (currency units) from the cardholders it adds (``effect``:
    uplift, or propensity as the fallback), NaN where a score is missing."""
    u = np.asarray(effect, dtype=float)
    q = np.asarray(pd_, dtype=float)
    out = np.full(np.broadcast_shapes(u.shape, q.shape), np.nan)
    known = np.isfinite(u) & np.isfinite(q)
    out[known] = incremental_value(
        np.broadcast_to(u, out.shape)[known], np.broadcast_to(q, out.shape)[known],
        config.value_good, config.loss_default, config.contact_cost,
    )  # fmt: skip
    return out


def scored_value(
    scored: pd.DataFrame, config: CampaignConfig, basis: str | None = None
) -> np.ndarray:
    """:func:`expected_value` of every scored row on ``basis`` (default :func:`value_basis`)."""
    column = EFFECT_COLUMN[basis or value_basis(scored)]
    return expected_value(scored[column], scored["pd"], config)


def ceiling_weight(p_demand: np.ndarray, pd_: np.ndarray, config: CampaignConfig) -> np.ndarray:
    """``p * (PD - r)`` per row, or zeros when no portfolio ceiling is set."""
    p = np.asarray(p_demand, dtype=float)
    rate = config.risk.max_expected_default_rate
    if rate is None:
        return np.zeros_like(p)
    return p * (np.asarray(pd_, dtype=float) - rate)
