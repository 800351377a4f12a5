"""The pure review functions of :mod:`prospect.review` on a real (SQLite) store."""

from __future__ import annotations

import pytest

from tests.api.conftest import seed_campaign


@pytest.mark.parametrize(
    ("msisdn", "masked"),
    [("13812345678", "138****5678"), ("8613812345678", "861******5678"), ("1234567", "*******"),
     ("", ""), (None, None)],
)  # fmt: skip
def test_mask_keeps_only_prefix_and_last_four(msisdn, masked):
    from prospect.policy import mask

    assert mask(msisdn) == masked


@pytest.fixture()
def draft_id(api_engine) -> int:
    return seed_campaign(api_engine, "2026-11", 4, None)


def _decide(engine, campaign_id, **kwargs):
    from prospect.review import decide
    from prospect.store import session_scope

    with session_scope(engine) as session:
        campaign = decide(session, campaign_id, **kwargs)
        return campaign.status, campaign.reviewed_by, campaign.review_comment


def test_decide_requires_a_reviewing_role_and_a_comment(api_engine, draft_id):
    base = {"decision": "approved", "actor": "vic"}
    with pytest.raises(PermissionError, match="role 'viewer' may not review"):
        _decide(api_engine, draft_id, role="viewer", comment="ok", **base)
    with pytest.raises(ValueError, match="comment must not be empty"):
        _decide(api_engine, draft_id, role="reviewer", comment=" \n ", **base)
    with pytest.raises(ValueError, match="decision must be 'approved' or 'rejected'; got 'ok'"):
        _decide(api_engine, draft_id, decision="ok", actor="rita", role="admin", comment="x")
    decided = _decide(
        api_engine, draft_id, decision="rejected", actor="rita", role="reviewer", comment=" no "
    )
    assert decided == ("rejected", "rita", "no")


def test_a_second_decision_is_refused(api_engine, draft_id):
    from prospect.store import InvalidTransitionError

    kwargs = {"decision": "approved", "actor": "ada", "role": "admin", "comment": "go"}
    assert _decide(api_engine, draft_id, **kwargs)[0] == "approved"
    with pytest.raises(InvalidTransitionError, match="only a draft can be rejected"):
        _decide(api_engine, draft_id, **{**kwargs, "decision": "rejected"})


def test_rerun_only_for_rejected_campaigns_and_audited(api_engine, draft_id):
    from prospect.review import Requeued, rerun
    from prospect.store import InvalidTransitionError, audit_trail, session_scope

    queued = []

    def enqueue(month: str, by: str, config) -> Requeued:
        queued.append((month, by, config))
        return Requeued("run-xyz", "queued")

    with session_scope(api_engine) as session, pytest.raises(InvalidTransitionError):
        rerun(session, draft_id, actor="rita", role="reviewer", enqueue=enqueue)
    _decide(api_engine, draft_id, decision="rejected", actor="rita", role="reviewer", comment="x")
    with session_scope(api_engine) as session:
        outcome = rerun(session, draft_id, actor="rita", role="reviewer", enqueue=enqueue)
    assert (outcome.run_id, outcome.queued) == ("run-xyz", True)
    with session_scope(api_engine) as session:
        last = audit_trail(session, "campaigns", draft_id)[-1]
    assert queued == [("2026-11", "rita", {})]
    assert (last.action, last.detail["run_id"], last.detail["month"], last.detail["queued"]) == (
        "campaign.rerun_requested", "run-xyz", "2026-11", True,
    )  # fmt: skip


def test_list_and_detail_read_models(api_engine):
    from prospect.review import campaign_detail, list_campaigns
    from prospect.store import session_scope

    older = seed_campaign(api_engine, "2026-09", 3, "approved")
    newer = seed_campaign(api_engine, "2026-10", 7, None)
    with session_scope(api_engine) as session:
        rows = list_campaigns(session, role="reviewer")
        viewer_rows = list_campaigns(session, role="viewer")
        detail = campaign_detail(session, newer, role="reviewer", sample_size=2)
        full = campaign_detail(session, newer, role="reviewer", sample_size=1, reveal_pii=True)
    assert [r.id for r in viewer_rows] == [older]
    assert full.sample[0].msisdn == "13800000001"
    assert [(r.id, r.status, r.n_targets, r.reviewed_by) for r in rows] == [
        (newer, "draft", 7, None), (older, "approved", 3, "ops"),
    ]  # fmt: skip
    assert rows[0].expected_responses is None  # the conftest summary has no such figure
    assert [(t.rank, t.msisdn, t.drivers, t.reasons) for t in detail.sample] == [
        (1, "138****0001", ["data_down_gb"], ["R01"]),
        (2, "138****0002", ["data_down_gb"], ["R01"]),
    ]
    assert detail.model_versions == ["m-1"] and detail.dq_report is None
    assert [e.action for e in detail.trail] == ["campaign.created"]


def test_a_sent_campaign_shows_in_its_history(api_engine):
    """Every event of a campaign is recorded under one entity name, so its history has them."""
    from prospect.outcomes import mark_sent
    from prospect.review import campaign_detail
    from prospect.store import session_scope

    cid = seed_campaign(api_engine, "2026-08", 4, "approved")
    with session_scope(api_engine) as session:
        assert mark_sent(session, cid, channel="sms", actor="crm") == 3
    with session_scope(api_engine) as session:
        trail = campaign_detail(session, cid, role="viewer").trail
    assert [e.action for e in trail] == ["campaign.created", "campaign.approved", "campaign.sent"]
