"""Factories for small credit-like frames with a known risk structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_credit(
    n: int = 3000, seed: int = 0, shift: float = 0.0
) -> tuple[pd.DataFrame, np.ndarray]:
    """``utilisation`` raises risk, ``tenure`` lowers it, ``channel`` d is riskiest,
    ``income`` is 10% missing (missing = risky) with sentinel -1 (very risky)."""
    rng = np.random.default_rng(seed)
    utilisation = rng.uniform(0, 1, n) + shift
    tenure = rng.integers(0, 120, n).astype(float)
    channel = rng.choice(list("abcd"), n, p=[0.4, 0.3, 0.2, 0.1])
    income = rng.lognormal(8, 0.5, n)
    income[rng.random(n) < 0.1] = np.nan
    income[rng.random(n) < 0.03] = -1.0
    logit = (-3 + 3 * utilisation - 0.02 * tenure + (channel == "d") * 1.5
             + np.isnan(income) * 0.8 + (income == -1) * 2.0)  # fmt: skip
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    X = pd.DataFrame({"utilisation": utilisation, "tenure": tenure, "channel": channel,
                      "income": income})  # fmt: skip
    return X, y


@pytest.fixture()
def credit() -> tuple[pd.DataFrame, np.ndarray]:
    return make_credit()
