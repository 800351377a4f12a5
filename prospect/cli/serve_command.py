"""``prospect serve``: run the REST API and the review page with uvicorn."""

from __future__ import annotations

import typer

from prospect.cli.app import app


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes."),
) -> None:
    """Serve /api/v1 and /review (settings from PROSPECT_* variables or .env)."""
    import uvicorn  # the API is an entry point of its own; import it only when serving

    # log_config=None keeps the logging set up by the CLI (stderr) instead of uvicorn's own.
    uvicorn.run(
        "api.main:create_app", factory=True, host=host, port=port, workers=workers,
        log_config=None, proxy_headers=False,
    )  # fmt: skip
