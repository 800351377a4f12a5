"""``prospect cardholders`` (register card issues) and ``prospect alerts`` (list, train the
early-warning model, push pending webhooks)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from prospect.cardholders import read_card_issues
from prospect.cli.app import app, console, fail, open_database
from prospect.exceptions import ProspectError
from prospect.settings import get_settings
from prospect.store import StoreError, make_engine, session_scope
from prospect.store.alerts import list_alerts
from prospect.store.cardholders import register_cardholders
from prospect.store.models import WebhookDelivery

alerts_app = typer.Typer(help="Early warnings on new cardholders.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")


@app.command()
def cardholders(
    file: Path = typer.Argument(..., help="CSV: user_id, issued_on (YYYY-MM-DD), [took_card]."),
    campaign_id: int | None = typer.Option(None, "--campaign", help="Campaign that acquired them."),
    watch_months: int | None = typer.Option(
        None, "--watch-months", min=1, help="Default: watch_months of the config."
    ),  # fmt: skip
) -> None:
    """Register card issues: each cardholder is watched for early warnings from the issue date."""
    from prospect.alerts import load_alert_config

    settings = open_database()
    try:
        months = watch_months or load_alert_config(settings.early_warning_config).watch_months
        issues = read_card_issues(file)
        with session_scope(make_engine(settings.db_url)) as session:
            n = register_cardholders(session, issues, watch_months=months, actor="cli",
                                     campaign_id=campaign_id)  # fmt: skip
    except (ProspectError, ValueError) as exc:
        fail(exc)
    console.print(f"registered {n} cardholders, each watched {months} months")


@alerts_app.command("list")
def list_command(
    status: str | None = typer.Option(None, "--status"),
    severity: str | None = typer.Option(None, "--severity"),
    month: str | None = typer.Option(None, "--month"),
    limit: int = typer.Option(20, "--limit", min=1),
) -> None:
    """The newest alerts matching the filters."""
    settings = open_database()
    try:
        with session_scope(make_engine(settings.db_url)) as session:
            rows, total = list_alerts(session, status=status, severity=severity, month=month,
                                      limit=limit)  # fmt: skip
            table = Table("id", "cardholder", "cause", "severity", "status", "month", "pd",
                          "first reason")  # fmt: skip
            for a in rows:
                table.add_row(str(a.id), a.user_id, a.cause, a.severity, a.status, a.month,
                              "—" if a.pd is None else f"{a.pd:.1%}",
                              a.reasons[0] if a.reasons else "—")  # fmt: skip
    except (StoreError, ValueError) as exc:
        fail(exc)
    console.print(table)
    console.print(f"{total} alerts match")


@alerts_app.command("train")
def train_command(
    panel: Path = typer.Argument(..., help="Long panel (Parquet or CSV): user_id, month, ..."),
    default_column: str = typer.Option("defaulted_now", "--default-column",
                                       help="0/1 column flagging the month of default."),
    horizon: int = typer.Option(3, "--horizon", min=1, help="Predict default within k months."),
    seed: int = typer.Option(0, "--seed"),
) -> None:  # fmt: skip
    """Fit the early-warning model on a cardholder panel; the monthly run uses it from then on."""
    from prospect.alerts.training import read_panel, train_early_warning

    settings = get_settings()
    try:
        model = train_early_warning(settings, read_panel(panel), default_column=default_column,
                                    horizon=horizon, seed=seed, source=str(panel))  # fmt: skip
    except (ProspectError, ValueError, TypeError) as exc:
        fail(exc)
    console.print(f"early-warning model fitted on {model.n_training_rows_} rows, "
                  f"{len(model.feature_names_)} history features")  # fmt: skip


@alerts_app.command("deliver")
def deliver_command(
    queue: bool = typer.Option(False, "--queue", help="Hand them to the workers (with retries)."),
) -> None:
    """Push pending webhook deliveries: once each here, or through the workers with retries."""
    from sqlalchemy import select

    from prospect.webhooks import attempt_delivery

    settings = open_database()
    with session_scope(make_engine(settings.db_url)) as session:
        stmt = select(WebhookDelivery.id).where(WebhookDelivery.status == "pending")
        pending = list(session.scalars(stmt))
    if queue:
        from worker.tasks import enqueue_deliveries

        enqueue_deliveries(pending)
        console.print(f"queued {len(pending)} deliveries")
        return
    outcomes = [attempt_delivery(settings, d, last=False) for d in pending]
    console.print(f"{outcomes.count('delivered')} delivered, {outcomes.count('retry')} to retry, "
                  f"{outcomes.count('dead')} dead of {len(pending)} pending")  # fmt: skip
