"""Dataset contract: a YAML spec, validated by pydantic, naming each column's role and domain.

Everything downstream (validation suite, personas, models, targeting) reads column lists from
a spec, so another table is supported by writing another spec rather than changing code.
"""

from __future__ import annotations

import re
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prospect.exceptions import SpecError

Role = Literal["id", "month", "numeric", "categorical", "boolean", "label", "pii"]
DType = Literal["string", "int", "float", "bool"]
FEATURE_ROLES = ("numeric", "categorical", "boolean")


class ColumnSpec(BaseModel):
    """One column: canonical name, role, type, domain, missingness and header aliases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    role: Role
    dtype: DType
    min: float | None = None
    max: float | None = None
    allowed: list[str | int] | None = None
    nullable: bool = False
    required: bool = True
    feature: bool = True
    aliases: list[str] = Field(default_factory=list)
    dimension: str | None = None
    label_kind: Literal["binary", "regression"] | None = None
    description: str = ""

    @model_validator(mode="after")
    def _check_domain(self) -> ColumnSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"column {self.name!r}: min {self.min} is above max {self.max}")
        if self.role == "label" and self.label_kind is None:
            raise ValueError(f"column {self.name!r}: a label needs label_kind binary|regression")
        return self

    @property
    def is_feature(self) -> bool:
        return self.role in FEATURE_ROLES and self.feature


class CrossFieldRule(BaseModel):
    """A row-wise rule over several columns, as a pandas ``eval`` expression.

    ``mostly`` is the share of rows that must satisfy it; ``severity`` says whether breaking
    it quarantines the batch or only warns.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    expr: str
    mostly: float = Field(default=1.0, ge=0.0, le=1.0)
    severity: Literal["warn", "quarantine"] = "quarantine"
    description: str = ""


class IdentitySpec(BaseModel):
    """The band this month's ids must sit in against the reference month (see the gate)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seen_min: float = Field(default=0.7, ge=0.0, le=1.0)
    list_ratio_min: float = Field(default=0.7, ge=0.0, le=1.0)
    repeat_max: float = Field(default=0.5, ge=0.0, le=1.0)


class GuardSpec(BaseModel):
    """The columns that protect people and the limits that keep them honest.

    ``columns`` are read by eligibility or suppression (blacklist, existing cardholder,
    real-name check, age, id): the gate holds their shares, missing share and value set to
    the reference month whatever their ``feature`` setting, and quarantines beyond the
    limits. ``formats`` maps a column to a regular expression every value must match in
    full. The defaults are strict.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: list[str] = Field(default_factory=list)
    share_relative: float = Field(default=0.5, ge=0.0)
    share_absolute: float = Field(default=0.005, ge=0.0)
    noise_sigmas: float = Field(default=4.0, ge=0.0)
    missing_rise: float = Field(default=0.01, ge=0.0)
    psi: float = Field(default=0.1, ge=0.0)
    keep_min: float = Field(default=0.9, ge=0.0, le=1.0)
    keep_min_group: int = Field(default=20, ge=1)
    formats: dict[str, str] = Field(default_factory=dict)
    identity: IdentitySpec = Field(default_factory=IdentitySpec)


class DatasetSpec(BaseModel):
    """A table's contract; the column lists other packages take come from here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    id_column: str
    month_column: str | None = None
    cross_field_rules: list[CrossFieldRule] = Field(default_factory=list)
    csv_separator: str = Field(default=",", min_length=1, max_length=1)
    columns: list[ColumnSpec]
    guards: GuardSpec = Field(default_factory=GuardSpec)

    @model_validator(mode="after")
    def _check_columns(self) -> DatasetSpec:
        seen: dict[str, str] = {}
        for col in self.columns:
            for key in (col.name, *col.aliases):
                if key in seen and seen[key] != col.name:
                    raise ValueError(f"header {key!r} maps to both {seen[key]!r} and {col.name!r}")
                seen[key] = col.name
        names = {c.name for c in self.columns}
        for ref, field in ((self.id_column, "id_column"), (self.month_column, "month_column")):
            if ref is not None and ref not in names:
                raise ValueError(f"{field} {ref!r} is not a column of the spec")
        for ref in (*self.guards.columns, *self.guards.formats):
            if ref not in names:
                raise ValueError(f"guards name {ref!r}, which is not a column of the spec")
        for ref, pattern in self.guards.formats.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"guards.formats.{ref}: not a regular expression: {exc}") from exc
        return self

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"spec {self.name!r} has no column {name!r}")

    def _names(self, *roles: str, features_only: bool = False) -> list[str]:
        return [
            c.name for c in self.columns if c.role in roles and (c.feature or not features_only)
        ]

    @cached_property
    def numeric_features(self) -> list[str]:
        return self._names("numeric", features_only=True)

    @cached_property
    def categorical_features(self) -> list[str]:
        return self._names("categorical", features_only=True)

    @cached_property
    def boolean_features(self) -> list[str]:
        return self._names("boolean", features_only=True)

    @cached_property
    def feature_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.is_feature]

    @cached_property
    def label_columns(self) -> list[str]:
        return self._names("label")

    @cached_property
    def pii_columns(self) -> list[str]:
        return self._names("pii")

    @cached_property
    def alias_map(self) -> dict[str, str]:
        """Header (canonical or alias, stripped) -> canonical name."""
        out: dict[str, str] = {}
        for col in self.columns:
            out[col.name] = col.name
            for alias in col.aliases:
                out[alias.strip()] = col.name
        return out

    def dimensions(self) -> dict[str, list[str]]:
        """Feature columns grouped by their scorecard dimension (identity, loyalty, ...)."""
        groups: dict[str, list[str]] = {}
        for col in self.columns:
            if col.is_feature and col.dimension:
                groups.setdefault(col.dimension, []).append(col.name)
        return groups


def builtin_spec_names() -> list[str]:
    folder = resources.files("prospect") / "specs"
    names = (p.name for p in folder.iterdir())
    return sorted(n.removesuffix(".yaml") for n in names if n.endswith(".yaml"))


def load_spec(name_or_path: str | Path) -> DatasetSpec:
    """Load a built-in spec by name (``subscriber_5g``) or any spec YAML by path."""
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        if not path.is_file():
            raise SpecError(f"spec file {path} does not exist")
        text, origin = path.read_text(encoding="utf-8"), str(path)
    else:
        res = resources.files("prospect") / "specs" / f"{name_or_path}.yaml"
        if not res.is_file():
            known = ", ".join(builtin_spec_names())
            raise SpecError(f"unknown spec {name_or_path!r}; built-in specs: {known}")
        text, origin = res.read_text(encoding="utf-8"), f"built-in spec {name_or_path}"
    try:
        return DatasetSpec.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise SpecError(f"{origin}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"{origin}: not valid YAML: {exc}") from exc
