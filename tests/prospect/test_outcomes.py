"""Sending an approved list records contacts (control excluded, once); responses give uplift."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from prospect.cli import app
from prospect.outcomes import CampaignStateError, mark_sent, report_responses
from prospect.store import review_campaign, save_campaign, session_scope
from prospect.store.models import ContactHistory
from prospect.targeting.responses import response_report

FIELDS = {"month": "2026-10", "name": "card offer", "model_version": "m-1"}


@pytest.fixture()
def campaign_id(store_engine, store_run, store_targets):
    with session_scope(store_engine) as session:
        campaign = save_campaign(session, store_run(session), FIELDS, store_targets(9))
        return campaign.id


def _approve(engine, campaign_id):
    with session_scope(engine) as session:
        review_campaign(session, campaign_id, decision="approved", actor="rita", comment="ok")


def test_a_draft_cannot_be_sent(store_engine, campaign_id):
    with session_scope(store_engine) as session, pytest.raises(CampaignStateError, match="draft"):
        mark_sent(session, campaign_id, channel="sms", actor="ops")


def test_sending_records_every_contacted_target_once_and_never_the_control(
    store_engine, campaign_id
):
    _approve(store_engine, campaign_id)
    with session_scope(store_engine) as session:
        assert mark_sent(session, campaign_id, channel="sms", actor="ops") == 6  # 3 of 9 control
    with session_scope(store_engine) as session:
        assert mark_sent(session, campaign_id, channel="sms", actor="ops") == 0
        users = session.scalars(select(ContactHistory.user_id)).all()
    assert sorted(users) == ["u001", "u002", "u004", "u005", "u007", "u008"]


def test_responses_report_take_up_of_contacted_against_control(
    store_engine, campaign_id, settings, tmp_path
):
    _approve(store_engine, campaign_id)
    with session_scope(store_engine) as session:
        mark_sent(session, campaign_id, channel="sms", actor="ops")
    file = tmp_path / "responses.csv"
    file.write_text("user_id,took_card\nu001,1\nu002,1\nu004,0\nu003,1\nunknown,1\n")
    with session_scope(store_engine) as session:
        report = report_responses(session, settings, campaign_id, file, actor="ops")
        stored = session.scalar(select(func.count()).select_from(ContactHistory))
    assert stored == 6  # loading responses marks nobody contacted
    assert (report["loaded"]["refused"], report["loaded"]["refused_ids"]) == (1, ["unknown"])
    assert (report["contacted"]["takers"], report["contacted"]["n"]) == (2, 6)
    assert (report["control"]["takers"], report["control"]["n"]) == (1, 3)
    assert report["uplift"]["difference"] == pytest.approx(2 / 6 - 1 / 3)
    assert report["uplift"]["ci_low"] < 0 < report["uplift"]["ci_high"]
    assert json.loads(Path(report["path"]).read_text())["contacted"]["n"] == 6


def test_cli_send_refuses_an_unknown_campaign(settings):
    result = CliRunner().invoke(app, ["send", "999"])
    assert result.exit_code == 2
    assert "campaign 999 does not exist" in result.output


def test_take_up_interval_matches_newcombes_published_example():
    # Newcombe (1998), Stat Med 17:873, example (a): 56/70 against 48/80. Wilson intervals
    # 0.6918-0.8770 and 0.4905-0.7004 (Table I); difference 0.2000, method 10 (hybrid score)
    # interval 0.0524 to 0.3339 (Table II). Incremental cardholders = difference x 70.
    history = pd.DataFrame({
        "treated": [1] * 70 + [0] * 80,
        "took_card": [1] * 56 + [0] * 14 + [1] * 48 + [0] * 32,
    })  # fmt: skip
    report = response_report(history)
    assert (report["contacted"]["ci_low"], report["contacted"]["ci_high"]) == pytest.approx(
        (0.6918, 0.8770), abs=5e-5
    )
    assert (report["control"]["ci_low"], report["control"]["ci_high"]) == pytest.approx(
        (0.4905, 0.7004), abs=5e-5
    )
    uplift = report["uplift"]
    assert (uplift["difference"], uplift["ci_low"], uplift["ci_high"]) == pytest.approx(
        (0.2, 0.0524, 0.3339), abs=5e-5
    )
    assert report["incremental"]["cardholders"] == pytest.approx(14.0)
    assert report["incremental"]["ci_low"] == pytest.approx(0.0524 * 70, abs=5e-3)
