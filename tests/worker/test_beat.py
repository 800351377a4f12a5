"""The beat schedule: the configured cron line, and the task that queues a new batch's run."""

from __future__ import annotations

import pytest

from tests.worker.helpers import write_month


def test_default_schedule_is_03_00_on_the_2nd_of_each_month(settings):
    from worker.celery_app import make_celery

    entry = make_celery(settings).conf.beat_schedule["scan-landing-for-new-batch"]
    schedule = entry["schedule"]
    assert entry["task"] == "worker.tasks.scan_landing"
    assert (schedule.minute, schedule.hour, schedule.day_of_month) == ({0}, {3}, {2})
    assert schedule.month_of_year == set(range(1, 13)) and schedule.day_of_week == set(range(7))


def test_the_cron_line_comes_from_the_settings(settings, monkeypatch):
    from prospect.settings import get_settings
    from worker.celery_app import make_celery

    monkeypatch.setenv("PROSPECT_SCHEDULE_CRON", "30 1 * * 1")
    get_settings.cache_clear()
    schedule = make_celery(get_settings()).conf.beat_schedule["scan-landing-for-new-batch"][
        "schedule"
    ]
    assert (schedule.minute, schedule.hour, schedule.day_of_week) == ({30}, {1}, {1})


@pytest.mark.parametrize(
    ("line", "message"),
    [("0 3 2 *", "schedule_cron must have 5 fields"), ("0 25 2 * *", "is not a valid cron line")],
)
def test_a_bad_cron_line_is_refused_naming_it(line, message):
    from worker.beat import cron_schedule

    with pytest.raises(ValueError, match=message):
        cron_schedule(line)


def test_the_beat_task_queues_the_newest_unrun_batch_once(data_env, tmp_path):
    from prospect.pipeline import get_state
    from prospect.settings import get_settings
    from worker.tasks import scan_landing

    data_env("")  # embedded broker: the queued message waits in a SQLite file
    settings = get_settings()
    landed = write_month(settings.landing_dir, seed=41, users=200)
    run_id = scan_landing.run()
    state = get_state(settings, run_id)
    assert state is not None and (state.status, state.month) == ("queued", "2026-10")
    assert state.batch_path == str(landed.resolve())
    assert scan_landing.run() is None  # that batch now has a run: nothing new to queue
