"""Contact history over DataFrames and CSV: what the next campaign's contact caps read.

Only contacted targets are recorded; the control group was never contacted, so it must not
use up anyone's contact allowance.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from prospect.exceptions import DataReadError
from prospect.targeting.campaign import CampaignList

HISTORY_COLUMNS = ["user_id", "contacted_at", "campaign_key"]


def load_contact_history(path: str | Path) -> pd.DataFrame:
    """Read a contact-history CSV (user_id, contacted_at as YYYY-MM-DD[, campaign_key])."""
    try:
        frame = pd.read_csv(path, dtype={"user_id": str, "campaign_key": str})
    except (OSError, pd.errors.ParserError) as exc:
        raise DataReadError(f"cannot read contact history {path}: {exc}") from exc
    missing = [c for c in HISTORY_COLUMNS[:2] if c not in frame.columns]
    if missing:
        raise DataReadError(f"contact history {path} lacks column(s) {missing}")
    try:
        frame["contacted_at"] = pd.to_datetime(frame["contacted_at"], format="%Y-%m-%d").dt.date
    except ValueError as exc:
        raise DataReadError(f"contact history {path}: contacted_at is not YYYY-MM-DD") from exc
    if "campaign_key" not in frame.columns:
        frame["campaign_key"] = None
    return frame.loc[:, HISTORY_COLUMNS]


def record_contacts(
    campaign_list: CampaignList, *, sent_at: date, history: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``history`` plus one row per contacted (non-control) target of a sent campaign."""
    targets = campaign_list.targets
    sent = pd.DataFrame(
        {
            "user_id": targets.loc[~targets["is_control"], "user_id"].astype(str).to_numpy(),
            "contacted_at": sent_at,
            "campaign_key": campaign_list.summary["campaign_key"],
        },
        columns=HISTORY_COLUMNS,
    )
    if history is None or history.empty:
        return sent.reset_index(drop=True)
    return pd.concat([history.loc[:, HISTORY_COLUMNS], sent], ignore_index=True)


def save_contact_history(history: pd.DataFrame, path: str | Path) -> Path:
    """Write the history as CSV (dates as YYYY-MM-DD) for :func:`load_contact_history`."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    history.loc[:, HISTORY_COLUMNS].to_csv(out, index=False)
    return out
