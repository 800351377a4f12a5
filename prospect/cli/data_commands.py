"""Data commands: synth (demo months) and reading batches."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from prospect.cli.app import app, console, fail
from prospect.exceptions import ProspectError
from prospect.synth import write_months
from prospect.synth.uplift import LegacyPolicy


class FileFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


class TextEncoding(StrEnum):
    utf8 = "utf-8"
    gbk = "gbk"


@app.command()
def synth(
    users: int = typer.Option(..., "--users", min=1, help="Subscribers in the first month."),
    months: int = typer.Option(1, "--months", min=1, help="Consecutive months to write."),
    seed: int = typer.Option(0, "--seed", help="Random seed: same seed, same files."),
    out: Path = typer.Option(..., "--out", help="Folder for subscribers_YYYY-MM files."),
    fmt: FileFormat = typer.Option(FileFormat.parquet, "--format", help="File format."),
    encoding: TextEncoding = typer.Option(TextEncoding.utf8, "--encoding", help="CSV encoding."),
    chinese_headers: bool = typer.Option(
        False, "--chinese-headers", help="Chinese column headers (the DCIC names)."
    ),
    end_month: str = typer.Option("2026-10", "--end-month", help="Last month, YYYY-MM."),
    campaigns: bool = typer.Option(
        False, "--campaigns", help="Organic take-up and a legacy campaign with a control group."
    ),
    accepted_labels_only: bool = typer.Option(
        False,
        "--accepted-labels-only",
        help="Default labels only for subscribers a past policy accepted for a card.",
    ),
) -> None:
    """Write realistic synthetic subscriber months (labels' true probabilities under oracle/)."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    written: list[Path] = []
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"synth {users:,} users", total=months)

        def done(path: Path) -> None:
            written.append(path)
            progress.advance(task)

        try:
            write_months(
                out, users, months, seed=seed, fmt=fmt.value, encoding=encoding.value,
                chinese_headers=chinese_headers, end_month=end_month, on_month=done,
                campaigns=LegacyPolicy() if campaigns else None,
                label_history="accepted" if accepted_labels_only else "all",
            )  # fmt: skip
        except (ValueError, OSError, ProspectError) as exc:
            fail(str(exc))
    for path in written:
        size = path.stat().st_size / 2**20
        console.print(f"wrote {path} ({size:.1f} MiB)", soft_wrap=True, markup=False)
    oracle = Path(out) / "oracle"
    console.print(f"oracle (true label probabilities) in {oracle}", soft_wrap=True, markup=False)
