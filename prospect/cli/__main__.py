"""``python -m prospect.cli``: the same command as the ``prospect`` script."""

from prospect.cli import app

app(prog_name="prospect")
