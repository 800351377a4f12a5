"""The store's tables as SQLAlchemy 2 typed models, portable across SQLite and PostgreSQL.

Status columns are strings checked against a fixed tuple (no native enums, so migrations stay
the same on both backends); JSON columns hold reports, configs and explanations.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from prospect.risk_filter import SCORECARD, risk_section
from prospect.store.types import UTCDateTime, utcnow

RUN_STATUSES = (
    "queued", "validating", "scoring", "selecting", "draft",
    "quarantined", "failed", "approved", "rejected",
)  # fmt: skip
DQ_OUTCOMES = ("pass", "warn", "quarantine")
CAMPAIGN_STATUSES = ("draft", "approved", "rejected", "superseded")
ROLES = ("viewer", "reviewer", "admin")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite has no BIGINT autoincrement; its INTEGER primary key is already 64-bit.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def _choice(name: str, values: tuple[str, ...]) -> Enum:
    return Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so Alembic can name and drop constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class DQReport(Base):
    __tablename__ = "dq_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    spec_name: Mapped[str] = mapped_column(String(64))
    batch_path: Mapped[str] = mapped_column(Text)
    batch_checksum: Mapped[str] = mapped_column(String(128), index=True)
    outcome: Mapped[str] = mapped_column(_choice("dq_outcome", DQ_OUTCOMES))
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    html_path: Mapped[str | None] = mapped_column(Text)
    json_path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Run(Base):
    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    batch_path: Mapped[str] = mapped_column(Text)
    batch_checksum: Mapped[str] = mapped_column(String(128))
    model_version: Mapped[str] = mapped_column(String(64))
    config_hash: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(_choice("run_status", RUN_STATUSES), default="queued")
    failure_reason: Mapped[str | None] = mapped_column(Text)
    dq_report_id: Mapped[int | None] = mapped_column(ForeignKey("dq_reports.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requested_by: Mapped[str | None] = mapped_column(String(128))


APPROVED_ONLY = text("status = 'approved'")


class Campaign(Base):
    """A month's target list; the database itself holds at most one approved list per month."""

    __tablename__ = "campaigns"
    __table_args__ = (
        Index(
            "ux_campaigns_month_approved", "month", unique=True,
            sqlite_where=APPROVED_ONLY, postgresql_where=APPROVED_ONLY,
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), unique=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(
        _choice("campaign_status", CAMPAIGN_STATUSES), default="draft"
    )
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model_version: Mapped[str] = mapped_column(String(64))
    n_targets: Mapped[int] = mapped_column(Integer, default=0)
    n_control: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str | None] = mapped_column(Text)

    @property
    def risk_filter(self) -> str:
        """``"scorecard"``, or ``"none"`` for a list selected without a risk model."""
        return str((self.summary or {}).get("risk_filter", SCORECARD))

    @property
    def risk_warning(self) -> str | None:
        """What a person must read before contacting a list without a risk filter."""
        return risk_section(self.risk_filter)["risk_warning"]


class Target(Base):
    """One subscriber on a campaign list; ``rank`` is unique per campaign (the paging cursor)."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("campaign_id", "user_id"),
        Index("ux_targets_campaign_rank", "campaign_id", "rank", unique=True),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    user_id: Mapped[str] = mapped_column(String(64))
    msisdn: Mapped[str | None] = mapped_column(String(32))
    rank: Mapped[int] = mapped_column(Integer)
    persona: Mapped[str | None] = mapped_column(String(64))
    p_demand: Mapped[float] = mapped_column(Float)
    pd: Mapped[float | None] = mapped_column(Float)  # None: the bundle had no risk model
    score_points: Mapped[float | None] = mapped_column(Float)
    expected_value: Mapped[float] = mapped_column(Float)
    is_control: Mapped[bool] = mapped_column(Boolean, default=False)
    why: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Suppression(Base):
    """A suppressed subscriber as first listed; later opt-outs go to :class:`SuppressionRecord`."""

    __tablename__ = "suppression"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class SuppressionRecord(Base):
    """Append-only history of suppression requests: a repeated opt-out adds a row, never
    overwrites the first reason, who and when."""

    __tablename__ = "suppression_history"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactHistory(Base):
    """One contact of a subscriber: what contact caps count and what makes a treated row.

    A campaign contacts a subscriber at most once (``campaign_id, user_id`` is unique; rows
    without a campaign, from other marketing, only count towards the caps).
    """

    __tablename__ = "contact_history"
    __table_args__ = (
        Index("ux_contact_history_campaign_user", "campaign_id", "user_id", unique=True),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    channel: Mapped[str] = mapped_column(String(32))
    contacted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Response(Base):
    """Whether a contacted or control subscriber of a campaign took the card, and on which day
    (``taken_on``; null when they did not, or for rows loaded before it was recorded)."""

    __tablename__ = "responses"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    took_card: Mapped[bool] = mapped_column(Boolean)
    taken_on: Mapped[date | None] = mapped_column(Date)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotentRequest(Base):
    """A POST made with an ``Idempotency-Key``: the answer it got, replayed to a repeat.

    Keys are scoped by caller (``scope``), so two API keys never see each other's answers;
    ``request_hash`` tells a true repeat from a different request reusing the key.
    """

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("scope", "idempotency_key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    scope: Mapped[str] = mapped_column(String(128))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """One review event or state change: who did what to which entity, and the details."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(_choice("user_role", ROLES))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    pii_access: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginSession(Base):
    """A review-page login: only the sha256 of the random id in the cookie is kept.

    Ends at ``expires_at`` (absolute lifetime), after an idle gap longer than the configured
    timeout since ``last_seen_at``, or when revoked (logout, user disabled, password changed).
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginThrottle(Base):
    """Failed review-page logins of one username or one client address, and its lockout."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("scope", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(128))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]


class ApiKey(Base):
    """An API key: only the sha256 of the full key is kept; ``prefix`` identifies it in lists."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(_choice("api_key_role", ROLES))
    pii_access: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(128))
    revoked_at: Mapped[datetime | None]


class ModelVersion(Base):
    __tablename__ = "model_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)


# -- Early warning for new cardholders (issue 21) ------------------------------------------

ALERT_STATUSES = ("open", "acknowledged", "closed")
ALERT_SEVERITIES = ("low", "medium", "high")
DELIVERY_STATUSES = ("pending", "delivered", "dead")
_OPEN_ALERT = "status != 'closed'"


class Cardholder(Base):
    """A subscriber who took the card: watched from ``issued_on`` until ``watch_until``."""

    __tablename__ = "cardholders"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    watch_until: Mapped[date] = mapped_column(Date, index=True)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_by: Mapped[str] = mapped_column(String(128))


class Alert(Base):
    """A warning on a cardholder for one cause; at most one not-closed alert per cardholder
    and cause (a partial unique index), so a cause that persists is not raised every month."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "ux_alerts_open_cause", "user_id", "cause", unique=True,
            sqlite_where=text(_OPEN_ALERT), postgresql_where=text(_OPEN_ALERT),
        ),
        Index("ix_alerts_status_month", "status", "month"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("cardholders.user_id"), index=True)
    cause: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(_choice("alert_severity", ALERT_SEVERITIES))
    status: Mapped[str] = mapped_column(_choice("alert_status", ALERT_STATUSES), default="open")
    month: Mapped[str] = mapped_column(String(7))
    run_id: Mapped[str | None] = mapped_column(String(128))
    pd: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(128))
    comment: Mapped[str | None] = mapped_column(Text)


class WebhookDelivery(Base):
    """One alert to push to the bank: its body, idempotency key and where delivery stands."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        _choice("delivery_status", DELIVERY_STATUSES), default="pending"
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class WebhookAttempt(Base):
    """The delivery log: every POST tried, with what came back."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    seconds: Mapped[float] = mapped_column(Float)
