"""Persona profiles: size, share, numeric means and categorical modes against the population.

Profiles are computed in original units (yuan, months, counts), because a marketer reads them;
``deltas`` standardise each persona's difference from the whole population so that features
measured in different units can be ranked by how much they set a persona apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segmentation.preprocess import MISSING


def _categorical_frame(X: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    cat = X[list(columns)].astype(object)
    return cat.where(cat.notna(), MISSING).astype(str)


def _numeric_deltas(num: pd.DataFrame, labels: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    means = num.groupby(labels).mean()
    std = num.std(ddof=0).replace(0.0, np.nan)
    deltas = ((means - num.mean()) / std).fillna(0.0)
    return means, deltas


def _mode_table(cat: pd.DataFrame, labels: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    modes, deltas = {}, {}
    for col in cat.columns:
        shares = pd.crosstab(labels, cat[col], normalize="index")
        population = cat[col].value_counts(normalize=True)
        mode = shares.idxmax(axis=1)
        modes[col], modes[f"{col}_share"] = mode, shares.max(axis=1)
        for level in sorted(set(mode)):
            base = population[level]
            spread = np.sqrt(base * (1.0 - base)) or 1.0
            deltas[f"{col}={level}"] = ((shares[level] - base) / spread).where(mode == level, 0.0)
    return pd.DataFrame(modes), pd.DataFrame(deltas)


def profile_personas(
    X: pd.DataFrame,
    labels: np.ndarray,
    numeric_columns: Sequence[str],
    categorical_columns: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Profile table (one row per persona) and standardised deltas against the population.

    Returns
    -------
    profiles : persona, size, share, numeric means, ``<col>_vs_pop`` deltas, categorical modes
        and ``<col>_share`` (share of the mode within the persona).
    deltas : persona x feature; numeric columns as (mean - population mean) / population std,
        ``column=mode`` entries as the standardised excess share of the persona's mode.
    """
    labels = np.asarray(labels)
    num = X[list(numeric_columns)].astype("float64")
    num = num.fillna(num.median())
    means, num_deltas = _numeric_deltas(num, labels)
    modes, cat_deltas = _mode_table(_categorical_frame(X, categorical_columns), labels)
    sizes = pd.Series(labels).value_counts().sort_index()
    profiles = pd.DataFrame({"size": sizes, "share": sizes / len(labels)})
    profiles = profiles.join(means).join(num_deltas.add_suffix("_vs_pop")).join(modes)
    profiles.index.name = "persona"
    deltas = num_deltas.join(cat_deltas) if len(cat_deltas.columns) else num_deltas
    deltas.index.name = "persona"
    return profiles.reset_index(), deltas
