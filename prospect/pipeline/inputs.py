"""What a run reads besides its batch: the suppression list and contact history (snapshotted
once per run) and the gate's verdict in words (the reference month is
:mod:`prospect.pipeline.reference`'s).

The contact rules are copied into the run folder when validation passes, so every partition
and the final selection judge eligibility against the same list even if the list changes
while the run is under way.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from prospect.pipeline.plan import load_plan, run_dir, write_parquet_atomic
from prospect.pipeline.state import run_session
from prospect.quality import GateResult
from prospect.settings import Settings
from prospect.store import ContactHistory, load_suppression
from prospect.targeting import CampaignList

MAX_REASONS = 3


def quarantine_reason(gate: GateResult) -> str:
    """One line naming the first failures that quarantined the batch and the report."""
    bad = [f for f in gate.result.failures if f.severity == "quarantine"]
    parts = [f"{f.column or 'table'}: {f.cause}" for f in bad[:MAX_REASONS]]
    more = f" (+{len(bad) - MAX_REASONS} more)" if len(bad) > MAX_REASONS else ""
    return (
        f"batch quarantined by the data-quality gate: {'; '.join(parts)}{more}; "
        f"report {gate.report.html}"
    )


def _rules_dir(settings: Settings, run_id: str) -> Path:
    return run_dir(settings, run_id) / "contact_rules"


def snapshot_contact_rules(settings: Settings, run_id: str) -> None:
    """Copy the suppression list and the contact history inside the policy window."""
    out = _rules_dir(settings, run_id)
    if (out / "contacts.parquet").is_file():
        return
    plan = load_plan(settings, run_id)
    window = plan.campaign_config.contact_policy.window_days
    since = datetime.combine(plan.as_of - timedelta(days=window), time(), tzinfo=UTC)
    with run_session(settings) as session:
        suppressed = sorted(load_suppression(session))
        stmt = select(ContactHistory.user_id, ContactHistory.contacted_at).where(
            ContactHistory.contacted_at >= since
        )
        rows = session.execute(stmt).all()
    contacts = pd.DataFrame(rows, columns=["user_id", "contacted_at"])
    contacts["contacted_at"] = pd.to_datetime(contacts["contacted_at"], utc=True).dt.date
    write_parquet_atomic(
        pd.DataFrame({"user_id": pd.Series(suppressed, dtype=object)}), out / "suppressed.parquet"
    )
    write_parquet_atomic(
        contacts, out / "contacts.parquet"
    )  # last: its presence marks the snapshot done


def load_contact_rules(settings: Settings, run_id: str) -> tuple[frozenset[str], pd.DataFrame]:
    """The run's snapshot: suppressed user ids and contact history (user_id, contacted_at)."""
    out = _rules_dir(settings, run_id)
    suppressed = frozenset(pd.read_parquet(out / "suppressed.parquet")["user_id"].astype(str))
    contacts = pd.read_parquet(out / "contacts.parquet")
    contacts["user_id"] = contacts["user_id"].astype(str)
    return suppressed, contacts


def with_partition_counts(campaign: CampaignList, counts: list[dict[str, Any]]) -> CampaignList:
    """The list with its summary's population counts taken over all partitions, not just the
    merged shortlists (selection only sees the shortlists; the summary must count everyone)."""
    exclusions = {
        reason: sum(c["exclusions"][reason] for c in counts) for reason in counts[0]["exclusions"]
    }
    summary = {
        **campaign.summary,
        "exclusions": exclusions,
        "n_excluded": sum(exclusions.values()),
        "n_scored": sum(c["n_scored"] for c in counts),
        "n_eligible": sum(c["n_eligible"] for c in counts),
    }
    return dataclasses.replace(campaign, summary=summary, exclusions=exclusions)
