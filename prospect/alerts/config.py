"""Early-warning configuration: how long a cardholder is watched and the alert rules, from YAML.

A rule names a cause (the alert's key: one open alert per cardholder and cause) and a
severity, and is one of:

- ``threshold``: a history feature (``<indicator>__<kind>``, see
  :mod:`risk.early_warning.history`) compared with a value, e.g. arrears this month >= 1;
- ``falling``: an indicator lower than the month before, ``months`` months in a row;
- ``score_level``: the early-warning model's PD at or above ``value``;
- ``score_ratio``: the PD at least ``value`` times what it was ``months`` months ago (and at
  least ``min_pd``, so a move from 0.1% to 0.2% does not page anyone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prospect.exceptions import ConfigError
from risk.early_warning.history import KINDS, SEPARATOR

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "early_warning.yaml"
OPERATORS = (">=", ">", "<=", "<", "==")


class Rule(BaseModel):
    """One alert rule (see the module docstring for the kinds)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cause: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    kind: Literal["threshold", "falling", "score_level", "score_ratio"]
    severity: Literal["low", "medium", "high"]
    feature: str | None = None
    indicator: str | None = None
    op: Literal[">=", ">", "<=", "<", "=="] = ">="
    value: float | None = None
    months: int = Field(default=1, ge=1, le=24)
    min_pd: float = Field(default=0.0, ge=0, le=1)
    description: str = ""

    @model_validator(mode="after")
    def _fields_of_kind(self) -> Rule:
        need = {"threshold": ("feature", "value"), "falling": ("indicator",),
                "score_level": ("value",), "score_ratio": ("value",)}[self.kind]  # fmt: skip
        missing = [name for name in need if getattr(self, name) is None]
        if missing:
            raise ValueError(f"rule {self.cause!r} of kind {self.kind!r} needs {missing}")
        if self.feature is not None:
            kind = self.feature.rpartition(SEPARATOR)[2]
            if SEPARATOR not in self.feature or kind not in KINDS:
                raise ValueError(
                    f"rule {self.cause!r}: feature must be '<indicator>{SEPARATOR}<kind>' with "
                    f"kind one of {KINDS}; got {self.feature!r}"
                )
        return self

    @property
    def indicator_name(self) -> str | None:
        """The panel column the rule reads (None for rules on the model's score)."""
        if self.feature is not None:
            return self.feature.rpartition(SEPARATOR)[0]
        return self.indicator


class AlertConfig(BaseModel):
    """Watch period, model horizon and rules; ``history_months`` of panel are kept per month."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    watch_months: int = Field(default=12, ge=1, le=120)
    history_months: int = Field(default=7, ge=2, le=36)
    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _unique_causes(self) -> AlertConfig:
        causes = [r.cause for r in self.rules]
        dup = sorted({c for c in causes if causes.count(c) > 1})
        if dup:
            raise ValueError(f"each rule needs its own cause; repeated: {dup}")
        return self

    def indicators(self) -> list[str]:
        """Panel columns the rules read, in rule order without repeats."""
        names = [r.indicator_name for r in self.rules]
        return list(dict.fromkeys(n for n in names if n is not None))


def load_alert_config(path: str | Path | None = None) -> AlertConfig:
    """Read and validate an early-warning YAML; ``None`` loads the packaged default.

    Raises ConfigError naming the file and the field when it is unreadable or invalid.
    """
    source = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read early-warning config {source}: {exc}") from exc
    try:
        return AlertConfig.model_validate(raw or {})
    except ValidationError as exc:
        raise ConfigError(f"invalid early-warning config {source}: {exc}") from exc
