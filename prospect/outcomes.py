"""After review: record who was contacted (so the next list's caps apply) and measure take-up.

A campaign is sent only once it is approved; control-group targets are never recorded as
contacted. Responses are compared between contacted targets and the control group, which is
what makes the campaign's effect measurable at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from prospect.exceptions import ProspectError
from prospect.settings import Settings
from prospect.store import load_responses as store_responses
from prospect.store import record_audit, record_contacts
from prospect.store.audit import CAMPAIGN_ENTITY
from prospect.store.models import Campaign, ContactHistory, Target
from prospect.targeting import load_responses, response_report


class CampaignStateError(ProspectError):
    """The campaign is not in a state that allows this (e.g. sending a draft)."""


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignStateError(f"campaign {campaign_id} does not exist")
    return campaign


def mark_sent(session: Session, campaign_id: int, *, channel: str, actor: str) -> int:
    """Record a contact for every non-control target of an approved campaign, once.

    Returns how many contacts were recorded (0 when the campaign was already marked sent).
    """
    campaign = _campaign(session, campaign_id)
    if campaign.status != "approved":
        raise CampaignStateError(
            f"campaign {campaign_id} is {campaign.status}; only approved campaigns are sent"
        )
    already = session.scalar(
        select(ContactHistory.id).where(ContactHistory.campaign_id == campaign_id).limit(1)
    )
    if already is not None:
        return 0
    users = session.scalars(
        select(Target.user_id).where(Target.campaign_id == campaign_id, ~Target.is_control)
    ).all()
    n = record_contacts(session, users, channel=channel, campaign_id=campaign_id)
    record_audit(session, actor, "campaign.sent", CAMPAIGN_ENTITY, campaign_id, {"contacts": n})
    return n


def report_responses(
    session: Session, settings: Settings, campaign_id: int, response_file: Path
) -> dict[str, Any]:
    """Load a response file for the campaign and report take-up of targets vs control."""
    campaign = _campaign(session, campaign_id)
    responses = load_responses(response_file)
    store_responses(session, campaign_id, responses)
    rows = session.execute(
        select(Target.user_id, Target.is_control).where(Target.campaign_id == campaign_id)
    ).all()
    targets = pd.DataFrame(rows, columns=["user_id", "is_control"])
    report = {"campaign_id": campaign_id, **response_report(targets, responses)}
    out = settings.reports_dir / "campaigns" / campaign.run_id / "responses.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    report["path"] = str(out)
    return report
