"""History features of a long monthly panel: what each id's indicators did up to each month.

For every indicator and every (id, month) row: the level, the change over one and over
``window`` months, the change against the id's own first months (its baseline), the trend
(least-squares slope over the last ``window`` months) and, for 0/1 indicators, months since the
first 1 and how many of the last ``window`` months were 1. Lags are looked up by calendar month,
so a missing month is a gap, not a shift. Only the past is used: a row's features never see a
later month.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

SEPARATOR = "__"
KINDS = ("level", "change_1", "change_w", "vs_baseline", "trend", "since_first", "count_w")
_WORDS = {
    "level": "{x} this month",
    "change_1": "{x}, change over 1 month",
    "change_w": "{x}, change over {w} months",
    "vs_baseline": "{x} against its first {b} months",
    "trend": "{x}, monthly trend over {w} months",
    "since_first": "months since {x} was first 1",
    "count_w": "months of the last {w} with {x} = 1",
}
# Phrases meaning "this month" in readable names (the spec's aliases are Chinese: 当月..., 本月...).
THIS_MONTH = ("this month", "当月", "本月")


def _describe(kind: str, label: str, window: int, baseline: int) -> str:
    """A feature in words; a readable name that already says "this month" (any of
    :data:`THIS_MONTH`, as the spec's titles and Chinese aliases of monthly counts do) is its own
    level, not "... this month this month" or "当月... this month"."""
    if kind == "level" and any(phrase in label.lower() for phrase in THIS_MONTH):
        return label
    return _WORDS[kind].format(x=label, w=window, b=baseline)


def month_index(values: pd.Series, column: str) -> np.ndarray:
    """Months as consecutive integers: ``YYYY-MM`` text, dates, periods or integers."""
    if pd.api.types.is_integer_dtype(values):
        return values.to_numpy(dtype=np.int64)
    if pd.api.types.is_float_dtype(values):
        numbers = values.to_numpy(dtype=float)
        bad = ~np.isfinite(numbers) | (numbers != np.round(numbers))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"column {column!r} must hold whole month numbers; row {row} has "
                             f"{numbers[row]!r}.")  # fmt: skip
        return numbers.astype(np.int64)
    try:
        periods = pd.PeriodIndex(pd.to_datetime(values.astype(str), format="mixed"), freq="M")
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"column {column!r} must hold months (YYYY-MM, dates or integers); {exc}"
        ) from exc
    if periods.isna().any():
        row = int(np.flatnonzero(periods.isna())[0])
        raise ValueError(f"column {column!r} has a missing month at row {row}.")
    return periods.asi8.astype(np.int64)


def binary_indicators(frame: pd.DataFrame, indicators: Sequence[str]) -> list[str]:
    """The indicators whose observed values are all 0 or 1 (events such as an arrear)."""
    out = []
    for name in indicators:
        values = frame[name].dropna()
        if len(values) and values.isin([0.0, 1.0]).all():
            out.append(name)
    return out


def feature_names(
    indicators: Sequence[str],
    binary: Sequence[str],
    window: int,
    baseline: int,
    labels: Mapping[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Feature columns in order, and each one's description in words (for reason codes);
    ``labels`` gives an indicator's readable name (its column name otherwise)."""
    names, words = [], {}
    labels = labels or {}
    for x in indicators:
        kinds = KINDS if x in set(binary) else KINDS[:5]
        for kind in kinds:
            name = f"{x}{SEPARATOR}{kind}"
            names.append(name)
            words[name] = _describe(kind, labels.get(x) or x, window, baseline)
    return names, words


def history_features(
    ids: np.ndarray,
    months: np.ndarray,
    values: np.ndarray,
    *,
    indicators: Sequence[str],
    binary: Sequence[str],
    window: int,
    baseline: int,
    at: np.ndarray | None = None,
) -> pd.DataFrame:
    """Features of the rows selected by the boolean mask ``at`` (all rows by default), in row
    order, each from its id's months up to the row's own month.

    ``values`` is the float matrix of the indicators (rows x indicators); ``months`` integers.
    Lags are looked up among all rows, so scoring one month needs only that month selected.
    """
    codes = pd.factorize(ids)[0].astype(np.int64)
    table = _Table(codes, months, values, ids)
    first_month = pd.Series(months).groupby(codes).transform("min").to_numpy()
    binary_cols = [j for j, x in enumerate(indicators) if x in set(binary)]
    since = np.full((len(codes), values.shape[1]), np.nan)
    if binary_cols:
        since[:, binary_cols] = _since_first(codes, months, values[:, binary_cols])
    if at is not None:
        codes, months, first_month, since = codes[at], months[at], first_month[at], since[at]
    stacked = np.stack([table.at(codes, months - k) for k in range(window)])
    slope = _slope(stacked)  # stacked: window x rows x indicators; lag 0 is the row itself
    base = _baseline(table, codes, months, first_month, baseline)
    out: dict[str, np.ndarray] = {}
    binary_set = set(binary)
    for j, x in enumerate(indicators):
        level = stacked[0, :, j]
        out[f"{x}{SEPARATOR}level"] = level
        out[f"{x}{SEPARATOR}change_1"] = level - stacked[1, :, j]
        out[f"{x}{SEPARATOR}change_w"] = level - stacked[-1, :, j]
        out[f"{x}{SEPARATOR}vs_baseline"] = level - base[:, j]
        out[f"{x}{SEPARATOR}trend"] = slope[:, j]
        if x in binary_set:
            out[f"{x}{SEPARATOR}since_first"] = months - since[:, j]
            out[f"{x}{SEPARATOR}count_w"] = np.nansum(stacked[:, :, j] > 0.5, axis=0) * 1.0
    return pd.DataFrame(out)


def _slope(stacked: np.ndarray) -> np.ndarray:
    """Least-squares slope per month over the lags present (NaN with fewer than two), from
    running sums: no large temporaries beyond the mask."""
    seen = ~np.isnan(stacked)
    y = np.where(seen, stacked, 0.0)
    t = -np.arange(stacked.shape[0], dtype=float)[:, None, None]
    n = seen.sum(axis=0)
    st, sy = (seen * t).sum(axis=0), y.sum(axis=0)
    stt, sty = (seen * t * t).sum(axis=0), (y * t).sum(axis=0)
    den = n * stt - st * st
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((n >= 2) & (den > 0), (n * sty - st * sy) / den, np.nan)


def _baseline(
    table: _Table, codes: np.ndarray, months: np.ndarray, first: np.ndarray, baseline: int
) -> np.ndarray:
    """Mean of each id's first ``baseline`` months (the behaviour it was acquired with), using
    only those months not after the row's own month."""
    early = np.stack([
        np.where((first + k <= months)[:, None], table.at(codes, first + k), np.nan)
        for k in range(baseline)
    ])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns give NaN
        return np.nanmean(early, axis=0)


class _Table:
    """The panel's values found by (id code, month) through a sorted key: light on memory."""

    def __init__(self, codes: np.ndarray, months: np.ndarray, values: np.ndarray, ids) -> None:
        span = int(months.max() - months.min()) + 64 if len(months) else 1
        self._low, self._span = (int(months.min()) - 32 if len(months) else 0), span
        key = codes * span + (months - self._low)
        self._order = np.argsort(key, kind="stable")
        self._keys = key[self._order]
        same = np.flatnonzero(self._keys[1:] == self._keys[:-1])
        if len(same):
            row = self._order[same[0]]
            raise ValueError(f"the panel has two rows for id {ids[row]!r} in month {months[row]}.")
        self._values = values

    def at(self, codes: np.ndarray, months: np.ndarray) -> np.ndarray:
        """Rows x indicators at (code, month); NaN where the panel has no such row."""
        rel = months - self._low
        wanted = codes * self._span + rel
        pos = np.minimum(np.searchsorted(self._keys, wanted), len(self._keys) - 1)
        found = (self._keys[pos] == wanted) & (rel >= 0) & (rel < self._span)
        out = np.full((len(codes), self._values.shape[1]), np.nan)
        out[found] = self._values[self._order[pos[found]]]
        return out


def _since_first(codes: np.ndarray, months: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per row and indicator: the month the id's indicator was first above 0.5, when that is
    not after the row's month (NaN otherwise: no event yet)."""
    flagged = np.where(values > 0.5, months[:, None].astype(float), np.inf)
    first = pd.DataFrame(flagged).groupby(codes).min().to_numpy()[codes]
    return np.where(first <= months[:, None], first, np.nan)
