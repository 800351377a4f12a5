"""The Typer application shared by the command modules."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from prospect.logging_setup import configure_logging

app = typer.Typer(
    name="prospect",
    help="Credit-card prospects among 5G subscribers: gate, segment, score, target, review.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


@app.callback()
def _main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging.")) -> None:
    configure_logging("DEBUG" if verbose else "INFO")


def fail(exc: Exception | str, code: int = 2) -> None:
    """Print a user-facing error and exit non-zero (no traceback for expected errors)."""
    err_console.print(f"[bold red]error:[/] {exc}")
    sys.exit(code)
