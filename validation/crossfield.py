"""Cross-field rules (``tenure_months <= age * 12``) evaluated vectorised with pandas ``eval``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from validation.interpret import MAX_EXAMPLES
from validation.result import Failure
from validation.rules import CrossFieldRule

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def rule_columns(rule: CrossFieldRule, columns: Sequence[str]) -> list[str]:
    """The frame's columns an expression mentions, in order of appearance."""
    present = set(columns)
    return list(dict.fromkeys(t for t in _NAME.findall(rule.expr) if t in present))


def check_rules(
    df: pd.DataFrame, rules: Sequence[CrossFieldRule], ids: Sequence[Any] | None
) -> Iterator[Failure]:
    """A failure for each rule that holds on less than ``mostly`` of the judged rows."""
    for rule in rules:
        failure = _check(df, rule, ids)
        if failure is not None:
            yield failure


def _check(df: pd.DataFrame, rule: CrossFieldRule, ids: Sequence[Any] | None) -> Failure | None:
    check = f"cross_field:{rule.name}"
    used = rule_columns(rule, df.columns)
    if not used:
        return Failure(check, None, rule.severity, f"rule {rule.expr!r} names no column present")
    try:
        holds = np.asarray(df[used].eval(rule.expr), dtype=bool)
    except Exception as exc:  # noqa: BLE001 - any eval error is a broken rule or a bad column
        return Failure(check, used[0], "quarantine", f"rule {rule.expr!r} could not run: {exc}")
    judged = df[used].notna().all(axis=1).to_numpy()
    broken = judged & ~holds
    count, total = int(broken.sum()), int(judged.sum())
    if total == 0 or count <= (1.0 - rule.mostly) * total:
        return None
    rows = np.flatnonzero(broken)[:MAX_EXAMPLES]
    examples = [str(ids[i]) for i in rows] if ids is not None else []
    cause = f"rule {rule.name} ({rule.expr}) broken: {rule.description}".rstrip(": ")
    return Failure(
        check, ",".join(used), rule.severity, cause, rule.expr, count, count / total, examples
    )
