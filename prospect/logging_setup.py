"""Logging set-up, called only by entry points (CLI, API, worker); libraries never configure.

Logs go to stderr so a command's stdout stays machine-readable (e.g. a created API key). On a
terminal they are rendered by rich; piped or captured, each record is one plain line that is
never wrapped at a terminal width.
"""

from __future__ import annotations

import logging
import sys

from rich.console import Console, ConsoleDimensions
from rich.logging import RichHandler

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(message)s"
UNWRAPPED_WIDTH = 100_000
"""The width a console reports when its output is not a terminal: nothing is wrapped or cut."""


class PipeConsole(Console):
    """A rich console that fits tables and lines to the terminal only when there is one.

    Piped or captured output (CI logs, ``| grep``, tests) gets whole lines and whole table
    cells whatever ``COLUMNS`` or the width an earlier process left, so what a script or a
    test reads never depends on a terminal's width.
    """

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        return size if self.is_terminal else ConsoleDimensions(UNWRAPPED_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted (a test runner or a
    daemon may swap it after logging was configured; a handler bound to the old stream
    would write to a closed file)."""

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201 - StreamHandler's attribute
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # noqa: ANN001 - set by StreamHandler.__init__
        pass


def configure_logging(level: int | str = logging.INFO) -> None:
    handler: logging.Handler
    if sys.stderr.isatty():
        handler = RichHandler(console=PipeConsole(stderr=True), rich_tracebacks=False,
                              show_path=False)  # fmt: skip
        handler.setFormatter(logging.Formatter("%(message)s", datefmt="[%X]"))
    else:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter(PLAIN_FORMAT, datefmt="%H:%M:%S"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Schema migrations run on every start; their per-run chatter is noise at INFO.
    logging.getLogger("alembic").setLevel(logging.WARNING)
