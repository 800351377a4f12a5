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
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Readable drivers such as ``"app_finance_count high (+0.42)"``, one column per rank.

    ``kinds`` maps a column to ``numeric``, ``boolean`` or ``categorical``; numeric values are
    called high or low against the training median. ``labels`` (column -> readable name) word
    a column as a person reads it (``"Finance app sessions this month high (+0.42)"``). Texts
    come from a small vocabulary of (label, rounded amount) pairs, so a million rows cost array
    indexing, not string building.
    """
    vocab: list[str] = []
    readable = labels or {}
    codes_of = np.zeros(indices.shape, dtype=np.int64)
    for j in np.unique(indices).tolist():
        col = names[j]
        words, codes = _labels(frame[col], readable.get(col, col), kinds[col],
                               medians.get(col, np.nan))  # fmt: skip
        rows, ranks = np.nonzero(indices == j)
        codes_of[rows, ranks] = codes[rows] + len(vocab)
        vocab += words
    out = {
        f"driver_{rank + 1}": _with_amounts(vocab, codes_of[:, rank], values[:, rank])
        for rank in range(indices.shape[1])
    }
    return pd.DataFrame(out, index=frame.index)


def _with_amounts(vocab: list[str], labels: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``"<label> (+0.42)"`` per row, formatted once per distinct (label, amount) pair."""
    amounts, amount_codes = np.unique(np.round(values, 2), return_inverse=True)
    pair_of_row, pairs = pd.factorize(labels * len(amounts) + amount_codes.ravel())
    texts = [
        f"{vocab[key // len(amounts)]} ({amounts[key % len(amounts)].item():+.2f})"
        for key in pairs.tolist()
    ]
    return np.asarray(texts, dtype=object)[pair_of_row]


def _labels(values: pd.Series, col: str, kind: str, median: float) -> tuple[list[str], np.ndarray]:
    """Label words for one column and each row's code into them (the last word is missing)."""
    if kind == "categorical":
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        words = [f"{col}={u}" for u in uniques]
    else:
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        if kind == "boolean":
            words, codes = [f"{col} no", f"{col} yes"], (x > 0.5).astype(np.int64)
        else:
            words = [f"{col} low", f"{col} typical", f"{col} high"]
            codes = np.where(x > median, 2, np.where(x < median, 0, 1))
        codes = np.where(np.isnan(x), -1, codes)
    return [*words, f"{col} missing"], np.where(codes < 0, len(words), codes)
