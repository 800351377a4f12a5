"""How binned features enter the linear model: one WOE column per feature, or one indicator
column per bin ("dummy" coding).

WOE coding gives one coefficient per feature, so points keep the binning's monotonic shape;
indicator coding gives each bin its own coefficient, which the regression sets jointly with
the other features (correlated features no longer double count), at the price of more
parameters. Either way the result is a points value per bin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

CODINGS = ("woe", "indicator")


def design_matrix(
    idx: pd.DataFrame, woe_tables: dict[str, np.ndarray], coding: str
) -> pd.DataFrame | sparse.csr_matrix:
    """Model input from bin indices (-1 = unseen value, coded as WOE 0 / no indicator)."""
    if coding == "woe":
        data = {f: np.append(woe_tables[f], 0.0)[idx[f].to_numpy()] for f in idx.columns}
        return pd.DataFrame(data, index=idx.index)
    blocks = [_indicators(idx[f].to_numpy(), len(woe_tables[f])) for f in idx.columns]
    return sparse.hstack(blocks, format="csr")


def _indicators(codes: np.ndarray, n_bins: int) -> sparse.csr_matrix:
    rows = np.flatnonzero(codes >= 0)
    ones = np.ones(len(rows))
    return sparse.csr_matrix((ones, (rows, codes[rows])), shape=(len(codes), n_bins))


def bin_coefficients(
    coef: np.ndarray, woe_tables: dict[str, np.ndarray], coding: str
) -> dict[str, np.ndarray]:
    """Each bin's contribution to the log-odds of the event, per feature."""
    out, start = {}, 0
    for feature, woe in woe_tables.items():
        if coding == "woe":
            out[feature] = coef[start] * woe
            start += 1
        else:
            out[feature] = coef[start : start + len(woe)]
            start += len(woe)
    return out
