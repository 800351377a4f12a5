"""Logging set-up, called only by entry points (CLI, API, worker); libraries never configure.

Logs go to stderr so a command's stdout stays machine-readable (e.g. a created API key)."""

from __future__ import annotations

import logging

from rich.console import Console
from rich.logging import RichHandler


def configure_logging(level: int | str = logging.INFO) -> None:
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[
            RichHandler(console=Console(stderr=True), rich_tracebacks=False, show_path=False)
        ],
        force=True,
    )
    # Schema migrations run on every start; their per-run chatter is noise at INFO.
    logging.getLogger("alembic").setLevel(logging.WARNING)
