"""Expected value of contacting one subscriber, and its weight in the portfolio ceiling.

``EV = p * (1 - PD) * value_good - p * PD * loss_default - contact_cost``: the subscriber takes a
card with probability ``p`` and then defaults with probability ``PD``; the contact costs money
whatever happens.

The portfolio ceiling bounds the expected default rate among expected takers,
``sum(p * PD) / sum(p) <= r``, which is the linear constraint ``sum(p * (PD - r)) <= 0``; the
per-row weight ``p * (PD - r)`` is what :func:`ceiling_weight` returns.
"""

from __future__ import annotations

import numpy as np

from prospect.targeting.config import CampaignConfig


def expected_value(p_demand: np.ndarray, pd_: np.ndarray, config: CampaignConfig) -> np.ndarray:
    """Expected profit of one contact (currency units), NaN where a score is missing."""
    p = np.asarray(p_demand, dtype=float)
    q = np.asarray(pd_, dtype=float)
    return p * (1 - q) * config.value_good - p * q * config.loss_default - config.contact_cost


def ceiling_weight(p_demand: np.ndarray, pd_: np.ndarray, config: CampaignConfig) -> np.ndarray:
    """``p * (PD - r)`` per row, or zeros when no portfolio ceiling is set."""
    p = np.asarray(p_demand, dtype=float)
    rate = config.risk.max_expected_default_rate
    if rate is None:
        return np.zeros_like(p)
    return p * (np.asarray(pd_, dtype=float) - rate)
