"""The gate: one great-expectations run, cross-field rules and drift, adding up to one outcome.

Each statistic is computed once (:mod:`validation.slices`): great-expectations checks the
batch in one run (details only for what failed, see :mod:`validation.suite`), the
cross-field rules are vectorised, the missing shares are counted once and feed the drift
table; :mod:`validation.verdict` judges the counts, and the report is rendered afterwards
from the result without touching the data again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from validation.drift import ReferenceProfile
from validation.identity import hash_ids
from validation.result import ValidationResult
from validation.rules import TableRules
from validation.slices import measure
from validation.verdict import judge

logger = logging.getLogger(__name__)


def validate(
    df: pd.DataFrame,
    rules: TableRules,
    *,
    month: str | None,
    reference: pd.DataFrame | ReferenceProfile | None = None,
    known_ids: Mapping[str, Sequence[Any]] | None = None,
) -> ValidationResult:
    """Check one batch against ``rules`` and, when given, the reference month.

    The whole batch is measured as one slice (:func:`validation.slices.measure`) and judged
    (:func:`validation.verdict.judge`): the same two steps a month split into hash buckets
    goes through, so both give the same report.

    Parameters
    ----------
    df : the typed batch (numbers as float64, text as str).
    rules : what the table must look like.
    month : the batch's month; every row's month column must equal it (None: not checked).
    reference : the last month that passed, as a frame or a stored profile; without it
        drift, the guards, identity continuity and the row-count band are not checked.
    known_ids : named id lists that must go on matching (suppression list, contact history):
        each must match this month about as well as it matched the reference month.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame; got {type(df).__name__}.")
    if not isinstance(rules, TableRules):
        raise TypeError(f"rules must be a TableRules; got {type(rules).__name__}.")
    start = time.perf_counter()
    profile = _profile(reference, rules)
    known = {name: hash_ids(values) for name, values in (known_ids or {}).items()}
    counts = measure(df, rules, month=month, profile=profile, known=known if profile else None)
    result = judge(
        counts, rules, month=month, profile=profile,
        known_sizes={n: int(v.size) for n, v in known.items()} if profile else None,
        seconds=time.perf_counter() - start,
    )  # fmt: skip
    logger.info("validated %d rows of %s: %s", len(df), month, result.outcome)
    return result


def _profile(
    reference: pd.DataFrame | ReferenceProfile | None, rules: TableRules
) -> ReferenceProfile | None:
    if reference is None or isinstance(reference, ReferenceProfile):
        return reference
    if isinstance(reference, pd.DataFrame):
        return ReferenceProfile.from_frame(reference, rules)
    raise TypeError(
        f"reference must be a DataFrame, a ReferenceProfile or None; "
        f"got {type(reference).__name__}."
    )
