"""Alert rules applied to one month of the cardholder panel: which cardholders trip which rule,
with the figures that tripped it."""

from __future__ import annotations

import operator
from collections.abc import Sequence

import numpy as np
import pandas as pd

from prospect.alerts.config import Rule
from risk.early_warning.history import binary_indicators, history_features, month_index

PD_COLUMN = "pd"
_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}
FIRED_COLUMNS = ("user_id", "cause", "severity", "figures")


def evaluate_rules(
    panel: pd.DataFrame,
    month: str,
    rules: Sequence[Rule],
    *,
    id_column: str = "user_id",
    month_column: str = "month",
    window: int = 6,
    baseline: int = 3,
) -> pd.DataFrame:
    """One row per (cardholder of ``month``, rule tripped): ``FIRED_COLUMNS``.

    ``panel`` holds the cardholders' earlier months too (for changes and baselines) and, for
    score rules, the model's PD in column ``pd``. A rule on a column the panel lacks is an
    error naming the rule and the column.
    """
    ids = panel[id_column].astype(str).to_numpy()
    months = month_index(panel[month_column], month_column)
    [now] = month_index(pd.Series([month]), "month")
    at = months == now
    for rule in rules:
        _check_column(panel, rule)
    read = {r.indicator_name or PD_COLUMN for r in rules if r.kind != "threshold"}
    lookup = pd.DataFrame({c: panel[c].astype(float).to_numpy() for c in sorted(read)},
                          index=pd.MultiIndex.from_arrays([ids, months]))  # fmt: skip
    features = _threshold_features(panel, ids, months, at, rules, window, baseline)
    fired = []
    for rule in rules:
        hit, figures = _apply(rule, lookup, ids[at], now, features)
        for user_id, figure in zip(ids[at][hit], figures, strict=True):
            fired.append((user_id, rule.cause, rule.severity, figure))
    return pd.DataFrame(fired, columns=list(FIRED_COLUMNS))


def _check_column(panel: pd.DataFrame, rule: Rule) -> None:
    column = rule.indicator_name or PD_COLUMN
    if column not in panel.columns:
        raise ValueError(f"rule {rule.cause!r} reads column {column!r}, which the panel lacks.")


def _threshold_features(panel, ids, months, at, rules, window, baseline) -> pd.DataFrame:
    names = list(dict.fromkeys(r.indicator_name for r in rules if r.kind == "threshold"))
    if not names:
        return pd.DataFrame(index=range(int(at.sum())))
    values = panel[names].astype(float).to_numpy()
    return history_features(
        ids, months, values, indicators=names, binary=binary_indicators(panel, names),
        window=window, baseline=baseline, at=at,
    )  # fmt: skip


def _past(lookup: pd.DataFrame, ids: np.ndarray, month: int, column: str) -> np.ndarray:
    key = pd.MultiIndex.from_arrays([ids, np.full(len(ids), month)])
    return lookup[column].reindex(key).to_numpy(dtype=float)


def _apply(rule: Rule, lookup, ids, now, features) -> tuple[np.ndarray, list[dict]]:
    """Mask of the month's rows the rule trips, and the figures of each row tripped."""
    if rule.kind == "threshold":
        if rule.feature not in features.columns:
            raise ValueError(f"rule {rule.cause!r}: feature {rule.feature!r} is not computed for "
                             f"indicator {rule.indicator_name!r} (only 0/1 indicators have "
                             "since_first and count_w).")  # fmt: skip
        value = features[rule.feature].to_numpy(dtype=float)
        hit = _OPS[rule.op](value, float(rule.value or 0.0)) & ~np.isnan(value)
        return hit, [{rule.feature: _num(v), "threshold": rule.value} for v in value[hit]]
    if rule.kind == "falling":
        column = str(rule.indicator)
        series = [_past(lookup, ids, now - k, column) for k in range(rule.months + 1)]
        hit = np.logical_and.reduce([series[k] < series[k + 1] for k in range(rule.months)])
        rows = np.flatnonzero(hit)
        return hit, [{rule.indicator: [_num(s[i]) for s in reversed(series)]} for i in rows]
    pd_now = _past(lookup, ids, now, PD_COLUMN)
    if rule.kind == "score_level":
        hit = pd_now >= rule.value
        return hit, [{"pd": _num(p), "threshold": rule.value} for p in pd_now[hit]]
    pd_then = _past(lookup, ids, now - rule.months, PD_COLUMN)
    with np.errstate(divide="ignore", invalid="ignore"):
        hit = (pd_now >= rule.value * pd_then) & (pd_now >= rule.min_pd) & (pd_then > 0)
    return hit, [{"pd": _num(a), "pd_before": _num(b), "months": rule.months}
                 for a, b in zip(pd_now[hit], pd_then[hit], strict=True)]  # fmt: skip


def _num(value: float) -> float | None:
    """JSON-friendly figure: None for missing, rounded to 6 significant digits."""
    return None if value is None or np.isnan(value) else float(f"{value:.6g}")
