"""Scorecard feature selection: drop weak features by IV, then redundant ones by correlation."""

from __future__ import annotations

import logging

import pandas as pd

logger = logging.getLogger(__name__)


def select_features(
    woe: pd.DataFrame, iv: pd.Series, *, min_iv: float, max_correlation: float
) -> list[str]:
    """Features with IV >= ``min_iv``, strongest first, skipping any whose WOE correlates
    above ``max_correlation`` (absolute) with a feature already kept.

    Correlated WOE columns split one effect between two coefficients, which makes points
    unstable and can flip a sign; keeping the higher-IV feature avoids that.
    """
    candidates = [str(f) for f in iv[iv >= min_iv].sort_values(ascending=False).index]
    corr = woe[candidates].corr().abs().fillna(0.0)
    kept: list[str] = []
    for feature in candidates:
        clash = [k for k in kept if corr.loc[feature, k] > max_correlation]
        if clash:
            logger.info("dropped %s: WOE correlation above %s with %s", feature,
                        max_correlation, clash[0])  # fmt: skip
            continue
        kept.append(feature)
    dropped = sorted(set(iv.index) - set(candidates))
    if dropped:
        logger.info("dropped for IV below %s: %s", min_iv, dropped)
    return kept
