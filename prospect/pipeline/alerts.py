"""The alerts step of a monthly run: watched cardholders' rows of the month -> panel history ->
early-warning PD and reasons -> rules -> alerts (once per cardholder and cause) -> webhooks.

The month's cardholder rows are kept as ``artifacts/cardholders/panel_<month>.parquet`` (with
the model's PD, which next month's score-change rules read), so the model sees each
cardholder's history without keeping whole months. Running the step twice writes the same
panel file and raises nothing new, since an open alert is never raised again.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from prospect.alerts.config import load_alert_config
from prospect.alerts.model_store import load_model
from prospect.alerts.monthly import monthly_alerts
from prospect.io import read_batch
from prospect.pipeline.partitions import partition_path
from prospect.pipeline.plan import load_plan, run_dir, write_parquet_atomic
from prospect.settings import Settings
from prospect.spec import load_spec
from prospect.store import make_engine, session_scope
from prospect.store.alerts import raise_alerts
from prospect.store.cardholders import watched_on
from prospect.store.models import Alert, WebhookDelivery
from prospect.webhooks import queue_deliveries

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertsSummary:
    """What the step did; ``pending_deliveries`` are the webhook deliveries to send."""

    month: str
    n_watched: int
    n_alerts: int
    pending_deliveries: list[int] = field(default_factory=list)


def panel_path(settings: Settings, month: str) -> Path:
    return settings.artifacts_dir / "cardholders" / f"panel_{month}.parquet"


def month_end(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, calendar.monthrange(year, mon)[1])


def alerts_step(run_id: str, settings: Settings) -> AlertsSummary:
    """Raise the month's alerts for run ``run_id`` (its partitions must exist)."""
    plan = load_plan(settings, run_id)
    config = load_alert_config(settings.early_warning_config)
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            watched = set(watched_on(session, month_end(plan.month)))
        if not watched:
            return AlertsSummary(plan.month, 0, 0, _pending(engine, run_id))
        model = load_model(settings)
        rows = _month_rows(settings, run_id, plan.n_partitions, plan.spec_name, plan.month, watched)
        fired, scored = monthly_alerts(rows, plan.month, config, model,
                                       lambda m: _history(settings, m))  # fmt: skip
        write_parquet_atomic(scored, panel_path(settings, plan.month))
        with session_scope(engine) as session:
            created = raise_alerts(session, fired, run_id=run_id)
            if settings.webhook_url and created:
                queue_deliveries(session, created, settings.webhook_url)
        logger.info("run %s: %d watched cardholders, %d new alerts", run_id, len(watched),
                    len(created))  # fmt: skip
        return AlertsSummary(plan.month, len(watched), len(created), _pending(engine, run_id))
    finally:
        engine.dispose()


def _history(settings: Settings, month: str) -> pd.DataFrame | None:
    path = panel_path(settings, month)
    return pd.read_parquet(path) if path.is_file() else None


def _month_rows(settings, run_id, n_partitions, spec_name, month, watched) -> pd.DataFrame:
    """The watched cardholders' rows of the month, one partition in memory at a time."""
    spec = load_spec(spec_name)
    keep = [c.name for c in spec.columns if c.role in ("id", "month", "numeric", "boolean")]
    parts = []
    for index in range(n_partitions):
        frame = read_batch(partition_path(run_dir(settings, run_id) / "partitions", index), spec,
                           month=month)  # fmt: skip
        ids = frame[spec.id_column].astype(str)
        parts.append(frame.loc[ids.isin(watched).to_numpy(), keep])
    rows = pd.concat(parts, ignore_index=True)
    rows = rows.rename(columns={spec.id_column: "user_id", spec.month_column: "month"})
    rows["user_id"] = rows["user_id"].astype(str)
    return rows


def _pending(engine, run_id: str) -> list[int]:
    with session_scope(engine) as session:
        stmt = (select(WebhookDelivery.id).join(Alert, Alert.id == WebhookDelivery.alert_id)
                .where(Alert.run_id == run_id, WebhookDelivery.status == "pending"))  # fmt: skip
        return list(session.scalars(stmt))
