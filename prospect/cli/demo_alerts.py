"""The demo's cardholders: the generated world written with risk trajectories, card issues
registered, the early-warning model fitted, and the run's alerts shown (review page, API and
what the bank's webhook receives)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from prospect.alerts import load_alert_config
from prospect.alerts.model_store import load_model
from prospect.alerts.world import prepare_cardholders, train_on_world, write_world
from prospect.cli.app import console
from prospect.pipeline.alerts import alerts_step
from prospect.settings import Settings
from prospect.store import Run, make_engine, session_scope
from prospect.store.alerts import list_alerts
from prospect.store.models import Cardholder, WebhookDelivery
from prospect.synth import month_range
from prospect.synth.uplift import LegacyPolicy
from prospect.webhooks import alert_body, attempt_delivery

PREHISTORY_USERS, PREHISTORY_MONTHS = 12_000, 18


def panel_file(settings: Settings) -> Path:
    """The demo world's cardholder panel (outside ``history/``, which training reads)."""
    return settings.data_dir / "demo_cardholder_panel.parquet"


def write_demo_world(
    settings: Settings, history: Path, users: int, months: int, seed: int, end: str
) -> None:
    """The demo's months with cardholders' risk trajectories and past campaigns with a random
    control (what the uplift model learns from), and their panel."""
    _, panel = write_world(history, users, months, seed=seed, end_month=end,
                           campaigns=LegacyPolicy())  # fmt: skip
    panel.to_parquet(panel_file(settings), index=False)


def prepare_demo_cardholders(settings: Settings, newest: str, seed: int) -> None:
    """Register the cardholders issued before ``newest`` and fit the model once."""
    path = panel_file(settings)
    if not path.is_file():
        console.print("no cardholder panel in the demo data: alerts are skipped", markup=False)
        return
    config = load_alert_config(settings.early_warning_config)
    panel = pd.read_parquet(path)
    n = prepare_cardholders(settings, panel, newest, watch_months=config.watch_months)
    if load_model(settings) is None:
        first = month_range(str(panel["month"].min()), 2)[0]  # the month before the demo's
        rows = train_on_world(settings, users=PREHISTORY_USERS, months=PREHISTORY_MONTHS,
                              seed=seed + 1, end_month=first)  # fmt: skip
        console.print(f"early-warning model fitted on {rows} cardholder-months of a "
                      f"{PREHISTORY_MONTHS}-month generated history", markup=False)  # fmt: skip
    console.print(f"{n} demo cardholders registered and watched", markup=False)


def show_demo_alerts(settings: Settings, month: str, url: str, api_key: str) -> None:
    """Raise the month's alerts if the worker has not yet, push them when a webhook is
    configured, and print where to see them."""
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            stmt = select(Run.run_id).where(Run.month == month, Run.status == "draft")
            run_id = session.scalars(stmt.order_by(Run.created_at.desc())).first()
        if run_id is None:
            return
        alerts_step(run_id, settings)
        with session_scope(engine) as session:
            rows, total = list_alerts(session, month=month, limit=1)
            pending = list(session.scalars(select(WebhookDelivery.id).where(
                WebhookDelivery.status == "pending")))  # fmt: skip
            sample = alert_body(rows[0], session.get(Cardholder, rows[0].user_id)) if rows else None
    finally:
        engine.dispose()
    console.print(f"\n[bold]Cardholder alerts for {month}:[/] {total}; {url}/review/alerts, "
                  f"curl -H 'Authorization: Bearer {api_key}' {url}/api/v1/alerts",
                  soft_wrap=True)  # fmt: skip
    if settings.webhook_url:
        outcomes = [attempt_delivery(settings, d, last=False) for d in pending]
        done = outcomes.count("delivered")
        console.print(f"webhooks to {settings.webhook_url}: {done} delivered of {len(pending)}; "
                      "the log is on each alert's page", markup=False)  # fmt: skip
    elif sample is not None:
        console.print("no PROSPECT_WEBHOOK_URL: nothing pushed. The bank would receive, signed:",
                      markup=False)  # fmt: skip
        console.print(json.dumps(json.loads(sample), ensure_ascii=False), soft_wrap=True,
                      markup=False)  # fmt: skip
