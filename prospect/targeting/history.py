"""Campaign history as files and features: contact files a CRM sends, and history rows
(:func:`prospect.store.history.campaign_history`) beside each subscriber's features.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import pandas as pd

from prospect.exceptions import DataReadError

logger = logging.getLogger(__name__)

HISTORY_COLUMNS = ("campaign_id", "month", "user_id", "treated", "took_card")
CONTACT_FILE_COLUMNS = ("user_id", "contacted_at", "channel")


@dataclass(frozen=True)
class ContactRow:
    """One subscriber contacted for a campaign, when (timezone-aware) and on which channel."""

    user_id: str
    contacted_at: datetime
    channel: str


def join_features(
    history: pd.DataFrame,
    features: pd.DataFrame,
    *,
    id_column: str = "user_id",
    month_column: str = "month",
) -> pd.DataFrame:
    """``features`` rows of the history's subscriber-months, with ``campaign_id``,
    ``treated`` and ``took_card`` added; one row per subscriber-month.

    A subscriber in two sent campaigns of one month keeps the later campaign's row; history
    rows whose month is not in ``features`` are dropped (and counted in the log).
    """
    for name, column in (("id_column", id_column), ("month_column", month_column)):
        if column not in features.columns:
            raise ValueError(f"features has no {name} {column!r}; got {list(features.columns)}.")
    clash = [c for c in ("campaign_id", "treated", "took_card") if c in features.columns]
    if clash:
        raise ValueError(f"features already has column(s) {clash}; rename them first.")
    rows = (
        history.sort_values(["campaign_id"], ascending=False, kind="stable")
        .drop_duplicates(["month", "user_id"])
        .loc[:, list(HISTORY_COLUMNS)]
        .rename(columns={"user_id": id_column, "month": month_column})
    )
    keys = features.loc[:, [id_column, month_column]].astype(str)
    frame = features.assign(**{id_column: keys[id_column], month_column: keys[month_column]})
    joined = frame.merge(rows.astype({id_column: str, month_column: str}), how="inner",
                         on=[id_column, month_column], validate="many_to_one")  # fmt: skip
    if len(joined) < len(rows):
        logger.warning("campaign history: %d of %d subscriber-months have no features row",
                       len(rows) - len(joined), len(rows))  # fmt: skip
    return joined.reset_index(drop=True)


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
