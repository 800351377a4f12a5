"""Campaign + targets saved in one transaction, once per run; review decisions."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from prospect.store import (
    AuditEvent,
    Campaign,
    InvalidTransitionError,
    Run,
    Target,
    audit_trail,
    review_campaign,
    save_campaign,
    session_scope,
)

FIELDS = {"month": "2026-10", "name": "Oct cards", "model_version": "m-1", "config": {"b": 3}}


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_save_campaign_writes_the_campaign_and_every_target(store_engine, store_run, store_targets):
    with session_scope(store_engine) as session:
        run_id = store_run(session)
        campaign = save_campaign(session, run_id, FIELDS, store_targets(5))
    with session_scope(store_engine) as session:
        saved = session.scalar(select(Campaign).where(Campaign.run_id == "run-abc"))
        rows = session.scalars(select(Target).order_by(Target.rank)).all()
    assert (saved.id, saved.status, saved.n_targets, saved.n_control) == (
        campaign.id,
        "draft",
        5,
        1,
    )
    assert saved.config == {"b": 3} and saved.summary == {}
    assert [r.user_id for r in rows] == ["u001", "u002", "u003", "u004", "u005"]
    assert [r.is_control for r in rows] == [False, False, True, False, False]
    assert [r.msisdn for r in rows] == ["13800000001", None, "13800000003", None, "13800000005"]
    assert rows[1].p_demand == pytest.approx(0.8) and rows[4].score_points == 660.0
    assert rows[0].why == {"drivers": ["data_flow"], "reasons": ["R01"]}


def test_second_save_for_the_same_run_returns_the_first_and_writes_nothing(
    store_engine, store_run, store_targets
):
    with session_scope(store_engine) as session:
        first = save_campaign(session, store_run(session), FIELDS, store_targets(5))
    with session_scope(store_engine) as session:
        again = save_campaign(session, "run-abc", {**FIELDS, "name": "other"}, store_targets(9))
        assert again.id == first.id and again.name == "Oct cards"
    with session_scope(store_engine) as session:
        assert (_count(session, Campaign), _count(session, Target)) == (1, 5)
        assert len(audit_trail(session, "campaigns", first.id)) == 1


def test_a_failing_target_row_leaves_no_campaign_and_no_targets(
    store_engine, store_run, store_targets
):
    with session_scope(store_engine) as session:
        store_run(session)
    targets = store_targets(7)
    targets.loc[6, "user_id"] = "u001"  # duplicate user in the last chunk
    with pytest.raises(IntegrityError), session_scope(store_engine) as session:
        save_campaign(session, "run-abc", FIELDS, targets, chunk_size=2)
    with session_scope(store_engine) as session:
        assert (_count(session, Campaign), _count(session, Target)) == (0, 0)
        assert _count(session, AuditEvent) == 0


def test_missing_required_values_are_refused_before_anything_is_written(
    store_engine, store_run, store_targets
):
    targets = store_targets(3)
    targets.loc[1, "pd"] = float("nan")
    with (
        pytest.raises(ValueError, match="column 'pd' has 1 missing"),
        session_scope(store_engine) as session,
    ):
        save_campaign(session, store_run(session), FIELDS, targets)
    with (
        pytest.raises(ValueError, match=r"missing column\(s\) \['rank'\]"),
        session_scope(store_engine) as session,
    ):
        save_campaign(session, store_run(session), FIELDS, targets.drop(columns="rank"))
    with (
        pytest.raises(ValueError, match=r"unknown \['status'\]"),
        session_scope(store_engine) as session,
    ):
        save_campaign(session, store_run(session), {**FIELDS, "status": "approved"}, targets)


def test_duplicate_rank_and_second_campaign_per_run_break_unique_constraints(
    store_engine, store_run, store_targets
):
    targets = store_targets(3)
    targets.loc[2, "rank"] = 1
    with pytest.raises(IntegrityError), session_scope(store_engine) as session:
        save_campaign(session, store_run(session), FIELDS, targets)
    with session_scope(store_engine) as session:
        save_campaign(session, store_run(session), FIELDS, store_targets(2))
    with pytest.raises(IntegrityError), session_scope(store_engine) as session:
        session.add(Campaign(run_id="run-abc", month="2026-10", name="dup", model_version="m"))
        session.flush()


def test_approval_is_audited_moves_the_run_and_supersedes_the_months_earlier_list(
    store_engine, store_run, store_targets
):
    with session_scope(store_engine) as session:
        old = save_campaign(session, store_run(session, "run-1"), FIELDS, store_targets(2))
        new = save_campaign(session, store_run(session, "run-2"), FIELDS, store_targets(2))
        review_campaign(session, old.id, decision="approved", actor="rita", comment="ok")
    with session_scope(store_engine) as session:
        review_campaign(session, new.id, decision="approved", actor="rita", comment="rerun")
    with session_scope(store_engine) as session:
        assert session.get(Campaign, old.id).status == "superseded"
        approved = session.get(Campaign, new.id)
        assert (approved.status, approved.reviewed_by, approved.review_comment) == (
            "approved", "rita", "rerun",
        )  # fmt: skip
        assert session.get(Run, "run-2").status == "approved"
        actions = [e.action for e in audit_trail(session, "campaigns", old.id)]
        assert actions == ["campaign.created", "campaign.approved", "campaign.superseded"]
    with (
        pytest.raises(InvalidTransitionError, match="only a draft"),
        session_scope(store_engine) as session,
    ):
        review_campaign(session, new.id, decision="rejected", actor="rita")


def test_large_campaign_is_inserted_in_chunks(store_engine, store_run, store_targets):
    targets = store_targets(2_500)
    with session_scope(store_engine) as session:
        campaign = save_campaign(session, store_run(session), FIELDS, targets, chunk_size=1_000)
    with session_scope(store_engine) as session:
        ids = session.scalars(select(Target.user_id).order_by(Target.rank)).all()
    assert campaign.n_targets == 2_500 and campaign.n_control == 833
    digest = hashlib.sha256(",".join(ids).encode()).hexdigest()
    assert digest == hashlib.sha256(",".join(targets["user_id"]).encode()).hexdigest()


def test_why_is_built_from_targeting_drivers_and_reasons(store_engine, store_run, store_targets):
    targets = store_targets(2).drop(columns="why")
    targets["drivers"] = [np.array(["tenure_months", "data_flow"]), []]
    targets["reasons"] = [["R03"], None]
    with session_scope(store_engine) as session:
        save_campaign(session, store_run(session), FIELDS, targets)
    with session_scope(store_engine) as session:
        whys = session.scalars(select(Target.why).order_by(Target.rank)).all()
    assert whys == [
        {"drivers": ["tenure_months", "data_flow"], "reasons": ["R03"]},
        {"drivers": [], "reasons": []},
    ]


def test_an_approval_replaces_only_the_approved_list_the_reviewer_saw(
    store_engine, store_run, store_targets
):
    with session_scope(store_engine) as session:
        seen = save_campaign(session, store_run(session, "run-1"), FIELDS, store_targets(2))
        late = save_campaign(session, store_run(session, "run-2"), FIELDS, store_targets(2))
        mine = save_campaign(session, store_run(session, "run-3"), FIELDS, store_targets(2))
        ids = (seen.id, late.id, mine.id)
    with session_scope(store_engine) as session:
        review_campaign(session, ids[0], decision="approved", actor="a", supersedes=None)
    with session_scope(store_engine) as session:  # someone else replaced it meanwhile
        review_campaign(session, ids[1], decision="approved", actor="b", supersedes=ids[0])
    with (
        pytest.raises(InvalidTransitionError, match="was approved since this page was opened"),
        session_scope(store_engine) as session,
    ):
        review_campaign(session, ids[2], decision="approved", actor="c", supersedes=ids[0])
    with session_scope(store_engine) as session:
        statuses = [session.get(Campaign, i).status for i in ids]
        assert statuses == ["superseded", "approved", "draft"]
        assert (
            session.scalar(select(func.count()).where(AuditEvent.action == "campaign.approved"))
            == 2
        )


def test_the_database_refuses_a_second_approved_list_for_a_month(
    store_engine, store_run, store_targets
):
    with session_scope(store_engine) as session:
        a = save_campaign(session, store_run(session, "run-1"), FIELDS, store_targets(2))
        b = save_campaign(session, store_run(session, "run-2"), FIELDS, store_targets(2))
        ids = [a.id, b.id]
    with pytest.raises(IntegrityError), session_scope(store_engine) as session:
        for cid in ids:
            session.get(Campaign, cid).status = "approved"
            session.flush()


def test_a_list_without_a_risk_model_stores_no_pd_and_no_other_list_may(
    store_engine, store_run, store_targets
):
    no_risk = {**FIELDS, "summary": {"risk_filter": "none"}}
    unknown = store_targets(4).assign(pd=np.nan, score_points=np.nan)
    made_up = pytest.raises(ValueError, match="'pd' has 4 value")  # a PD from nowhere
    with session_scope(store_engine) as session, made_up:
        save_campaign(session, store_run(session), no_risk, store_targets(4))
    unchecked = pytest.raises(ValueError, match="'pd' has 4 missing")  # risk-checked, no PD
    with session_scope(store_engine) as session, unchecked:
        save_campaign(session, store_run(session), FIELDS, unknown)
    with session_scope(store_engine) as session:
        save_campaign(session, store_run(session), no_risk, unknown)
    with session_scope(store_engine) as session:
        stored = session.execute(select(Target.pd, Target.score_points)).all()
        null = session.scalar(select(func.count()).where(Target.pd.is_(None)))
    assert stored == [(None, None)] * 4 and null == 4  # NULL, not NaN, on PostgreSQL too
