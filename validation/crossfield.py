"""Cross-field rules (``tenure_months <= age * 12``) evaluated vectorised with pandas ``eval``."""

from __future__ import annotations

import re
from collections.abc import Sequence
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


def rule_counts(
    df: pd.DataFrame, rule: CrossFieldRule, ids: Any, keys: np.ndarray
) -> dict[str, Any]:
    """Rows judged and broken on one slice, with the first broken rows (key and id)."""
    used = rule_columns(rule, df.columns)
    if not used:
        return {"used": []}
    try:
        holds = np.asarray(df[used].eval(rule.expr), dtype=bool)
    except Exception as exc:  # noqa: BLE001 - any eval error is a broken rule or a bad column
        return {"used": used, "error": str(exc)}
    judged = df[used].notna().all(axis=1).to_numpy()
    broken = judged & ~holds
    rows = np.flatnonzero(broken)[:MAX_EXAMPLES]
    return {
        "used": used, "broken": int(broken.sum()), "judged": int(judged.sum()),
        "examples": [[int(keys[i]), None if ids is None else str(ids[i])] for i in rows],
    }  # fmt: skip


def rule_failure(rule: CrossFieldRule, counts: dict[str, Any]) -> Failure | None:
    """The failure when the rule holds on less than ``mostly`` of the judged rows."""
    check, used = f"cross_field:{rule.name}", counts["used"]
    if not used:
        return Failure(check, None, rule.severity, f"rule {rule.expr!r} names no column present")
    if "error" in counts:
        return Failure(
            check, used[0], "quarantine", f"rule {rule.expr!r} could not run: {counts['error']}"
        )
    count, total = counts["broken"], counts["judged"]
    if total == 0 or count <= (1.0 - rule.mostly) * total:
        return None
    examples = [i for _, i in counts["examples"][:MAX_EXAMPLES] if i is not None]
    cause = f"rule {rule.name} ({rule.expr}) broken: {rule.description}".rstrip(": ")
    return Failure(
        check, ",".join(used), rule.severity, cause, rule.expr, count, count / total, examples
    )
