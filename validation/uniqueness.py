"""Duplicate ids within the month, found from the id hashes the gate computes anyway.

great-expectations' compound-uniqueness check builds a two-column frame and runs pandas'
``duplicated`` over it (~0.25 s per million rows); one sort of the 64-bit id hashes the gate
already holds finds the candidate rows in ~0.05 s, and only those are checked on the real
id and month values, so a hash collision never reports a duplicate that is not there and an
id in two months is not one. Every row of a repeated id counts, as GE counts them. All rows
of an id are in one hash bucket, so counts of buckets add up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from validation.result import Failure
from validation.rules import TableRules

MAX_EXAMPLES = 20


def duplicate_counts(
    df: pd.DataFrame, rules: TableRules, id_hashes: np.ndarray, id_order: np.ndarray | None = None,
    keys: np.ndarray | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Rows whose id repeats within its month and the first row (key, id) of each repeated id.

    ``id_hashes`` are the per-row hashes of the id column (missing ids hash alike and, as in
    pandas' ``duplicated``, count as equal values); ``id_order`` their argsort, if known;
    ``keys`` each row's place in the delivery (default: row numbers)."""
    columns = [rules.id_column]
    if rules.month_column is not None and rules.month_column in df.columns:
        columns.append(rules.month_column)  # the same id in another month is not a repeat
    none = {"rows": 0, "within_month": len(columns) > 1, "ids": []}
    if len(df) < 2:
        return none
    ordered = np.sort(id_hashes) if id_order is None else id_hashes[id_order]
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if not repeated.size:
        return none
    candidates = np.flatnonzero(np.isin(id_hashes, repeated))
    subset = df.iloc[candidates][columns]
    rows = candidates[subset.duplicated(keep=False).to_numpy()]  # confirmed on the values
    if not rows.size:
        return none
    keys = np.arange(len(df), dtype=np.int64) if keys is None else keys
    ids = [str(v) for v in df[rules.id_column].iloc[rows].to_numpy()]
    first: dict[str, int] = {}
    for row, value in zip(rows, ids, strict=True):
        first.setdefault(value, int(keys[row]))
    shown = sorted(first.items(), key=lambda kv: kv[1])[:MAX_EXAMPLES]
    return {**none, "rows": int(rows.size), "ids": [[key, value] for value, key in shown]}


def duplicate_failure(counts: dict[str, Any], n_rows: int, column: str) -> Failure | None:
    """The failure for the counted repeats of a month of ``n_rows`` rows (None: none)."""
    if not counts.get("rows"):
        return None
    examples = [value for _, value in counts["ids"][:MAX_EXAMPLES]]
    within = " within the month" if counts["within_month"] else ""
    return Failure(
        "duplicate_ids", column, "quarantine", f"duplicate ids{within}",
        observed=examples, count=int(counts["rows"]), share=counts["rows"] / n_rows,
        examples=examples,
    )  # fmt: skip


def duplicate_id_failure(
    df: pd.DataFrame, rules: TableRules, id_hashes: np.ndarray | None,
    id_order: np.ndarray | None = None,
) -> Failure | None:  # fmt: skip
    """The failure for rows whose id repeats within its month (None when every id is single)."""
    if id_hashes is None:
        return None
    counts = duplicate_counts(df, rules, id_hashes, id_order)
    return duplicate_failure(counts, len(df), rules.id_column)
