"""Vectorised scoring pieces for millions of rows: propensity drivers.

Drivers come from the propensity model's one-pass approximate (Saabas) attribution. Risk is
scored by the scorecard's own ``Scorecard.assess`` (one scoring path, vectorised in ``risk``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import numpy as np
import pandas as pd

from prospect.model import PropensityModel


def demand_and_drivers(
    model: PropensityModel, X: pd.DataFrame, n: int, labels: Mapping[str, str] | None = None
) -> tuple[np.ndarray, list[list[str]]]:
    """Calibrated p_demand and the top ``n`` drivers per row (lists, as targets store them),
    worded with ``labels`` (column -> readable name)."""
    proba, drivers = model.proba_and_drivers(X, n, labels)
    with gc_paused():
        return proba, drivers.to_numpy().tolist()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small lists are built.

    Each allocation burst would otherwise trigger full collections that walk every list made
    so far (measured: 7.1 s instead of 4.0 s for 1M rows of drivers). Strings and lists of
    strings form no cycles, so nothing is left for the collector to find.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
