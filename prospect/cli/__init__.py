"""The ``prospect`` command. Each sub-module registers its commands on :data:`app`."""

from prospect.cli.app import app

# Command modules register themselves on import.
from prospect.cli import data_commands  # noqa: E402,F401
from prospect.cli import account_commands  # noqa: E402,F401
from prospect.cli import validate_command  # noqa: E402,F401
from prospect.cli import serve_command  # noqa: E402,F401
from prospect.cli import run_commands  # noqa: E402,F401
from prospect.cli import model_commands  # noqa: E402,F401
from prospect.cli import demo_command  # noqa: E402,F401
from prospect.cli import campaign_commands  # noqa: E402,F401

__all__ = ["app"]
