"""The ``prospect`` command. Each command module registers its commands on :data:`app`
when imported, so importing them here is what puts them on the command line."""

from prospect.cli import (  # noqa: F401
    account_commands,
    alert_commands,
    campaign_commands,
    data_commands,
    demo_command,
    model_commands,
    run_commands,
    serve_command,
    validate_command,
)
from prospect.cli.app import app

__all__ = ["app"]
