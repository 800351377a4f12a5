"""Factories for small mixed-type frames with planted persona groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

CENTERS = np.array([[0.0, 0.0, 0.0], [8.0, 0.0, 0.0], [0.0, 8.0, 0.0], [0.0, 0.0, 8.0]])


def make_planted(n_rows: int, seed: int, n_groups: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    """Groups separated by 8 noise s.d. in 3 numeric columns; two categoricals follow the group
    85% and 100% of the time; a skewed spend column and a few missing values ride along."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, n_groups, n_rows)
    num = CENTERS[groups] + rng.normal(size=(n_rows, 3))
    frame = pd.DataFrame(num, columns=["x1", "x2", "x3"])
    frame["spend"] = np.exp(rng.normal(3.0 + groups, 0.3))
    levels = np.array(["a", "b", "c", "d"])
    frame["c1"] = np.where(rng.random(n_rows) < 0.85, levels[groups], "a").astype(object)
    frame["c2"] = np.array(["w", "x", "y", "z"])[groups].astype(object)
    n_missing = min(20, n_rows // 10)
    frame.loc[rng.choice(n_rows, n_missing, replace=False), "x1"] = np.nan
    frame.loc[rng.choice(n_rows, n_missing, replace=False), "c1"] = np.nan
    return frame, groups


@pytest.fixture()
def planted():
    return make_planted
