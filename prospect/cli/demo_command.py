"""``prospect demo`` (what ``make run`` calls): the whole system on the embedded defaults.

Six synthetic months land (with past campaigns and their random controls), the first five
train and promote a model bundle (its uplift model learns from those campaigns), the latest
month runs through a real Celery worker on the SQLite broker (the list chosen by incremental
value; its expected incremental cardholders are printed beside a propensity ranking's), and
the API with the review page is served on localhost with a printed demo login. Every step is
idempotent: a second ``make run`` reuses the data, the bundle, the run and the login it made the
first time.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path

import typer
from sqlalchemy import select

from prospect import registry
from prospect.cli.app import app, console, fail, open_database
from prospect.cli.demo_alerts import (
    prepare_demo_cardholders,
    show_demo_alerts,
    write_demo_world,
)
from prospect.exceptions import ProspectError
from prospect.settings import Settings
from prospect.store import create_api_key, session_scope
from prospect.store.db import make_engine
from prospect.store.models import Run, User
from prospect.synth import month_range
from prospect.training import TrainingConfig, train

DEMO_USER = "demo-reviewer"
DEMO_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "demo_campaign.yaml"


def _history_dir(settings: Settings) -> Path:
    return settings.data_dir / "history"


def land_demo_months(settings: Settings, users: int, months: int, seed: int, end: str) -> str:
    """Write ``months`` months under ``history/``; move the newest into the landing folder."""
    history, landing = _history_dir(settings), settings.landing_dir
    newest = month_range(end, months)[-1]
    target = landing / f"subscribers_{newest}.parquet"
    if target.exists():
        console.print(f"demo data already there: {history}, {target}", markup=False)
        return newest
    write_demo_world(
        settings, history, users, months, seed, end
    )  # months with cardholders' trajectories
    landing.mkdir(parents=True, exist_ok=True)
    shutil.move(history / target.name, target)
    console.print(f"wrote {months - 1} history months to {history}; {newest} landed", markup=False)
    return newest


def train_and_promote(settings: Settings, seed: int) -> str:
    result = train(_history_dir(settings), "subscriber_5g", config=TrainingConfig(seed=seed))
    verb = "trained" if result.created else "reused"
    registry.promote(result.version, settings)
    console.print(f"{verb} and promoted model bundle {result.version}", markup=False)
    return result.version


def show_incremental(settings: Settings, month: str) -> None:
    """Print how the month's draft list was chosen and the cardholders it is expected to add."""
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            stmt = select(Run.run_id).where(Run.month == month, Run.status == "draft")
            run_id = session.scalars(stmt.order_by(Run.created_at.desc())).first()
    finally:
        engine.dispose()
    path = settings.reports_dir / "campaigns" / str(run_id) / "summary.json"
    if run_id is None or not path.is_file():
        return
    summary = json.loads(path.read_text(encoding="utf-8"))
    console.print(f"list of {summary['n_contacted']} contacts and a control of "
                  f"{summary['n_control']}: {summary.get('value_note', '')}", markup=False,
                  soft_wrap=True)  # fmt: skip
    inc, base = summary.get("incremental"), summary.get("incremental_propensity_ranking")
    if inc:
        line = (f"expected incremental cardholders: {inc['cardholders']:.1f} "
                f"(95% interval {inc['low']:.1f} to {inc['high']:.1f})")  # fmt: skip
        if base:
            line += f"; a propensity ranking on the same budget: {base['cardholders']:.1f}"
        console.print(line, markup=False, soft_wrap=True)


def demo_login(settings: Settings) -> dict[str, str]:
    """A reviewer login and an admin API key for the demo, kept in ``var/demo_login.json``."""
    path = settings.data_dir / "demo_login.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    from prospect.store import create_user

    password = secrets.token_urlsafe(12)
    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        existing = session.query(User).filter_by(username=DEMO_USER).one_or_none()
        if existing is not None:
            session.delete(existing)
            session.flush()
        create_user(session, DEMO_USER, password, "reviewer", actor="demo")
        _, key = create_api_key(session, name="demo-admin", role="admin", created_by="demo")
    engine.dispose()
    login = {"username": DEMO_USER, "password": password, "api_key": key}
    path.write_text(json.dumps(login), encoding="utf-8")
    os.chmod(path, 0o600)
    return login


@app.command()
def demo(
    users: int = typer.Option(20_000, "--users", min=100, help="Synthetic subscribers."),
    months: int = typer.Option(6, "--months", min=3, help="Synthetic months (last one is run)."),
    end_month: str = typer.Option("2026-10", "--end-month", help="Newest month, YYYY-MM."),
    seed: int = typer.Option(0, "--seed", help="Seed of data and models."),
    partitions: int = typer.Option(4, "--partitions", min=1, help="Scoring partitions."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve API + review page."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
) -> None:
    """The main job on the embedded defaults: data, training, a worker run, API and review."""
    from prospect.cli.run_commands import run
    from prospect.cli.serve_command import serve as serve_api

    settings = open_database()
    try:
        newest = land_demo_months(settings, users, months, seed, end_month)
        train_and_promote(settings, seed)
        prepare_demo_cardholders(settings, newest, seed)
        login = demo_login(settings)
    except ProspectError as exc:
        fail(exc)
    try:
        run(month=newest, batch=None, config=DEMO_CONFIG, wait=True, inline=False,
            partitions=partitions, spawn_worker=True, timeout=900, spec=None)  # fmt: skip
    except typer.Exit as exc:
        if exc.exit_code:
            raise
    show_incremental(settings, newest)
    url = f"http://{host}:{port}"
    console.print(
        f"\n[bold]Review page:[/] {url}/review  login [bold]{login['username']}[/] / "
        f"[bold]{login['password']}[/]\n[bold]API:[/] {url}/docs  admin key {login['api_key']}\n"
        f"Lists: curl -H 'Authorization: Bearer {login['api_key']}' {url}/api/v1/campaigns",
        soft_wrap=True,
    )
    show_demo_alerts(settings, newest, url, login["api_key"])
    if serve:
        serve_api(host=host, port=port, workers=1)
