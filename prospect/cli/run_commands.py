"""``prospect run`` / ``runs`` / ``worker`` / ``beat``: the monthly run from the command line.

``run`` queues the month for the workers (``--wait`` follows it to the end); ``--inline`` runs
it in this process without Celery. ``worker`` and ``beat`` start the Celery processes with
defaults for a small machine. The worker package is imported only inside ``run`` (it is an
entry point, not a library).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from prospect.cli.app import (
    EXIT_PASS,
    EXIT_QUARANTINE,
    EXIT_RUN_FAILED,
    EXIT_WARN,
    app,
    console,
    fail,
    open_database,
    operational_errors,
)
from prospect.exceptions import ProspectError
from prospect.pipeline import (
    ENDED,
    RunResult,
    RunState,
    execute,
    get_state,
    plan_month,
    result_of,
)
from prospect.pipeline.scoring import check_run_spec
from prospect.pipeline.stability import report_paths
from prospect.pipeline.state import run_session
from prospect.settings import get_settings
from prospect.store import DQReport, Run

_STYLE = {"draft": "green", "approved": "green", "quarantined": "bold red", "failed": "bold red"}
CELERY = [sys.executable, "-m", "celery", "-A", "worker.celery_app"]


class Pool(StrEnum):
    prefork = "prefork"
    solo = "solo"


@app.command()
def run(
    month: str = typer.Option(..., "--month", help="Month to run, YYYY-MM."),
    batch: Path | None = typer.Option(None, "--batch", help="Batch file (default: landing)."),
    config: Path | None = typer.Option(None, "--config", help="Campaign config YAML."),
    wait: bool = typer.Option(False, "--wait", help="Follow the run until it ends."),
    inline: bool = typer.Option(False, "--inline", help="Run in this process, no Celery."),
    partitions: int | None = typer.Option(None, "--partitions", min=1, help="User partitions."),
    spawn_worker: bool = typer.Option(
        False,
        "--spawn-worker",
        help="Start a worker for this run and stop it after (implies "
        "--wait): the whole demo on the embedded SQLite broker, no server needed.",
    ),
    timeout: float = typer.Option(1800, "--timeout", help="Seconds --wait waits at most."),
    spec: str | None = typer.Option(
        None, "--spec", help="Spec the batch follows (checked against the promoted model's)."
    ),
) -> None:
    """Run the month: gate, personas, propensity, risk, selection, draft campaign."""
    open_database()
    with operational_errors():
        if spec is not None:
            check_run_spec(get_settings(), spec)
        if inline:
            _show(_run_inline(month, batch, config, partitions or 1))
            return
        from worker.tasks import enqueue_run

        worker = _start_worker(Pool.solo, 1) if spawn_worker else None
        try:
            run_id = enqueue_run(
                month, str(batch) if batch else None, "cli", config=config, partitions=partitions
            )
            console.print(f"queued run {run_id}", soft_wrap=True)
            if wait or spawn_worker:
                _show(_wait(run_id, timeout))
        finally:
            _stop(worker)


def _run_inline(month: str, batch: Path | None, config: Path | None, partitions: int) -> RunResult:
    """Plan and execute the run here; a step that fails on bad data ends the run ``failed``
    (shown with its reason) rather than as a command error."""
    settings = get_settings()
    plan, _ = plan_month(month, batch or _landing(month), config, settings=settings,
                         n_partitions=partitions, requested_by="cli")  # fmt: skip
    try:
        return execute(plan.run_id, settings)
    except ProspectError:
        return result_of(settings, plan.run_id)


def _landing(month: str) -> Path:
    from prospect.pipeline import batch_for_month

    return batch_for_month(get_settings(), month)


def _wait(run_id: str, timeout: float) -> RunResult:
    settings = get_settings()
    deadline = time.monotonic() + timeout
    with console.status(f"run {run_id}: queued") as status:
        while time.monotonic() < deadline:
            state = get_state(settings, run_id)
            if state is not None and state.status in ENDED:
                return result_of(settings, run_id)
            status.update(f"run {run_id}: {state.status if state else 'queued'}")
            time.sleep(1.0)
    fail(f"run {run_id} did not end within {timeout:g} s; follow it with `prospect runs`.",
         EXIT_RUN_FAILED)  # fmt: skip
    raise AssertionError("unreachable")


def _show(result: RunResult) -> None:
    state = result.state
    style = _STYLE.get(state.status, "yellow")
    console.print(f"run {state.run_id} ({state.month}): [{style}]{state.status}[/]")
    if state.failure_reason:
        console.print(f"reason: {state.failure_reason}", soft_wrap=True, markup=False)
    if state.timings:
        steps = ", ".join(f"{k} {v:.1f}s" for k, v in state.timings.items())
        console.print(f"timings: {steps}", soft_wrap=True)
    if result.campaign_id is not None:
        report = get_settings().reports_dir / "campaigns" / state.run_id / "summary.html"
        console.print(f"draft campaign {result.campaign_id}; summary {report}", soft_wrap=True)
        _show_stability(state.run_id)
    raise typer.Exit(_exit_code(state))


def _exit_code(state: RunState) -> int:
    """0/1/2 for a run whose gate passed, warned or quarantined; 3 for a failed run."""
    if state.status == "failed":
        return EXIT_RUN_FAILED
    if state.status == "quarantined":
        return EXIT_QUARANTINE
    if state.dq_report_id is None or state.status not in ("draft", "approved", "rejected"):
        return EXIT_PASS
    with run_session(get_settings()) as session:
        report = session.get(DQReport, state.dq_report_id)
        return EXIT_WARN if report is not None and report.outcome == "warn" else EXIT_PASS


def _show_stability(run_id: str) -> None:
    """The scorecard stability headline, when the run's bundle had a stability profile."""
    path = report_paths(get_settings(), run_id)["json"]
    if not path.exists():
        return
    report = json.loads(path.read_text(encoding="utf-8"))
    if report["score_psi"] is None:
        return
    worst = report["features"][0] if report["features"] else None
    tail = f"; most shifted feature {worst['variable']} PSI {worst['psi']:.3f}" if worst else ""
    console.print(f"scorecard stability: score PSI {report['score_psi']:.3f} "
                  f"({report['status']}){tail}; report {path.with_suffix('.html')}",
                  soft_wrap=True, markup=False)  # fmt: skip


@app.command()
def runs(limit: int = typer.Option(20, "--limit", min=1, help="Newest runs to list.")) -> None:
    """List runs, newest first, with their status and timings."""
    settings = open_database()
    with run_session(settings) as session:
        rows = [
            RunState.of(r) for r in session.query(Run).order_by(Run.created_at.desc()).limit(limit)
        ]
    table = Table(title=f"Runs ({len(rows)})")
    table.add_column("run id", no_wrap=True)
    for header in ("month", "status", "created", "wall s", "reason"):
        table.add_column(header, overflow="fold")
    for r in rows:
        ended = r.finished_at
        seconds = f"{(ended - r.created_at).total_seconds():.1f}" if ended else ""
        status = f"[{_STYLE.get(r.status, 'yellow')}]{r.status}[/]"
        table.add_row(
            r.run_id,
            r.month,
            status,
            f"{r.created_at:%Y-%m-%d %H:%M}",
            seconds,
            (r.failure_reason or "")[:120],
        )
    console.print(table)


def worker_command(
    pool: str = "solo", concurrency: int = 1, loglevel: str = "WARNING", name: str | None = None
) -> list[str]:
    """The ``celery worker`` command line for run tasks (also used by tests and benchmarks).

    Gossip, mingle and heartbeats are off: run tasks need no worker-to-worker chatter, and on
    the SQLite broker each would be one more polling loop.
    """
    return [
        *CELERY, "worker", "--pool", pool, "--concurrency", str(concurrency),
        "--loglevel", loglevel, "-Q", "prospect", "-n", name or f"prospect-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip


def _start_worker(pool: Pool, concurrency: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(worker_command(pool.value, concurrency, "WARNING"))


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@app.command()
def worker(
    concurrency: int = typer.Option(
        min(2, os.cpu_count() or 1), "--concurrency", min=1, help="Worker processes."
    ),
    pool: Pool = typer.Option(Pool.prefork, "--pool", help="prefork (processes) or solo."),
    loglevel: str = typer.Option("INFO", "--loglevel", help="Celery log level."),
) -> None:
    """Start a Celery worker for run tasks (replaces this process)."""
    command = worker_command(pool.value, concurrency, loglevel)
    os.execv(command[0], command)


@app.command()
def beat(loglevel: str = typer.Option("INFO", "--loglevel", help="Celery log level.")) -> None:
    """Start Celery beat: scans the landing folder on ``PROSPECT_SCHEDULE_CRON``."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    command = [*CELERY, "beat", "--loglevel", loglevel]
    os.execv(command[0], command)
