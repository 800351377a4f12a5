"""Report and model-card files served from the artifacts folder, never from outside it."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse

from api.problems import Problem

logger = logging.getLogger(__name__)

# Reports and model cards are generated pages with their own inline styles and images, and no
# script: the same policy wherever they are served (review page or API).
ARTIFACT_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'",
}


def artifact_file(path: str | Path | None, root: Path, what: str) -> Path:
    """``path`` if it is an existing file under ``root``; 404 naming ``what`` otherwise."""
    if path is not None:
        resolved = Path(path).resolve()
        if resolved.is_file() and resolved.is_relative_to(root.resolve()):
            return resolved
        logger.warning("%s file missing or outside %s: %s", what, root, path)
    raise Problem(404, f"the {what} file is not available.", slug="file-not-found")


def read_json(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``path``; a 500 is logged if the file is not an object."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TypeError(f"{what} file {path} must hold a JSON object; got {type(data).__name__}.")
    return data


def artifact_page(path: Path) -> HTMLResponse:
    """A generated HTML file as a response under :data:`ARTIFACT_HEADERS`."""
    return HTMLResponse(path.read_text(encoding="utf-8"), headers=ARTIFACT_HEADERS)
