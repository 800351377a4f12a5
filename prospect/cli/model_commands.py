"""Model commands: ``prospect train``, ``prospect promote`` and ``prospect models``."""

from __future__ import annotations

import getpass
import time
import warnings
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from prospect import registry
from prospect.cli.app import (
    EXIT_BAD_INPUT,
    EXIT_SCORECARD_ONLY,
    app,
    console,
    fail,
    open_database,
    operational_errors,
)
from prospect.exceptions import ProspectError
from prospect.training import STEPS, LibraryVersionWarning, TrainingConfig, train
from prospect.training.exceptions import ScorecardOnlyError


@app.command("train")
def train_command(
    data: Path = typer.Option(..., "--data", help="Folder of monthly batch files."),
    spec: str = typer.Option("subscriber_5g", "--spec", help="Built-in spec name or YAML path."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random step."),
    folds: int = typer.Option(2, "--folds", min=1, help="Time folds in the model card."),
    personas: int | None = typer.Option(None, "--personas", help="Fixed persona count."),
    promote: bool = typer.Option(False, "--promote", help="Promote the bundle when done."),
    scorecard_from: str = typer.Option(
        "", "--scorecard-from", metavar="BUNDLE",
        help="For a table without a risk label: score risk with this bundle's scorecard "
        "(a version or folder). Without it, such a table's lists carry no risk filter.",
    ),
) -> None:  # fmt: skip
    """Fit personas, propensity and scorecard (latest month held out) into a model bundle.

    A spec without a risk label trains no scorecard: its lists are selected with no risk
    filter and say so, unless --scorecard-from names a bundle to take the scorecard from.
    """
    open_database()
    config = TrainingConfig(seed=seed, n_folds=folds, n_personas=personas,
                            scorecard_from=scorecard_from)  # fmt: skip
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    started = time.perf_counter()
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("training", total=len(STEPS))

        def step(name: str) -> None:
            progress.update(task, description=f"[{STEPS.index(name) + 1}/{len(STEPS)}] {name}")
            console.log(f"{name} ...")

        with operational_errors():  # a full disk or locked database: its own exit code
            try:
                result = train(data, spec, config=config, on_step=step)
            except ValueError as exc:  # a spec, label or option the table cannot honour
                fail(exc, EXIT_BAD_INPUT)
    if not result.created:
        console.print(f"model bundle {result.version} already exists for these data, spec, "
                      f"parameters and seed; nothing trained.", markup=False)  # fmt: skip
    else:
        console.print(f"wrote model bundle {result.version} in "
                      f"{time.perf_counter() - started:.0f} s to {result.directory}",
                      soft_wrap=True, markup=False)  # fmt: skip
        _print_metrics(result.manifest["metrics"])
        _print_calibration(result.manifest.get("calibration_choice"))
        _print_risk_model(result.manifest.get("risk_model"))
    if promote:
        promote_command(result.version)
    elif result.created:
        console.print(f"promote it with: prospect promote {result.version}", markup=False)


def _print_metrics(metrics: dict[str, Any]) -> None:
    prop, card = metrics["propensity"], metrics["scorecard"]
    console.print(f"test month: propensity PR-AUC {_fmt(prop['pr_auc'])}, ROC-AUC "
                  f"{_fmt(prop['roc_auc'])}; scorecard ROC-AUC {_fmt(card['roc_auc'])}, "
                  f"KS {_fmt(card['ks'])}", markup=False)  # fmt: skip
    challenger = metrics.get("challenger")
    if challenger is not None:
        console.print(f"challenger (monotone XGBoost) ROC-AUC {_fmt(challenger['roc_auc'])}, "
                      f"KS {_fmt(challenger['ks'])}", markup=False)  # fmt: skip
    ratio = metrics.get("oracle_pr_auc_ratio")
    if ratio is not None:
        console.print(f"propensity PR-AUC / oracle PR-AUC: {ratio:.3f}", markup=False)


def _print_risk_model(risk: dict[str, Any] | None) -> None:
    """Where the bundle's risk scores come from, or the warning its lists will carry."""
    if risk is None:
        return
    if risk["risk_warning"]:
        console.print(f"risk model: none. {risk['risk_warning']}", markup=False)
    elif risk.get("scorecard_from"):
        console.print(f"risk model: the scorecard of bundle {risk['scorecard_from']} (not "
                      "measured here: this table has no risk label)", markup=False)  # fmt: skip


def _print_calibration(report: dict[str, Any] | None) -> None:
    """What calibration the propensity model chose on held-out rows, and why."""
    if report is None:
        return
    figures = ", ".join(
        f"{name} Brier {c['brier']:.4f} log-loss {c['log_loss']:.4f}"
        for name, c in report["candidates"].items()
    )
    console.print(f"calibration: {report['chosen']} ({report['reason']}; held-out "
                  f"{report['held_out_rows']} rows: {figures})", markup=False)  # fmt: skip


@app.command("promote")
def promote_command(
    version: str = typer.Argument(..., help="Bundle version to score with."),
) -> None:
    """Make a trained bundle the one used for scoring (exactly one is active).

    A scorecard-only bundle (trained on a table with a risk label alone) selects no list and
    is refused with exit code 10; use it with `prospect train --scorecard-from VERSION`.
    """
    open_database()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LibraryVersionWarning)
        try:
            row = registry.promote(version, actor=f"cli:{getpass.getuser()}")
        except ScorecardOnlyError as exc:
            fail(exc, EXIT_SCORECARD_ONLY)
        except ProspectError as exc:  # no such version, or a bundle that fails its checksum
            fail(exc, EXIT_BAD_INPUT)
    for warning in caught:
        console.print(f"warning: {warning.message}", style="yellow", markup=False)
    console.print(f"promoted {row['version']}; new runs score with it.", markup=False)


@app.command("models")
def models_command() -> None:
    """List trained bundles with their test-month metrics and which one is active."""
    open_database()
    rows = registry.list_versions()
    if not rows:
        console.print("no model bundles yet; run `prospect train --data DIR`.", markup=False)
        return
    table = Table("active", "created", "PR-AUC", "vs oracle", "risk AUC", "KS")
    table.columns.insert(0, Column("version", no_wrap=True))
    for row in rows:
        prop = row["metrics"].get("propensity", {})
        risk = row["metrics"].get("scorecard", {})
        table.add_row(
            row["version"], "*" if row["is_active"] else "",
            row["created_at"].strftime("%Y-%m-%d %H:%M"), _fmt(prop.get("pr_auc")),
            _fmt(row["metrics"].get("oracle_pr_auc_ratio")), _fmt(risk.get("roc_auc")),
            _fmt(risk.get("ks")),
        )  # fmt: skip
    console.print(table)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"
