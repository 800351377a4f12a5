"""Duplicate ids within the month, found from the id hashes the gate computes anyway.

great-expectations' compound-uniqueness check builds a two-column frame and runs pandas'
``duplicated`` over it (~0.25 s per million rows); one sort of the 64-bit id hashes the gate
already holds finds the candidate rows in ~0.05 s, and only those are checked on the real
id and month values, so a hash collision never reports a duplicate that is not there and an
id in two months is not one. Every row of a repeated id counts, as GE counts them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from validation.result import Failure
from validation.rules import TableRules

MAX_EXAMPLES = 20


def duplicate_id_failure(
    df: pd.DataFrame, rules: TableRules, id_hashes: np.ndarray | None,
    id_order: np.ndarray | None = None,
) -> Failure | None:  # fmt: skip
    """The failure for rows whose id repeats within its month (None when every id is single).

    ``id_hashes`` are the per-row hashes of the id column (missing ids hash alike and, as in
    pandas' ``duplicated``, count as equal values); ``id_order`` their argsort, if known."""
    if id_hashes is None or len(df) < 2:
        return None
    columns = [rules.id_column]
    if rules.month_column is not None and rules.month_column in df.columns:
        columns.append(rules.month_column)  # the same id in another month is not a repeat
    ordered = np.sort(id_hashes) if id_order is None else id_hashes[id_order]
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if not repeated.size:
        return None
    candidates = np.flatnonzero(np.isin(id_hashes, repeated))
    subset = df.iloc[candidates][columns]
    rows = candidates[subset.duplicated(keep=False).to_numpy()]  # confirmed on the values
    if not rows.size:
        return None
    ids = df[rules.id_column].iloc[rows]
    examples = [str(v) for v in pd.unique(ids.to_numpy())[:MAX_EXAMPLES]]
    within = " within the month" if len(columns) > 1 else ""
    return Failure(
        "duplicate_ids", rules.id_column, "quarantine", f"duplicate ids{within}",
        observed=examples, count=int(rows.size), share=rows.size / len(df), examples=examples,
    )  # fmt: skip
