"""The Typer application shared by the command modules, its consoles and its exit codes."""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.exc import OperationalError

from prospect.logging_setup import PipeConsole, configure_logging
from prospect.settings import Settings

EXIT_PASS, EXIT_WARN, EXIT_QUARANTINE = 0, 1, 2
"""``prospect validate`` and ``prospect run``: the gate's outcome."""
EXIT_RUN_FAILED = 3
"""The run started and a step failed (its reason is printed and kept on the run)."""
EXIT_BAD_INPUT = 4
"""The command cannot start: no such batch, bad month, spec or config, no active model."""
EXIT_REFERENCE = 5
"""The reference month named for drift cannot be read; the batch was not judged."""
EXIT_DATABASE = 6
"""The database is locked, unreachable or refuses the write."""
EXIT_DISK_FULL = 7
"""No space left to write reports, partitions or the quarantined batch."""
EXIT_PERMISSION = 8
"""A folder or file may not be written (read-only folder, wrong owner)."""
EXIT_IO = 9
"""Any other operating-system error while reading or writing files."""
EXIT_SCORECARD_ONLY = 10
"""A scorecard-only bundle (its table has no demand label) was asked to select lists."""
_OS_CODES = {errno.ENOSPC: EXIT_DISK_FULL, errno.EDQUOT: EXIT_DISK_FULL,
             errno.EACCES: EXIT_PERMISSION, errno.EPERM: EXIT_PERMISSION,
             errno.EROFS: EXIT_PERMISSION}  # fmt: skip

app = typer.Typer(
    name="prospect",
    help="Credit-card prospects among 5G subscribers: gate, segment, score, target, review.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = PipeConsole()
err_console = PipeConsole(stderr=True)


@app.callback()
def _main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging.")) -> None:
    configure_logging("DEBUG" if verbose else "INFO")


@contextmanager
def operational_errors() -> Iterator[None]:
    """Turn what stops a gate or run command into one line and its own exit code.

    The gate's own outcomes exit 0/1/2; everything else (bad input, unreadable reference,
    locked database, disk full, no permission) exits with a code of its own, so automation
    never mistakes an outage for a warning or a quarantine.
    """
    from prospect.exceptions import ProspectError

    try:
        yield
    except ProspectError as exc:
        fail(exc, _PROSPECT_CODES.get(type(exc).__name__, EXIT_BAD_INPUT))
    except OperationalError as exc:
        fail(f"database unavailable or locked: {str(exc.orig).splitlines()[0]}", EXIT_DATABASE)
    except OSError as exc:
        code = _OS_CODES.get(exc.errno or 0, EXIT_IO)
        where = f" ({exc.filename})" if exc.filename else ""
        fail(f"{exc.strerror or exc}{where}; nothing was changed", code)


_PROSPECT_CODES = {"ReferenceUnreadableError": EXIT_REFERENCE,
                   "SchemaNotCurrentError": EXIT_DATABASE,
                   "ScorecardOnlyError": EXIT_SCORECARD_ONLY}  # fmt: skip


def open_database() -> Settings:
    """The settings, with the database brought to the latest schema: every command that opens
    the database starts here (:func:`prospect.startup.prepare_database`). A database that is
    unreachable, locked or newer than this code is one line and exit code 6."""
    from prospect.startup import prepare_database

    with operational_errors():
        return prepare_database()
    raise AssertionError("unreachable")  # operational_errors exits on every error


def fail(exc: Exception | str, code: int = 2) -> None:
    """Print a user-facing error on one line and exit ``code`` (no traceback)."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True, highlight=False)
    sys.exit(code)
