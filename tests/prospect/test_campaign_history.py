"""Campaign history as training data: stored contacts, responses and control membership become
one row per subscriber-month with ``treated`` and ``took_card`` (window counted from the send)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from prospect.outcomes import record_contacts, record_responses
from prospect.store import review_campaign, save_campaign, session_scope
from prospect.store.history import RESPONSE_WINDOW_DAYS, campaign_history
from prospect.targeting import ContactRow, ResponseRow

SENT = datetime(2026, 9, 5, 10, 0, tzinfo=UTC)


def _campaign(engine, store_run, targets, run_id: str, month: str) -> int:
    with session_scope(engine) as session:
        fields = {"month": month, "name": run_id, "model_version": "m-1"}
        campaign = save_campaign(session, store_run(session, run_id, month), fields, targets)
        review_campaign(session, campaign.id, decision="approved", actor="rita", comment="ok")
        return int(campaign.id)


def test_a_generated_campaign_becomes_treated_and_control_rows_with_windowed_outcomes(
    store_engine, store_run, store_targets
):
    rng = np.random.default_rng(7)
    targets = store_targets(60)  # every third a control: 40 contacted, 20 control
    cid = _campaign(store_engine, store_run, targets, "run-sep", "2026-09")
    _campaign(store_engine, store_run, store_targets(6), "run-oct", "2026-10")  # never sent
    control = targets["is_control"].astype(bool).to_numpy()
    users = targets["user_id"].tolist()
    took = rng.random(60) < np.where(control, 0.2, 0.5)
    answered = took | (rng.random(60) < 0.5)  # some non-takers send no response at all
    days = rng.integers(0, 45, size=60)  # days after the send the card was taken
    with session_scope(store_engine) as session:
        sent = [ContactRow(u, SENT, "sms") for u, c in zip(users, control, strict=True) if not c]
        record_contacts(session, cid, sent, actor="crm")
        rows = [ResponseRow(u, bool(t), (SENT.date() + timedelta(days=int(d))) if t else None)
                for u, t, d, a in zip(users, took, days, answered, strict=True) if a]  # fmt: skip
        record_responses(session, cid, rows, actor="crm")

    history = campaign_history(store_engine)

    expected = pd.DataFrame({
        "user_id": users, "month": "2026-09", "treated": (~control).astype(np.int8),
        "took_card": (took & (days <= RESPONSE_WINDOW_DAYS)).astype(np.int8), "campaign_id": cid,
    })  # fmt: skip
    pd.testing.assert_frame_equal(history, expected, check_dtype=False)
    assert history["treated"].sum() == 40 and set(history["month"]) == {"2026-09"}
    assert 0 < history["took_card"].sum() < took.sum()  # takers after the window do not count
    assert campaign_history(store_engine, ["2026-10"]).empty
    assert list(campaign_history(store_engine, ["2026-10"]).columns) == list(history.columns)


def test_a_subscriber_in_two_campaigns_of_a_month_keeps_the_later_one(
    store_engine, store_run, store_targets
):
    first = _campaign(store_engine, store_run, store_targets(3), "run-a", "2026-09")
    with session_scope(store_engine) as session:
        record_contacts(session, first, [ContactRow("u001", SENT, "sms")], actor="crm")
        record_responses(session, first, [ResponseRow("u001", True, date(2026, 9, 6))],
                         actor="crm")  # fmt: skip
    later = _campaign(store_engine, store_run, store_targets(3), "run-b", "2026-09")  # supersedes
    with session_scope(store_engine) as session:
        record_contacts(session, later, [ContactRow("u002", SENT, "app")], actor="crm")
    history = campaign_history(store_engine, ["2026-09"])
    # u003 is in both controls: the later campaign's row; u001 and u002 each in one campaign.
    assert history.to_dict("records") == [
        {"user_id": "u001", "month": "2026-09", "treated": 1, "took_card": 1, "campaign_id": first},
        {"user_id": "u002", "month": "2026-09", "treated": 1, "took_card": 0, "campaign_id": later},
        {"user_id": "u003", "month": "2026-09", "treated": 0, "took_card": 0, "campaign_id": later},
    ]
