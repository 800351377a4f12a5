"""Contact files a CRM sends back (``prospect contacts``), and the CSV cell readers the
response file shares. The history they make is :func:`prospect.store.history.campaign_history`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import pandas as pd

from prospect.exceptions import DataReadError

CONTACT_FILE_COLUMNS = ("user_id", "contacted_at", "channel")


@dataclass(frozen=True)
class ContactRow:
    """One subscriber contacted for a campaign, when (timezone-aware) and on which channel."""

    user_id: str
    contacted_at: datetime
    channel: str


def read_contact_file(path: str | Path, *, channel: str | None = None) -> list[ContactRow]:
    """Contacts from a CSV: ``user_id``, ``contacted_at`` (``YYYY-MM-DD`` or an ISO time; no
    offset means UTC) and ``channel`` (or every row on ``channel``). Errors name the line."""
    frame = read_csv_text(path, "contact file")
    needed = ["user_id", "contacted_at"] + ([] if channel else ["channel"])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataReadError(f"contact file {path} lacks column(s) {missing}")
    rows = []
    for i, record in enumerate(frame.to_dict("records")):
        where = f"contact file {path} line {i + 2}"
        rows.append(ContactRow(
            user_id=required_text(record["user_id"], where, "user_id"),
            contacted_at=parse_time(record["contacted_at"], where, "contacted_at"),
            channel=channel or required_text(record["channel"], where, "channel"),
        ))  # fmt: skip
    return rows


def read_csv_text(path: str | Path, what: str) -> pd.DataFrame:
    """Every cell of a CSV as text (nothing read as missing); DataReadError naming ``what``."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataReadError(f"cannot read {what} {path}: {exc}") from exc


def required_text(value: object, where: str, field: str) -> str:
    """``value`` stripped; DataReadError naming ``where`` and ``field`` when it is empty."""
    text = str(value).strip()
    if not text:
        raise DataReadError(f"{where}: {field} is empty")
    return text


def parse_time(value: object, where: str, field: str) -> datetime:
    """A timezone-aware time from ``YYYY-MM-DD`` (midnight UTC) or ISO 8601 (UTC if no offset)."""
    text = str(value).strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise DataReadError(f"{where}: {field} {text!r} is not a date (YYYY-MM-DD) or an ISO "
                            "8601 time") from None  # fmt: skip
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
