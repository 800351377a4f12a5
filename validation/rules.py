"""Declarative rules the gate checks: one object per column, cross-field rules, drift limits.

The rules are plain dataclasses so that any caller (the prospect spec, a bank's own table,
a test) can build them without this package knowing where they came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["number", "text"]
DriftKind = Literal["numeric", "categorical"]
Severity = Literal["warn", "quarantine"]
SEVERITIES = ("warn", "quarantine")


@dataclass(frozen=True)
class ColumnRule:
    """What one column must look like in the typed frame.

    ``kind`` is the in-memory type: ``number`` columns are float64 (booleans as 0/1),
    ``text`` columns hold str. ``free_text`` marks text without a fixed domain (ids, phone
    numbers), which is checked for spreadsheet formulas instead of against a value set.
    """

    name: str
    kind: Kind
    required: bool = True
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[str | float, ...] | None = None
    drift: DriftKind | None = None
    free_text: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("number", "text"):
            raise ValueError(
                f"kind of column {self.name!r} must be 'number' or 'text'; got {self.kind!r}."
            )
        if self.drift not in (None, "numeric", "categorical"):
            raise ValueError(
                f"drift of column {self.name!r} must be None, 'numeric' or "
                f"'categorical'; got {self.drift!r}."
            )


@dataclass(frozen=True)
class CrossFieldRule:
    """A row-wise rule written as a pandas ``eval`` expression, e.g. ``age >= 16``.

    Rows where a column the expression uses is missing are not judged (the not-null checks
    own missing values). ``mostly`` is the share of rows that must satisfy the rule.
    """

    name: str
    expr: str
    mostly: float = 1.0
    severity: Severity = "quarantine"
    description: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.mostly <= 1.0:
            raise ValueError(f"mostly of rule {self.name!r} must be in [0, 1]; got {self.mostly}.")
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"severity of rule {self.name!r} must be 'warn' or 'quarantine'; "
                f"got {self.severity!r}."
            )


@dataclass(frozen=True)
class DriftThresholds:
    """PSI bands: below ``warn`` passes, from ``warn`` warns, from ``fail`` quarantines."""

    warn: float = 0.1
    fail: float = 0.25

    def __post_init__(self) -> None:
        if not 0.0 <= self.warn <= self.fail:
            raise ValueError(
                f"drift thresholds need 0 <= warn <= fail; got warn={self.warn}, fail={self.fail}."
            )


@dataclass(frozen=True)
class GuardLimits:
    """How far a guarded column (one that eligibility or suppression reads) may move.

    A value's share may move by the largest of ``share_absolute``, ``share_relative`` of its
    reference share and ``noise_sigmas`` standard errors of the difference of two shares
    (so a small month is not quarantined for sampling noise, and a blacklist share falling
    from 1.8% to 0 always is). A numeric guarded column quarantines from PSI ``psi``; any
    guarded column quarantines when its missing share rises by more than ``missing_rise``.
    Subscribers present in both months are followed too: of those who held a value (were
    blacklisted, say) in the reference month, at least ``keep_min`` must still hold it,
    judged once at least ``keep_min_group`` of them are present.
    """

    share_relative: float = 0.5
    share_absolute: float = 0.005
    noise_sigmas: float = 4.0
    missing_rise: float = 0.01
    psi: float = 0.1
    keep_min: float = 0.9
    keep_min_group: int = 20

    def __post_init__(self) -> None:
        if not 0.0 <= self.keep_min <= 1.0:
            raise ValueError(f"guard limit keep_min must be in [0, 1]; got {self.keep_min}.")
        for name in ("share_relative", "share_absolute", "noise_sigmas", "missing_rise", "psi",
                     "keep_min_group"):  # fmt: skip
            value = getattr(self, name)
            if value < 0.0:
                raise ValueError(f"guard limit {name} must be >= 0; got {value}.")


@dataclass(frozen=True)
class IdentityBand:
    """Where this month's ids must sit against the reference month's.

    ``seen_min``: share of this month's ids present in the reference month. ``list_ratio_min``:
    a known-id list (suppression, contact history) must match this month at least this
    ratio of how well it matched the reference month. ``repeat_max``: share of rows that
    may repeat the reference month row for row (same id, same numbers).
    """

    seen_min: float = 0.7
    list_ratio_min: float = 0.7
    repeat_max: float = 0.5

    def __post_init__(self) -> None:
        for name in ("seen_min", "list_ratio_min", "repeat_max"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"identity band {name} must be in [0, 1]; got {value}.")


@dataclass(frozen=True)
class TableRules:
    """Everything the gate checks for one table.

    Parameters
    ----------
    columns : column rules, in the table's order.
    id_column : must be unique (within the month when ``month_column`` is set).
    month_column : every row must carry the batch's month.
    cross_field_rules : row-wise rules evaluated with pandas ``eval``.
    row_count_band : allowed ratio of this batch's rows to the reference month's rows.
    value_tolerance : share of rows that may break a value check (range, set, not-null)
        before the batch is quarantined; a smaller share only warns.
    drift : default PSI thresholds; ``column_drift`` overrides them per column.
    missing_warn, missing_fail : rise in a column's missing share over the reference that
        warns or quarantines.
    guards : columns that protect people (eligibility, suppression): their shares, missing
        share and value set are held to ``guard_limits`` whatever their drift setting.
    formats : column -> regular expression every present value must match in full.
    identity : the band of id continuity against the reference month.
    """

    columns: tuple[ColumnRule, ...]
    id_column: str
    month_column: str | None = None
    cross_field_rules: tuple[CrossFieldRule, ...] = ()
    row_count_band: tuple[float, float] = (0.8, 1.25)
    value_tolerance: float = 0.001
    drift: DriftThresholds = field(default_factory=DriftThresholds)
    column_drift: dict[str, DriftThresholds] = field(default_factory=dict)
    missing_warn: float = 0.05
    missing_fail: float = 0.2
    guards: tuple[str, ...] = ()
    guard_limits: GuardLimits = field(default_factory=GuardLimits)
    formats: dict[str, str] = field(default_factory=dict)
    identity: IdentityBand = field(default_factory=IdentityBand)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        for guarded in (*self.guards, *self.formats):
            if guarded not in names:
                raise ValueError(f"guarded or formatted column {guarded!r} is not among the rules.")
        for column, pattern in self.formats.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"format of column {column!r} is not a regex: {exc}") from exc
        for ref, label in ((self.id_column, "id_column"), (self.month_column, "month_column")):
            if ref is not None and ref not in names:
                raise ValueError(f"{label} {ref!r} is not among the column rules.")
        low, high = self.row_count_band
        if not 0.0 <= low <= 1.0 <= high:
            raise ValueError(
                f"row_count_band must satisfy 0 <= low <= 1 <= high; got {self.row_count_band}."
            )
        if not 0.0 <= self.value_tolerance < 1.0:
            raise ValueError(f"value_tolerance must be in [0, 1); got {self.value_tolerance}.")
        if not 0.0 <= self.missing_warn <= self.missing_fail:
            raise ValueError(
                f"need 0 <= missing_warn <= missing_fail; got "
                f"{self.missing_warn}, {self.missing_fail}."
            )

    def column(self, name: str) -> ColumnRule:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"no column rule named {name!r}")

    def thresholds(self, column: str) -> DriftThresholds:
        return self.column_drift.get(column, self.drift)
