"""Campaign history as training data: who was contacted or held out, and who took a card.

The rows come from what the loop stored (:mod:`prospect.store.contacts`): every contacted
subscriber of a sent campaign (``treated`` 1) and every subscriber of its random control
(``treated`` 0), with ``took_card`` 1 when a response says they took a card within
:data:`RESPONSE_WINDOW_DAYS` days of the send. Subscribers with no response did not take one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from prospect.store.contacts import HISTORY_FIELDS, history_rows
from prospect.store.db import session_scope

RESPONSE_WINDOW_DAYS = 30
"""Days after the send within which taking a card counts as the campaign's outcome."""
OUTCOME_COLUMNS = ("campaign_id", "month", "user_id", "treated", "took_card")


def outcomes(raw: pd.DataFrame, *, window_days: int = RESPONSE_WINDOW_DAYS) -> pd.DataFrame:
    """:data:`OUTCOME_COLUMNS` from raw rows (:data:`HISTORY_FIELDS`): ``took_card`` is 1 when
    the card was taken no later than ``window_days`` days after ``sent_at``'s day. A taker
    without a day (loaded before days were kept) counts; no response posted means 0."""
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 0:
        raise ValueError(f"window_days must be a whole number of days >= 0; got {window_days!r}.")
    took = raw["took_card"].eq(True).to_numpy()  # no response (None) is not a taker
    sent = pd.to_datetime(raw["sent_at"], utc=True).dt.tz_localize(None).dt.normalize()
    taken = pd.to_datetime(raw["taken_on"])
    within = (taken.isna() | (taken <= sent + pd.Timedelta(days=window_days))).to_numpy()
    out = raw.loc[:, ["campaign_id", "month", "user_id", "treated"]].copy()
    out["user_id"] = out["user_id"].astype(str)
    out["treated"] = out["treated"].astype(np.int8)
    out["took_card"] = (took & within).astype(np.int8)
    return out.reset_index(drop=True)


def campaign_outcomes(
    session: Session,
    *,
    campaign_ids: Sequence[int] | None = None,
    months: Sequence[str] | None = None,
    window_days: int = RESPONSE_WINDOW_DAYS,
) -> pd.DataFrame:
    """One row per contacted or control subscriber of each sent campaign asked for."""
    raw = history_rows(session, campaign_ids=campaign_ids, months=months)
    frame = pd.DataFrame(raw, columns=list(HISTORY_FIELDS))
    return outcomes(frame, window_days=window_days)


def campaign_history(
    engine: Engine, months: Sequence[str] | None = None, *, window_days: int = RESPONSE_WINDOW_DAYS
) -> pd.DataFrame:
    """The frame an uplift model trains on: one row per subscriber and month of a sent campaign.

    Parameters
    ----------
    engine : Engine
        The store (``make_engine(url)``).
    months : sequence of str, optional
        Campaign months (``YYYY-MM``) to include; all when omitted.
    window_days : int
        Days after the send within which a card taken counts.

    Returns
    -------
    DataFrame
        Columns ``user_id`` (str), ``month`` (``YYYY-MM``, the campaign's month: join the
        subscriber's features of that month on ``user_id, month``), ``treated`` (int8: 1
        contacted, 0 in the random control), ``took_card`` (int8: 1 took a card within the
        window) and ``campaign_id``. A subscriber in two sent campaigns of one month keeps the
        later campaign's row. Sorted by month, then user_id; empty (same columns) without
        history.
    """
    with session_scope(engine) as session:
        rows = campaign_outcomes(session, months=months, window_days=window_days)
    rows = (
        rows.sort_values("campaign_id", ascending=False, kind="stable")
        .drop_duplicates(["month", "user_id"])
        .sort_values(["month", "user_id"], kind="stable")
    )
    return rows.loc[:, ["user_id", "month", "treated", "took_card", "campaign_id"]].reset_index(
        drop=True
    )
