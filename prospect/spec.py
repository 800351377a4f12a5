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

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prospect.exceptions import SpecError
from prospect.expressions import Expression

Role = Literal["id", "month", "numeric", "categorical", "boolean", "label", "pii"]
DType = Literal["string", "int", "float", "bool"]
FEATURE_ROLES = ("numeric", "categorical", "boolean")
RULE_PARAMETERS = ("min_age",)  # campaign-config values an eligibility rule may read
BUNDLE_SPEC_FILE = "spec.yaml"  # a model bundle keeps the spec it was trained on here


class PersonaWords(BaseModel):
    """Words a persona name uses for a column: ``low`` and ``high`` for a numeric or boolean
    column well below or above average, ``values`` for a categorical column's categories
    (an empty word means "never name a persona by this")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: str = ""
    high: str = ""
    values: dict[str, str] = Field(default_factory=dict)


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
    title: str = ""
    title_zh: str = ""
    words: PersonaWords | None = None
    missing_values: list[float] = Field(default_factory=list)
    special_values: list[float] = Field(default_factory=list)
    derive: str | None = None

    @model_validator(mode="after")
    def _check_domain(self) -> ColumnSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"column {self.name!r}: min {self.min} is above max {self.max}")
        if self.role == "label" and self.label_kind is None:
            raise ValueError(f"column {self.name!r}: a label needs label_kind binary|regression")
        if (self.missing_values or self.special_values) and self.role != "numeric":
            raise ValueError(
                f"column {self.name!r}: missing_values and special_values need role numeric; "
                f"got {self.role!r}"
            )
        if self.derive is not None and (self.required or self.role not in ("numeric", "boolean")):
            raise ValueError(
                f"column {self.name!r}: a derived column is computed, not read: it needs "
                f"required: false and role numeric or boolean"
            )
        return self

    @property
    def readable(self) -> str:
        """What a marketer or reviewer calls the column: its title, else its description."""
        return self.title or self.description or self.name.replace("_", " ")

    @property
    def is_feature(self) -> bool:
        return self.role in FEATURE_ROLES and self.feature


class LabelRoles(BaseModel):
    """Which label column the propensity model learns (``demand``), which the scorecard learns
    (``risk``), and an optional credit score (``score``). A table may carry only one of
    demand and risk; the product then says what it does without the other."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    demand: str | None = None
    risk: str | None = None
    score: str | None = None


class EligibilityRule(BaseModel):
    """Who may be contacted: ``require`` must hold for a row, else the row is excluded with
    ``name`` as its reason. A missing value never satisfies a comparison, so an unknown
    verification or age is a reason not to contact. ``min_age`` of the campaign config may be
    used as a name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    require: str
    description: str = ""

    @cached_property
    def expression(self) -> Expression:
        return Expression(self.require, where=f"eligibility rule {self.name!r}")


class Eligibility(BaseModel):
    """Rules applied in order (the first failing one is the row's reason), and the column the
    opt-out list holds values of (``opt_out_key``; the id column when not given)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[EligibilityRule] = Field(default_factory=list)
    opt_out_key: str | None = None


class PersonaColumns(BaseModel):
    """The columns personas are built on; every feature when not given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    numeric: list[str] = Field(default_factory=list)
    categorical: list[str] = Field(default_factory=list)


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
    labels: LabelRoles = LabelRoles()
    eligibility: Eligibility = Eligibility()
    personas: PersonaColumns = PersonaColumns()
    columns: list[ColumnSpec]
    guards: GuardSpec = Field(default_factory=GuardSpec)
    contact_column: str | None = None

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
        if self.contact_column is not None and (
            self.contact_column not in names or self.column(self.contact_column).role != "pii"
        ):
            raise ValueError(
                f"contact_column {self.contact_column!r} must be a column of role pii (the "
                "number a channel dials is personal data, masked unless a user may see it)"
            )
        self._check_labels()
        self._check_expressions(names)
        for name in [*self.personas.numeric, *self.personas.categorical]:
            if name not in names or not self.column(name).is_feature:
                raise ValueError(f"personas names {name!r}, which is not a feature column")
        return self

    def _check_labels(self) -> None:
        for role, name in self.labels.model_dump().items():
            if name is None:
                continue
            if name not in self.label_columns:
                raise ValueError(
                    f"labels.{role} must be one of the label columns {self.label_columns}; "
                    f"got {name!r}"
                )
            kind = self.column(name).label_kind
            if role != "score" and kind != "binary":
                raise ValueError(f"labels.{role} {name!r} must be a binary label; got {kind}")

    def _check_expressions(self, names: set[str]) -> None:
        """Every derived column and rule parses and reads only known names (SpecError)."""
        seen = set(names) - {c.name for c in self.columns if c.derive}
        for col in self.columns:  # a derived column may use the derived columns above it
            if col.derive is not None:
                where = f"derived column {col.name!r}"
                Expression(col.derive, where=where).check_names(seen)
                seen.add(col.name)
        rule_names = [rule.name for rule in self.eligibility.rules]
        twice = sorted({n for n in rule_names if rule_names.count(n) > 1})
        if twice:
            raise ValueError(f"eligibility rule names must be unique; {twice} appear twice")
        for rule in self.eligibility.rules:
            rule.expression.check_names(names | set(RULE_PARAMETERS))
        key = self.eligibility.opt_out_key
        if key is not None and key not in names:
            raise ValueError(f"eligibility.opt_out_key {key!r} is not a column of the spec")

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

    @cached_property
    def derived_columns(self) -> list[tuple[str, Expression]]:
        """Computed columns in spec order, each with its parsed expression."""
        return [
            (c.name, Expression(c.derive, where=f"derived column {c.name!r}"))
            for c in self.columns
            if c.derive is not None
        ]

    def add_derived(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with every derived column computed (in place, once, after reading)."""
        for name, expression in self.derived_columns:
            try:
                value = expression.evaluate(frame)
                frame[name] = (
                    pd.to_numeric(value, errors="raise")
                    if isinstance(value, pd.Series)
                    else float(value)
                )
            except (TypeError, ValueError) as exc:
                raise SpecError(f"{expression.where}: {expression.text!r} failed: {exc}") from exc
            frame[name] = frame[name].astype(float).replace([np.inf, -np.inf], np.nan)
        return frame

    @cached_property
    def missing_value_map(self) -> dict[str, list[float]]:
        """Sentinels meaning "unknown" per numeric feature (the propensity model's NaN)."""
        return {
            c.name: list(c.missing_values)
            for c in self.columns
            if c.missing_values and c.is_feature
        }

    @cached_property
    def special_value_map(self) -> dict[str, list[float]]:
        """Values the scorecard's binner keeps in bins of their own: sentinels and specials."""
        return {
            c.name: sorted({*c.missing_values, *c.special_values})
            for c in self.columns
            if (c.missing_values or c.special_values) and c.is_feature
        }

    @property
    def opt_out_key(self) -> str:
        return self.eligibility.opt_out_key or self.id_column

    @property
    def contact_source(self) -> str | None:
        """The column a list's contact number (``msisdn`` in targets) comes from: the spec's
        ``contact_column``, else a column named ``msisdn``, else none (the list has no
        number; the CRM joins on the id)."""
        if self.contact_column is not None:
            return self.contact_column
        return "msisdn" if any(c.name == "msisdn" for c in self.columns) else None

    @cached_property
    def guarded_columns(self) -> list[str]:
        """Columns the gate holds to the reference month whatever their ``feature`` setting:
        those ``guards`` names, the id, the opt-out key and every column an eligibility rule
        reads (a rule's column is a promise to people, so it is guarded by construction)."""
        wanted = {*self.guards.columns, self.id_column, self.opt_out_key,
                  *self.eligibility_columns}  # fmt: skip
        return [c.name for c in self.columns if c.name in wanted]

    @cached_property
    def eligibility_columns(self) -> list[str]:
        """Columns the eligibility rules read, in spec order."""
        used = set().union(*(r.expression.names for r in self.eligibility.rules))
        return [c.name for c in self.columns if c.name in used]

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
