"""Model cards: what a bundle was trained on and how well it does, as JSON and as HTML.

The JSON is the record (the API and reports read it); the HTML renders the same dict with the
charts beside it, so the two can never disagree.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

CARD_JSON = "model_card.json"
CARD_HTML = "model_card.html"
TEMPLATE = "model_card.html.j2"
REQUIRED_KEYS = ("version", "data", "metrics", "credit_risk", "folds", "by_month", "top_features")


def template_environment() -> Environment:
    """The Jinja2 environment of ``prospect/templates`` (autoescaped, strict, with the
    ``num`` and ``pct`` filters), shared by the model card and the run's stability report."""
    env = Environment(
        loader=PackageLoader("prospect", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
    )
    env.filters["num"] = _number
    env.filters["pct"] = lambda v: "n/a" if v is None else f"{100 * float(v):.1f}%"
    return env


def _number(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):.{digits}f}"


def render_html(card: dict[str, Any]) -> str:
    """The card as a standalone HTML page (charts referenced by file name, beside it)."""
    missing = [k for k in REQUIRED_KEYS if k not in card]
    if missing:
        raise ValueError(f"card lacks the keys {missing}; got {sorted(card)}.")
    return template_environment().get_template(TEMPLATE).render(card=card)


def write_model_card(card: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    """Write ``model_card.json`` and ``model_card.html`` into ``directory``; return both paths."""
    html = render_html(card)
    directory = Path(directory)
    json_path, html_path = directory / CARD_JSON, directory / CARD_HTML
    text = json.dumps(card, indent=2, default=str, allow_nan=False)
    json_path.write_text(text, encoding="utf-8")
    html_path.write_text(html, encoding="utf-8")
    return json_path, html_path


def read_model_card(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(directory) / CARD_JSON).read_text(encoding="utf-8"))
    return data
