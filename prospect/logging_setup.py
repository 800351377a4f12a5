"""Logging set-up, called only by entry points (CLI, API, worker); libraries never configure."""

from __future__ import annotations

import logging

from rich.logging import RichHandler


def configure_logging(level: int | str = logging.INFO) -> None:
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(rich_tracebacks=False, show_path=False)],
        force=True,
    )
