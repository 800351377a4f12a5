"""The beat schedule: look for a newly landed batch on a cron (default 03:00 on the 2nd)."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

SCAN_TASK = "worker.tasks.scan_landing"


def cron_schedule(expression: str) -> crontab:
    """A Celery crontab from a 5-field cron line ``minute hour day-of-month month day-of-week``.

    Raises ValueError naming the expression when it has not 5 fields or a field is invalid.
    """
    fields = expression.split() if isinstance(expression, str) else []
    if len(fields) != 5:
        raise ValueError(
            "schedule_cron must have 5 fields (minute hour day-of-month month day-of-week); "
            f"got {expression!r}."
        )
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    try:
        return crontab(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
        )
    except ValueError as exc:
        raise ValueError(f"schedule_cron {expression!r} is not a valid cron line: {exc}") from exc


def beat_schedule(expression: str) -> dict[str, dict[str, Any]]:
    """Celery's ``beat_schedule``: one entry that scans the landing folder."""
    return {
        "scan-landing-for-new-batch": {"task": SCAN_TASK, "schedule": cron_schedule(expression)}
    }
