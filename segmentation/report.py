"""Persona report: one HTML page with persona sizes, a heat map of standardised profile values
and the profile table, charts embedded as base64 PNGs so the file travels alone.

Names and columns may be in any language (a spec's words can be Chinese); the page's text shows
them as they are, and a chart label the plotting font cannot draw falls back to the persona id
or a numbered column, so a chart never carries empty boxes.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from jinja2 import Environment
from markupsafe import Markup
from matplotlib import font_manager, ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from segmentation.profiles import profile_personas

if TYPE_CHECKING:
    from segmentation.segmenter import PersonaSegmenter

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}
table{border-collapse:collapse;font-size:0.85em}td,th{border:1px solid #ccc;padding:3px 6px}
img{max-width:100%}</style></head><body>
<h1>{{ title }}</h1>
<p>{{ n_rows }} subscribers in {{ k }} personas (gamma {{ "%.3f"|format(gamma) }},
cost {{ "%.1f"|format(cost) }} on the fitted sample).</p>
<h2>Personas</h2>
<ul>{% for pid, name, size, share in personas %}
<li><b>{{ pid }}: {{ name }}</b> &mdash; {{ size }} ({{ "%.1f"|format(100 * share) }}%)</li>
{% endfor %}</ul>
<h2>Sizes</h2><img alt="persona sizes" src="data:image/png;base64,{{ sizes_png }}">
<h2>What sets each persona apart</h2>
<p>Standardised difference from the whole population (0 = population average).</p>
<img alt="profile heat map" src="data:image/png;base64,{{ heatmap_png }}">
<h2>Choice of k</h2>{{ k_table }}
<h2>Profiles</h2>{{ profile_table }}
</body></html>
"""


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _drawable(text: str) -> bool:
    """Whether the default plotting font has a glyph for every character of ``text``."""
    path = font_manager.findfont(font_manager.FontProperties())
    charmap = ft2font.FT2Font(path).get_charmap()
    return all(ord(ch) in charmap or ch.isspace() for ch in text)


def _label(text: str, fallback: str) -> str:
    return text if _drawable(text) else fallback


def _sizes_png(profiles: pd.DataFrame) -> str:
    fig = Figure(figsize=(8, 0.5 + 0.4 * len(profiles)))
    ax = fig.add_subplot()
    labels = [
        _label(f"{p}: {n}", f"persona {p}")
        for p, n in zip(profiles["persona"], profiles["name"], strict=True)
    ]
    ax.barh(labels, profiles["size"], color="#4878a8")
    ax.invert_yaxis()
    ax.set_xlabel("subscribers")
    fig.tight_layout()
    return _png(fig)


def _heatmap_png(deltas: pd.DataFrame) -> str:
    values = deltas.to_numpy(dtype=float)
    fig = Figure(figsize=(max(6.0, 0.45 * values.shape[1]), 1.0 + 0.45 * values.shape[0]))
    ax = fig.add_subplot()
    limit = max(float(np.nanmax(np.abs(values))), 0.5) if values.size else 1.0
    image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    columns = [_label(str(c), f"column {i + 1}") for i, c in enumerate(deltas.columns)]
    ax.set_xticks(range(values.shape[1]), columns, rotation=60, ha="right")
    ax.set_yticks(range(values.shape[0]), [str(i) for i in deltas.index])
    ax.set_ylabel("persona")
    fig.colorbar(image, ax=ax, label="standardised difference")
    fig.tight_layout()
    return _png(fig)


def write_persona_report(
    segmenter: PersonaSegmenter, X: pd.DataFrame, path: str | Path, *, title: str = "Personas"
) -> Path:
    """Write the persona report for ``X`` (profiled with the fitted segmenter) to ``path``."""
    labels = segmenter.predict(X)
    profiles, deltas = profile_personas(
        X, labels, segmenter.numeric_columns, segmenter.categorical_columns
    )
    profiles.insert(1, "name", [segmenter.names_[int(p)] for p in profiles["persona"]])
    html = (
        Environment(autoescape=True)
        .from_string(TEMPLATE)
        .render(
            title=title,
            n_rows=len(X),
            k=segmenter.k_,
            gamma=segmenter.gamma_,
            cost=segmenter.cost_,
            personas=profiles[["persona", "name", "size", "share"]].itertuples(index=False),
            sizes_png=_sizes_png(profiles),
            heatmap_png=_heatmap_png(deltas),
            k_table=_table(segmenter.k_selection_),
            profile_table=_table(profiles),
        )
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target


def _table(frame: pd.DataFrame) -> Markup:
    return Markup(frame.to_html(index=False, float_format=lambda v: f"{v:.3g}", border=0))
