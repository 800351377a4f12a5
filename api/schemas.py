"""Response and request models of the REST API; every endpoint declares one of these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PROBLEM_MEDIA_TYPE = "application/problem+json"
RecordId = Annotated[int, Path(ge=1, le=2_147_483_647)]
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"  # ASCII digits: \d also matches ۲ and ༥
CampaignStatus = Literal["draft", "approved", "rejected", "superseded"]
RunStatus = Literal[
    "queued", "validating", "scoring", "selecting", "draft",
    "quarantined", "failed", "approved", "rejected",
]  # fmt: skip
UserId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
StabilityStatus = Literal["stable", "monitor", "shifted"]
RiskFilter = Literal["scorecard", "none"]


class ProblemDetail(BaseModel):
    """RFC 9457 problem document returned for every 4xx/5xx answer."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = None


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting ``codes`` (plus 401, 403, 422) as problem documents."""
    every = sorted({401, 403, 422, *codes})
    return {code: {"model": ProblemDetail, "content": {PROBLEM_MEDIA_TYPE: {}}} for code in every}


class _FromRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CampaignOut(_FromRow):
    id: int
    run_id: str
    month: str
    name: str
    status: CampaignStatus
    model_version: str
    n_targets: int
    n_control: int
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    risk_filter: RiskFilter = Field(
        description="scorecard: selected with the bundle's risk model; none: no risk filter "
        "was applied (the bundle has no scorecard), see risk_warning"
    )
    risk_warning: str | None = Field(description="set when risk_filter is none")


class CampaignDetail(CampaignOut):
    """A campaign with its summary: persona mix, expected yield and risk, exclusions."""

    review_comment: str | None
    summary: dict[str, Any]
    config: dict[str, Any]


class CampaignPage(BaseModel):
    items: list[CampaignOut]
    total: int
    limit: int
    offset: int


class TargetOut(BaseModel):
    """One target row; only the requested ``fields`` are present."""

    user_id: str | None = None
    msisdn: str | None = None
    rank: int | None = None
    persona: str | None = None
    p_demand: float | None = None
    pd: float | None = None
    score_points: float | None = None
    expected_value: float | None = None
    is_control: bool | None = None
    why: dict[str, Any] | None = None


class TargetPage(BaseModel):
    campaign_id: int
    items: list[TargetOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")
    limit: int


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str = Field(pattern=MONTH_PATTERN, examples=["2026-10"])
    batch: str | None = Field(
        default=None, max_length=255, pattern=r"^\w[\w.\-]*$",
        description="Batch file name in the landing folder; by default the month's batch.",
    )  # fmt: skip


class RunAccepted(BaseModel):
    run_id: str
    status_url: str


class StabilityRow(BaseModel):
    variable: str
    psi: float
    status: StabilityStatus


class RunOut(_FromRow):
    run_id: str
    month: str
    status: RunStatus
    model_version: str
    batch_checksum: str
    requested_by: str | None
    failure_reason: str | None
    dq_report_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    timings: dict[str, float]
    score_psi: float | None = Field(
        default=None,
        description="PSI of the scorecard's score points against its training data; null "
        "until selection, or when the model bundle has no stability profile.",
    )
    stability_status: StabilityStatus | None = Field(
        default=None, description="The score's status: PSI < 0.10 stable, < 0.25 monitor."
    )
    stability_features: list[StabilityRow] = Field(
        default_factory=list, description="The five scorecard features with the highest PSI."
    )


class StabilityBin(BaseModel):
    bin: str
    reference: float = Field(description="Share of the training rows in this bin.")
    current: float = Field(description="Share of the run's rows in this bin.")


class StabilityFeature(StabilityRow):
    bins: list[StabilityBin]


class StabilityReport(BaseModel):
    """Has the scored population moved away from the scorecard's training population?"""

    run_id: str
    month: str
    model_version: str
    score_psi: float | None
    status: StabilityStatus | None
    score_bins: list[StabilityBin]
    thresholds: dict[str, float] = Field(
        description="PSI from which a variable is monitor or shifted."
    )
    n_reference: int = Field(description="Rows of the scorecard's training data.")
    n_current: int = Field(description="Rows scored in the run.")
    features: list[StabilityFeature] = Field(
        description="Every scorecard feature, worst first, with its bins."
    )


class RunPage(BaseModel):
    items: list[RunOut]
    total: int
    limit: int
    offset: int


class DQReportOut(_FromRow):
    id: int
    month: str
    spec_name: str
    batch_checksum: str
    outcome: Literal["pass", "warn", "quarantine"]
    created_at: datetime


class DQReportDetail(DQReportOut):
    summary: dict[str, Any]


class DQReportPage(BaseModel):
    items: list[DQReportOut]
    total: int
    limit: int
    offset: int


class PersonaOut(BaseModel):
    persona: int
    name: str
    size: int
    share: float
    profile: dict[str, Any] = Field(description="Means, deltas to population and modes.")


class PersonaList(BaseModel):
    model_version: str
    personas: list[PersonaOut]


class ModelOut(_FromRow):
    version: str
    checksum: str
    created_at: datetime
    promoted_at: datetime | None
    is_active: bool
    metrics: dict[str, Any]


class ModelCard(BaseModel):
    version: str
    is_active: bool
    card: dict[str, Any]


class SuppressionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_ids: list[UserId] = Field(min_length=1, max_length=100_000)
    reason: str = Field(min_length=1, max_length=500)
    source: str = Field(default="api", min_length=1, max_length=64)


class SuppressionResult(BaseModel):
    added: int = Field(description="User ids not suppressed before this request.")
    recorded: int = Field(
        description="Distinct user ids of the request, each added to the suppression history."
    )


class ComponentHealth(BaseModel):
    ok: bool
    detail: str


class Health(BaseModel):
    status: Literal["ok"]
    database: ComponentHealth
    broker: ComponentHealth


class HealthProblem(ProblemDetail):
    """503 answer of the health check: a problem document saying which component is down."""

    database: ComponentHealth
    broker: ComponentHealth


class AuditEventOut(_FromRow):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int
