"""``prospect validate``: gate one batch file and show what failed; the exit code is the outcome."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from prospect.cli.app import (
    EXIT_PASS,
    EXIT_QUARANTINE,
    EXIT_WARN,
    app,
    console,
    open_database,
    operational_errors,
)
from prospect.quality import GateResult, gate_batch
from prospect.spec import load_spec

EXIT_CODES = {"pass": EXIT_PASS, "warn": EXIT_WARN, "quarantine": EXIT_QUARANTINE}
_STYLE = {"pass": "green", "warn": "yellow", "quarantine": "bold red"}


@app.command()
def validate(
    file: Path = typer.Argument(..., help="Batch file (CSV or Parquet)."),
    spec: str = typer.Option("subscriber_5g", "--spec", help="Spec name or YAML path."),
    reference: Path | None = typer.Option(
        None, "--reference", help="Last month that passed (for drift and the row-count band)."
    ),
    month: str | None = typer.Option(None, "--month", help="Batch month YYYY-MM."),
) -> None:
    """Run the data-quality gate: exit 0 on pass, 1 on warn, 2 on quarantine (3-9: see the
    README's exit codes)."""
    open_database()
    with operational_errors():
        gate = gate_batch(file, load_spec(spec), month=month, reference=reference)
    _print(gate)
    sys.exit(EXIT_CODES[gate.outcome])


def _print(gate: GateResult) -> None:
    table = Table(title=f"Data-quality failures ({len(gate.result.failures)})")
    for header in ("severity", "column", "check", "cause", "count", "examples"):
        table.add_column(header, overflow="fold")
    for f in gate.result.failures:
        count = "" if f.count is None else str(f.count)
        severity = f"[{_STYLE[f.severity]}]{f.severity}[/]"
        table.add_row(severity, f.column or "", f.check, f.cause, count, ", ".join(f.examples[:3]))
    if gate.result.failures:
        console.print(table)
    console.print(f"outcome: [{_STYLE[gate.outcome]}]{gate.outcome}[/]  report: {gate.report.html}",
                  soft_wrap=True)  # fmt: skip
    if gate.quarantined_path is not None:
        console.print(f"batch moved to quarantine: {gate.quarantined_path}", soft_wrap=True)
