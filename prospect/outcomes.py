"""After review: record who was contacted and who took a card, and measure the take-up.

One code path for the CLI (``prospect send``, ``prospect responses``) and the API
(``POST /api/v1/campaigns/{id}/contacts`` and ``.../responses``): the checks and the writes are
here, the callers only parse their input. A campaign is contacted only once it is approved,
and only its non-control targets; responses are kept only for subscribers on the list or in
its control group (others are refused and counted, never silently dropped). Re-posting the same
batch changes nothing and answers the same.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospect.exceptions import ProspectError
from prospect.settings import Settings
from prospect.store import insert_contacts, record_audit, save_responses
from prospect.store.audit import CAMPAIGN_ENTITY
from prospect.store.contacts import (
    campaign_contacts,
    campaign_responses,
    first_contact,
    target_groups,
)
from prospect.store.history import campaign_outcomes
from prospect.store.models import Campaign, Target
from prospect.store.types import utcnow
from prospect.targeting import ContactRow, ResponseRow, read_response_file, response_report

SHOWN_IDS = 100
"""Refused or conflicting subscriber ids named in an answer (all are counted)."""


class CampaignStateError(ProspectError):
    """The campaign is not in a state that allows this (e.g. sending a draft)."""


class CampaignNotFoundError(CampaignStateError):
    """No campaign has this id."""


class BatchConflictError(ProspectError):
    """A posted batch contradicts what is stored (e.g. a contact re-sent at another time)."""


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFoundError(f"campaign {campaign_id} does not exist")
    return campaign


def _approved(session: Session, campaign_id: int) -> Campaign:
    campaign = _campaign(session, campaign_id)
    if campaign.status != "approved":
        raise CampaignStateError(
            f"campaign {campaign_id} is {campaign.status}; only approved campaigns are sent"
        )
    return campaign


def require_unique_ids(user_ids: Sequence[str], what: str) -> None:
    """A batch names each subscriber once (ValueError naming both rows otherwise)."""
    first: dict[str, int] = {}
    for i, user_id in enumerate(user_ids):
        if user_id in first:
            raise ValueError(f"{what} row {i}: user_id {user_id!r} repeats row {first[user_id]}")
        first[user_id] = i


def _refusal(refused: Sequence[str]) -> dict[str, Any]:
    ordered = sorted(refused)
    return {"refused": len(ordered), "refused_ids": ordered[:SHOWN_IDS]}


def mark_sent(session: Session, campaign_id: int, *, channel: str, actor: str) -> int:
    """Record a contact now for every non-control target of an approved campaign, once.

    Returns how many contacts were recorded (0 when the campaign was already marked sent).
    """
    _approved(session, campaign_id)
    if not channel:
        raise ValueError("channel must name the contact channel (e.g. 'sms'); got ''.")
    if first_contact(session, campaign_id) is not None:
        return 0
    users = session.scalars(
        select(Target.user_id).where(Target.campaign_id == campaign_id, ~Target.is_control)
    ).all()
    at = utcnow()
    n = insert_contacts(session, campaign_id, [(u, at, channel) for u in users])
    record_audit(session, actor, "campaign.sent", CAMPAIGN_ENTITY, campaign_id, {"contacts": n})
    return n


def record_contacts(
    session: Session, campaign_id: int, rows: Sequence[ContactRow], *, actor: str
) -> dict[str, Any]:
    """Store the contacts a CRM sent for an approved campaign; audited with who and how many.

    Contacts of subscribers not on the list, or in its control group, are refused (counted,
    first ids named). A contact already stored with the same time and channel is accepted
    again unchanged; one stored with another time or channel (also by a concurrent post)
    raises BatchConflictError, and the caller rolls the batch back.
    """
    _approved(session, campaign_id)
    user_ids = [r.user_id for r in rows]
    require_unique_ids(user_ids, "contacts")
    groups = target_groups(session, campaign_id, user_ids)
    refused = [u for u in user_ids if groups.get(u, True)]  # absent or control
    valid = [r for r in rows if groups.get(r.user_id) is False]
    valid_ids = [r.user_id for r in valid]
    before = campaign_contacts(session, campaign_id, valid_ids)
    new = [r for r in valid if r.user_id not in before]
    insert_contacts(session, campaign_id, [(r.user_id, r.contacted_at, r.channel) for r in new])
    # compared after the write: a concurrent post of another time inserted first is seen here
    # (the insert waited for its commit), so it is a conflict, not a silent "accepted"
    stored = campaign_contacts(session, campaign_id, valid_ids)
    clash = sorted(r.user_id for r in valid if stored[r.user_id] != (r.contacted_at, r.channel))
    if clash:
        raise BatchConflictError(
            f"campaign {campaign_id}: {len(clash)} contact(s) already stored with another time "
            f"or channel (a campaign contacts a subscriber once): {clash[:SHOWN_IDS]}"
        )
    result = {"campaign_id": campaign_id, "received": len(rows), "accepted": len(valid),
              **_refusal(refused)}  # fmt: skip
    detail = {"received": len(rows), "accepted": len(valid), "written": len(new),
              "refused": len(refused)}  # fmt: skip
    record_audit(session, actor, "campaign.contacts", CAMPAIGN_ENTITY, campaign_id, detail)
    return result


def record_responses(
    session: Session, campaign_id: int, rows: Sequence[ResponseRow], *, actor: str
) -> dict[str, Any]:
    """Store who took a card after a sent campaign; audited with who and how many.

    Only subscribers on the list or in its control group are kept; others are refused
    (counted, first ids named). A response already stored the same is unchanged; one stored
    differently is corrected (``corrected`` counts them).
    """
    _campaign(session, campaign_id)
    if first_contact(session, campaign_id) is None:
        raise CampaignStateError(
            f"campaign {campaign_id} has no contacts recorded; responses follow a send"
        )
    user_ids = [r.user_id for r in rows]
    require_unique_ids(user_ids, "responses")
    groups = target_groups(session, campaign_id, user_ids)
    refused = [u for u in user_ids if u not in groups]
    valid = [r for r in rows if r.user_id in groups]
    stored = campaign_responses(session, campaign_id, [r.user_id for r in valid])
    changed = [r for r in valid if stored.get(r.user_id) != (r.took_card, r.taken_on)]
    corrected = sum(r.user_id in stored for r in changed)
    save_responses(session, campaign_id, [(r.user_id, r.took_card, r.taken_on) for r in changed])
    result = {"campaign_id": campaign_id, "received": len(rows), "accepted": len(valid),
              **_refusal(refused)}  # fmt: skip
    detail = {"received": len(rows), "accepted": len(valid), "written": len(changed),
              "corrected": corrected, "refused": len(refused)}  # fmt: skip
    record_audit(session, actor, "campaign.responses", CAMPAIGN_ENTITY, campaign_id, detail)
    return result


def take_up_report(
    session: Session, campaign_id: int, *, confidence: float = 0.95
) -> dict[str, Any]:
    """Measured take-up of the campaign's contacted subscribers against its control, with
    Wilson intervals, the difference's Newcombe interval and the incremental cardholders."""
    _campaign(session, campaign_id)
    history = campaign_outcomes(session, campaign_ids=[campaign_id])
    return {"campaign_id": campaign_id, **response_report(history, confidence=confidence)}


def report_responses(
    session: Session, settings: Settings, campaign_id: int, response_file: Path, *, actor: str
) -> dict[str, Any]:
    """Load a response file for the campaign, report take-up of contacted vs control and
    write the report beside the campaign's other reports."""
    campaign = _campaign(session, campaign_id)
    loaded = record_responses(session, campaign_id, read_response_file(response_file), actor=actor)
    report = {**take_up_report(session, campaign_id), "loaded": loaded}
    out = settings.reports_dir / "campaigns" / campaign.run_id / "responses.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    report["path"] = str(out)
    return report


__all__ = [
    "BatchConflictError", "CampaignNotFoundError", "CampaignStateError", "mark_sent",
    "record_contacts", "record_responses", "report_responses", "require_unique_ids",
    "take_up_report",
]  # fmt: skip
