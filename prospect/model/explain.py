"""Per-subscriber drivers from XGBoost's own TreeSHAP contributions (``pred_contribs``).

Contributions are in margin (log-odds) units and, with the bias column, sum to the booster's
margin. The campaign list keeps the top few as readable "why selected" strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xgboost as xgb

DEFAULT_BATCH = 200_000


def contributions(
    booster: xgb.Booster,
    matrix: np.ndarray,
    feature_types: Sequence[str],
    *,
    batch_size: int = DEFAULT_BATCH,
    nthread: int = 2,
    approximate: bool = False,
) -> np.ndarray:
    """SHAP contributions, shape ``(n_rows, n_features + 1)``; the last column is the bias.

    Batched so that a million rows never hold one huge DMatrix and its SHAP buffers at once.
    ``approximate`` uses XGBoost's Saabas attribution (``approx_contribs``): it also sums to
    the margin and is ~30x faster than exact TreeSHAP, for scoring whole months.
    """
    parts = []
    for start in range(0, max(len(matrix), 1), batch_size):
        chunk = matrix[start : start + batch_size]
        data = xgb.DMatrix(
            chunk, feature_types=list(feature_types), enable_categorical=True, nthread=nthread
        )
        parts.append(booster.predict(data, pred_contribs=True, approx_contribs=approximate))
    return np.concatenate(parts, axis=0) if len(matrix) else parts[0][:0]


def top_drivers(contribs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``n`` largest contributions per row, largest first.

    The bias column is excluded; "largest" is signed because a driver is what pushed the
    subscriber towards taking a card.
    """
    values = contribs[:, :-1]
    n = min(n, values.shape[1])
    if n < values.shape[1]:
        part = np.argpartition(-values, n - 1, axis=1)[:, :n]
    else:
        part = np.tile(np.arange(n), (len(values), 1))
    picked = np.take_along_axis(values, part, axis=1)
    order = np.argsort(-picked, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(picked, order, axis=1)


def describe_drivers(
    frame: pd.DataFrame,
    names: Sequence[str],
    kinds: Mapping[str, str],
    medians: Mapping[str, float],
    indices: np.ndarray,
    values: np.ndarray,
) -> pd.DataFrame:
    """Readable drivers such as ``"app_finance_count high (+0.42)"``, one column per rank.

    ``kinds`` maps a column to ``numeric``, ``boolean`` or ``categorical``; numeric values are
    called high or low against the training median.
    """
    labels: dict[int, np.ndarray] = {}
    out = {}
    for rank in range(indices.shape[1]):
        text = np.empty(len(frame), dtype=object)
        for j in np.unique(indices[:, rank]):
            if j not in labels:
                col = names[j]
                labels[j] = _label(frame[col], col, kinds[col], medians.get(col, np.nan))
            rows = indices[:, rank] == j
            text[rows] = labels[j][rows]
        amounts = np.char.mod("%+.2f", values[:, rank].astype(float))
        out[f"driver_{rank + 1}"] = pd.Series(text, index=frame.index) + " (" + amounts + ")"
    return pd.DataFrame(out, index=frame.index)


def _label(values: pd.Series, col: str, kind: str, median: float) -> np.ndarray:
    missing = values.isna().to_numpy()
    if kind == "categorical":
        shown = values.astype(str).to_numpy(dtype=object)
        return np.where(missing, f"{col} missing", col + "=" + shown.astype(str)).astype(object)
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if kind == "boolean":
        word = np.where(x > 0.5, "yes", "no")
    else:
        word = np.where(x > median, "high", np.where(x < median, "low", "typical"))
    return np.where(np.isnan(x), f"{col} missing", col + " " + word.astype(object)).astype(object)
