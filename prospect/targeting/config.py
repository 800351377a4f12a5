"""Campaign configuration: a YAML file validated by pydantic, so a bad config fails at load.

The budget is either a number of contacts or money; with money, the contacts are capped at
``floor(money / cost_per_contact[channel])``, because one campaign uses one channel and every
contact on it costs the same. The budget counts contacts only: the random control group is
sized apart, by the power calculation of ``control`` (:mod:`prospect.control_power`), and added
to the list beside the contacts.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prospect.exceptions import ConfigError

DEFAULT_QUOTA_KEY = "*"
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "default_campaign.yaml"


class Budget(BaseModel):
    """Exactly one of ``contacts`` (count) or ``money`` (currency units)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contacts: int | None = Field(default=None, ge=0)
    money: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_kind(self) -> Budget:
        if (self.contacts is None) == (self.money is None):
            raise ValueError("budget needs exactly one of 'contacts' or 'money'")
        return self


class RiskCeiling(BaseModel):
    """Per-target PD cap and portfolio cap on expected defaults among expected takers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_pd: float | None = Field(default=None, gt=0, le=1)
    max_expected_default_rate: float | None = Field(default=None, gt=0, le=1)


class Quota(BaseModel):
    """Bounds on a persona's share of the selected list (control group included).

    Quotas are keyed by persona_name; the key ``"*"`` is the default for every persona
    without its own entry (a named entry replaces the default, it does not add to it).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_share: float = Field(default=0.0, ge=0, le=1)
    max_share: float = Field(default=1.0, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Quota:
        if self.min_share > self.max_share:
            raise ValueError(
                f"min_share {self.min_share} is above max_share {self.max_share} in a quota"
            )
        return self


class ContactPolicy(BaseModel):
    """No contact within ``quiet_days`` of the last one; at most ``max_contacts`` per window."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quiet_days: int = Field(default=30, ge=0)
    max_contacts: int = Field(default=3, ge=1)
    window_days: int = Field(default=90, ge=1)


class Solver(BaseModel):
    """How close to the best possible list the chosen one must be proven (``max_gap``, a share
    of the list's value; 0 asks for optimal up to floating point) and how long each solve's
    proof may take (``time_limit_seconds``: the list, and the propensity-ranked list it is
    compared with, are two solves). On time the best list found is kept and the summary shows
    the gap proven so far."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_gap: float = Field(default=1e-5, ge=0, lt=1)
    time_limit_seconds: float | None = Field(default=600.0, gt=0)


class ControlGroup(BaseModel):
    """The smallest uplift the campaign must be able to show against its random control, at
    level ``alpha`` with probability ``power``; the control is sized for it (never above the
    number of contacts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_uplift: float = Field(default=0.05, gt=0, lt=1)
    alpha: float = Field(default=0.05, gt=0, lt=1)
    power: float = Field(default=0.8, gt=0, lt=1)


class CampaignConfig(BaseModel):
    """Everything that decides a campaign list besides the scored data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "campaign"
    channel: str
    cost_per_contact: dict[str, float]
    budget: Budget
    value_good: float = Field(gt=0, description="value of a new cardholder who does not default")
    loss_default: float = Field(ge=0, description="loss when a new cardholder defaults")
    risk: RiskCeiling = RiskCeiling()
    quotas: dict[str, Quota] = Field(default_factory=dict)
    control: ControlGroup | None = Field(
        default_factory=ControlGroup, description="null: no control group (nothing measured)"
    )
    contact_policy: ContactPolicy = ContactPolicy()
    solver: Solver = Solver()
    min_age: int = Field(default=18, ge=0)
    min_contacts: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> CampaignConfig:
        if self.channel not in self.cost_per_contact:
            raise ValueError(
                f"channel must be one of {sorted(self.cost_per_contact)}; got {self.channel!r}"
            )
        if any(cost < 0 for cost in self.cost_per_contact.values()):
            raise ValueError("cost_per_contact values must be >= 0")
        named = [q.min_share for key, q in self.quotas.items() if key != DEFAULT_QUOTA_KEY]
        if sum(named) > 1 + 1e-12:
            raise ValueError(f"quota min_share values sum to {sum(named):g}, above 1")
        if self.min_contacts > self.max_contacts:
            raise ValueError(
                f"min_contacts {self.min_contacts} is above the budget of {self.max_contacts}"
            )
        return self

    @property
    def contact_cost(self) -> float:
        return self.cost_per_contact[self.channel]

    @property
    def max_list_size(self) -> int:
        """Most rows a list can hold: the contacts plus a control of at most as many."""
        return self.max_contacts * (1 if self.control is None else 2)

    @property
    def max_contacts(self) -> int:
        """Contacts the budget allows (the control group comes on top)."""
        if self.budget.contacts is not None:
            return self.budget.contacts
        assert self.budget.money is not None
        if self.contact_cost == 0:
            raise ValueError("a money budget needs a positive cost_per_contact for the channel")
        return math.floor(self.budget.money / self.contact_cost + 1e-9)

    def quota_for(self, persona_name: str) -> Quota:
        """The persona's own quota, else the ``"*"`` default, else no bound."""
        return self.quotas.get(persona_name, self.quotas.get(DEFAULT_QUOTA_KEY, Quota()))


def load_campaign_config(path: str | Path | None = None) -> CampaignConfig:
    """Read and validate a campaign YAML; ``None`` loads the packaged default.

    Raises
    ------
    ConfigError
        The file is missing, is not YAML, or breaks a rule (the message names the field).
    """
    if path is None:
        text = DEFAULT_CONFIG.read_text(encoding="utf-8")
        source = "default_campaign.yaml"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read campaign config {path}: {exc}") from exc
        source = str(path)
    try:
        raw = yaml.safe_load(text)
        return CampaignConfig.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"invalid campaign config {source}: {exc}") from exc
