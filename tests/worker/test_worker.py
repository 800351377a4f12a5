"""Runs through real Celery worker processes: on Redis, on the embedded SQLite broker, and
with a worker killed (SIGKILL) in the middle of scoring."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from tests.worker.conftest import kill, wait_for
from tests.worker.helpers import write_month

pytestmark = pytest.mark.slow
CONFIG = Path(__file__).resolve().parents[2] / "prospect" / "configs" / "default_campaign.yaml"


def _campaign_rows(run_id: str) -> tuple[list[tuple[int, int]], pd.DataFrame]:
    """(campaign id, n_targets) of every campaign of ``run_id``, and their targets."""
    from prospect.settings import get_settings
    from prospect.store import make_engine

    engine = make_engine(get_settings().db_url)
    campaigns = pd.read_sql(
        f"SELECT id, n_targets FROM campaigns WHERE run_id = '{run_id}'", engine
    )
    targets = pd.read_sql(
        "SELECT t.campaign_id, t.user_id, t.rank FROM targets t JOIN campaigns c "
        f"ON c.id = t.campaign_id WHERE c.run_id = '{run_id}'",
        engine,
    )
    engine.dispose()
    return list(campaigns.itertuples(index=False, name=None)), targets


def _audit_actions(run_id: str) -> list[str]:
    from prospect.settings import get_settings
    from prospect.store import audit_trail, make_engine, session_scope

    engine = make_engine(get_settings().db_url)
    with session_scope(engine) as session:
        actions = [e.action for e in audit_trail(session, "runs", run_id)]
    engine.dispose()
    return actions


def _assert_one_complete_campaign(run_id: str) -> None:
    campaigns, targets = _campaign_rows(run_id)
    assert len(campaigns) == 1, campaigns
    [(campaign_id, n_targets)] = campaigns
    assert n_targets > 0 and len(targets) == n_targets
    assert targets["user_id"].is_unique
    assert sorted(targets["rank"]) == list(range(1, n_targets + 1))


@pytest.mark.redis
def test_a_month_runs_end_to_end_on_a_redis_worker(redis_url, data_env, start_worker, tmp_path):
    from prospect.pipeline import get_state, run_dir
    from prospect.settings import get_settings
    from worker.tasks import enqueue_run

    start_worker(data_env(redis_url))
    run_id = enqueue_run("2026-10", str(write_month(tmp_path / "in", seed=31)), "test")
    assert wait_for(run_id) == "draft"
    _assert_one_complete_campaign(run_id)
    state = get_state(get_settings(), run_id)
    assert state is not None and {"validate", "score", "select", "publish"} <= set(state.timings)
    merged = run_dir(get_settings(), run_id) / "merge" / "level-1"
    assert sorted(p.name for p in merged.iterdir()) == ["node-00000.parquet", "node-00001.parquet"]
    # Asking again for a finished run queues nothing and stores nothing new.
    assert enqueue_run("2026-10", str(write_month(tmp_path / "in", seed=31)), "test") == run_id
    time.sleep(2)
    _assert_one_complete_campaign(run_id)
    # A batch the gate rejects ends quarantined, with no campaign and without retries.
    frame = pd.read_parquet(write_month(tmp_path / "bad", seed=32))
    frame["age"] = 10.0
    bad = tmp_path / "bad" / "subscribers_2026-10.parquet"
    frame.to_parquet(bad, index=False)
    bad_id = enqueue_run("2026-10", str(bad), "test")
    assert wait_for(bad_id) == "quarantined"
    bad_state = get_state(get_settings(), bad_id)
    assert bad_state is not None and "age" in (bad_state.failure_reason or "")
    assert _campaign_rows(bad_id)[0] == []
    # A config no list can satisfy fails the run once, with the reason: never retried.
    config = tmp_path / "infeasible.yaml"
    config.write_text(
        CONFIG.read_text(encoding="utf-8").replace("min_contacts: 1", "min_contacts: 4000")
    )
    failed_id = enqueue_run(
        "2026-10", str(write_month(tmp_path / "in", seed=31)), "test", config=config
    )
    assert wait_for(failed_id) == "failed"
    assert _audit_actions(failed_id) == [
        "run.validating",
        "run.scoring",
        "run.selecting",
        "run.failed",
    ]
    failed_state = get_state(get_settings(), failed_id)
    assert failed_state is not None and (failed_state.failure_reason or "").startswith(
        "InfeasibleCampaign: campaign infeasible (min_contacts)"
    )


def test_a_month_runs_through_the_embedded_sqlite_broker(data_env, start_worker, tmp_path):
    from prospect.settings import get_settings
    from worker.tasks import enqueue_run

    env = data_env("")  # no broker URL: the default, a SQLite file in the data folder
    assert get_settings().celery_broker_url.startswith("sqla+sqlite:///")
    start_worker(env)
    run_id = enqueue_run("2026-10", str(write_month(tmp_path / "in", seed=33)), "test")
    assert wait_for(run_id) == "draft"
    _assert_one_complete_campaign(run_id)


@pytest.mark.redis
def test_a_worker_killed_while_scoring_is_replaced_and_the_run_completes_once(
    redis_url, data_env, start_worker, tmp_path
):
    from prospect.pipeline import load_plan, partitions_pending
    from prospect.settings import get_settings
    from worker.tasks import enqueue_run

    env = data_env(redis_url, visibility_timeout=4)
    doomed = start_worker(env, PROSPECT_WORKER_TEST_SCORE_DELAY="30")
    run_id = enqueue_run("2026-10", str(write_month(tmp_path / "in", seed=34)), "test")
    assert wait_for(run_id, ("scoring",)) == "scoring"
    time.sleep(1.0)  # the worker now holds an unacknowledged scoring task, asleep
    kill(doomed)
    assert partitions_pending(get_settings(), load_plan(get_settings(), run_id)) == [0, 1, 2, 3]
    start_worker(env)
    assert wait_for(run_id) == "draft"
    _assert_one_complete_campaign(run_id)
    assert partitions_pending(get_settings(), load_plan(get_settings(), run_id)) == []


@pytest.mark.redis
def test_a_month_that_failed_on_a_worker_is_restarted_when_asked_again(
    redis_url, data_env, start_worker, tmp_path
):
    from prospect.pipeline import get_state
    from prospect.settings import get_settings
    from worker.tasks import enqueue_run

    env = data_env(redis_url)
    batch = write_month(tmp_path / "in", seed=35)
    landed = batch.read_bytes()
    run_id = enqueue_run("2026-10", str(batch), "test")  # planned; no worker yet
    batch.write_bytes(landed[: len(landed) // 2])  # the file is being copied again
    start_worker(env)
    assert wait_for(run_id) == "failed"
    state = get_state(get_settings(), run_id)
    assert state is not None and "changed since the run was planned" in (state.failure_reason or "")
    batch.write_bytes(landed)  # the copy completed: the same bytes, so the same run id
    assert enqueue_run("2026-10", str(batch), "test") == run_id
    assert wait_for(run_id) == "draft"
    _assert_one_complete_campaign(run_id)
    assert _audit_actions(run_id) == [
        "run.validating",
        "run.failed",
        "run.queued",
        "run.validating",
        "run.scoring",
        "run.selecting",
        "run.draft",
    ]


def test_a_worker_brings_a_fresh_database_to_the_latest_schema_when_it_starts(
    start_worker, tmp_path
):
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from prospect.settings import Settings
    from prospect.store import make_engine
    from prospect.store.db import alembic_config

    settings = Settings(data_dir=tmp_path / "var", environment="test")
    env = {"PROSPECT_DATA_DIR": str(settings.data_dir), "PROSPECT_ENVIRONMENT": "test",
           "PROSPECT_BROKER_URL": "", "PROSPECT_DATABASE_URL": ""}  # fmt: skip
    database = settings.data_dir / "prospect.db"
    assert not database.exists()
    start_worker(env)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    deadline, revision = time.monotonic() + 60, None
    while time.monotonic() < deadline and revision != head:
        time.sleep(0.5)
        if database.exists():
            engine = make_engine(settings.db_url)
            with engine.connect() as connection:
                revision = MigrationContext.configure(connection).get_current_revision()
            engine.dispose()
    assert revision == head
