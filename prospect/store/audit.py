"""The audit log: every review event and every state change a user caused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from prospect.store.models import AuditEvent

# Entity names of audit rows: one spelling each, so a record's history finds all its events.
CAMPAIGN_ENTITY = "campaigns"
RUN_ENTITY = "runs"
USER_ENTITY = "users"
API_KEY_ENTITY = "api_keys"
SUPPRESSION_ENTITY = "suppression"
MODEL_ENTITY = "model_versions"
LOGIN_ENTITY = "logins"
REQUEST_ENTITY = "requests"


def record_audit(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit row to ``session``; it is written with the change it describes or not at all.

    Parameters
    ----------
    actor : str
        Who acted (username, ``key:<prefix>`` or ``cli:<os user>``).
    action : str
        What happened, e.g. ``"api_key.created"`` or ``"campaign.approved"``.
    entity, entity_id : str
        The table and key of the record acted on.
    detail : dict, optional
        JSON-serialisable context (comment, counts, old and new status).
    """
    if not actor:
        raise ValueError("actor must be a non-empty string naming who acted; got ''.")
    event = AuditEvent(
        actor=actor, action=action, entity=entity, entity_id=str(entity_id), detail=detail or {}
    )
    session.add(event)
    session.flush()
    return event


def audit_trail(session: Session, entity: str, entity_id: str | int) -> list[AuditEvent]:
    """The audit rows of one record, oldest first (what a reviewer sees as its history)."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return list(session.scalars(stmt))


def audit_query(
    *, actor: str | None = None, action: str | None = None, entity: str | None = None,
    since: datetime | None = None, until: datetime | None = None,
) -> Select[tuple[AuditEvent]]:  # fmt: skip
    """Audit rows matching every filter given (``action`` ending in ``.`` matches a prefix,
    e.g. ``campaign.``); ``since`` inclusive, ``until`` exclusive. Order by
    :data:`NEWEST_FIRST`."""
    stmt = select(AuditEvent)
    if actor is not None:
        stmt = stmt.where(AuditEvent.actor == actor)
    if action is not None:
        prefix = action.endswith(".")
        stmt = stmt.where(
            AuditEvent.action.startswith(action, autoescape=True) if prefix
            else AuditEvent.action == action
        )  # fmt: skip
    if entity is not None:
        stmt = stmt.where(AuditEvent.entity == entity)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt


NEWEST_FIRST = (AuditEvent.at.desc(), AuditEvent.id.desc())
