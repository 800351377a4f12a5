"""Input checks shared by the risk estimators: frames in, binary targets, named features."""

from __future__ import annotations

import numpy as np
import pandas as pd


def as_frame(X: object) -> pd.DataFrame:
    """A DataFrame view of ``X``; arrays get columns ``x0, x1, ...``."""
    if isinstance(X, pd.DataFrame):
        return X
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-dimensional; got an array of shape {arr.shape}.")
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


def binary_target(y: object, n_rows: int) -> np.ndarray:
    """``y`` as a float 0/1 array; both classes must be present."""
    arr = np.asarray(y, dtype=float).ravel()
    if len(arr) != n_rows:
        raise ValueError(f"y has {len(arr)} values but X has {n_rows} rows.")
    values = set(np.unique(arr).tolist())
    if not values <= {0.0, 1.0}:
        raise ValueError(f"y must be binary 0/1 without missing values; got {sorted(values)[:5]}.")
    if len(values) < 2:
        raise ValueError(f"y must contain both classes 0 and 1; got only {sorted(values)}.")
    return arr


def require_columns(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} names columns not in X: {missing}.")
