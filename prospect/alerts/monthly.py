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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select

from prospect.alerts.config import AlertConfig, load_alert_config
from prospect.alerts.model_store import load_model
from prospect.alerts.rules import PD_COLUMN, evaluate_rules
from prospect.io import read_batch
from prospect.pipeline.partitions import partition_path
from prospect.pipeline.plan import load_plan, run_dir, write_parquet_atomic
from prospect.settings import Settings
from prospect.spec import load_spec
from prospect.store import make_engine, session_scope
from prospect.store.alerts import NewAlert, raise_alerts
from prospect.store.cardholders import watched_on
from prospect.store.models import Alert, WebhookDelivery
from prospect.synth.months import month_range
from prospect.webhooks import queue_deliveries
from risk.early_warning import EarlyWarningModel

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


def monthly_alerts(
    rows: pd.DataFrame,
    month: str,
    config: AlertConfig,
    model: EarlyWarningModel | None,
    history: Callable[[str], pd.DataFrame | None],
    *,
    chunk_size: int = 100_000,
) -> tuple[list[NewAlert], pd.DataFrame]:
    """Alerts for the cardholders in ``rows`` (this month's rows, ``user_id`` and ``month``
    columns) and the rows with their PD; ``history(month)`` gives an earlier month's panel.

    Cardholders are judged ``chunk_size`` at a time (each one's history alone decides), so
    memory stays flat however many are watched.
    """
    earlier = [history(m) for m in month_range(month, config.history_months)[:-1]]
    past = [frame for frame in earlier if frame is not None and len(frame)]
    alerts: list[NewAlert] = []
    scored = []
    for start in range(0, len(rows), chunk_size):
        chunk = rows.iloc[start : start + chunk_size]
        ids = chunk["user_id"]
        mine = [frame[frame["user_id"].isin(ids)] for frame in past]
        found, with_pd = _judge(chunk, mine, month, config, model)
        alerts.extend(found)
        scored.append(with_pd)
    out = pd.concat(scored, ignore_index=True) if scored else rows.assign(**{PD_COLUMN: np.nan})
    return alerts, out


def _judge(rows, past, month, config, model) -> tuple[list[NewAlert], pd.DataFrame]:
    scored = rows.copy()
    scored[PD_COLUMN] = float("nan")
    if model is not None and len(rows):
        panel = pd.concat([*past, scored], ignore_index=True)
        result = model.score_month(panel, month, n_reasons=0)
        scored[PD_COLUMN] = result["pd"].to_numpy()
    panel = pd.concat([*past, scored], ignore_index=True)
    fired = evaluate_rules(panel, month, config.rules)
    reasons = _reasons(model, panel, month, fired["user_id"].unique())
    pds = pd.Series(scored[PD_COLUMN].to_numpy(), index=scored["user_id"])
    alert_pd = pds.reindex(fired["user_id"]).to_numpy()
    alerts = [
        NewAlert(user_id=u, cause=c, severity=s, month=month, reasons=reasons.get(u, []),
                 pd=None if np.isnan(p) else float(p), figures=f)
        for (u, c, s, f), p in zip(fired.itertuples(index=False, name=None), alert_pd,
                                   strict=True)
    ]  # fmt: skip
    return alerts, scored


def _reasons(model, panel: pd.DataFrame, month: str, ids) -> dict[str, list[str]]:
    """Reason codes of the cardholders that tripped a rule (only those: text is costly)."""
    if model is None or not len(ids) or not hasattr(model.estimator_, "reason_codes"):
        return {}
    subset = panel[panel["user_id"].isin(ids)]
    codes = model.reason_codes(subset, month=month).to_numpy()
    who = subset.loc[subset["month"] == month, "user_id"].to_numpy()
    return {u: [r for r in row if isinstance(r, str)] for u, row in zip(who, codes, strict=True)}


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
