"""Histogram charts for the campaign summary, rendered off-screen to base64 PNG."""

from __future__ import annotations

import base64
import io
from typing import Any

from matplotlib.figure import Figure


def distribution_png(name: str, histogram: dict[str, Any]) -> str:
    """A bar chart of one ``{"edges", "counts"}`` histogram, as base64-encoded PNG."""
    edges, counts = histogram["edges"], histogram["counts"]
    fig = Figure(figsize=(5, 2.6), dpi=80)
    ax = fig.subplots()
    widths = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)]
    ax.bar(edges[:-1], counts, width=widths, align="edge", edgecolor="white")
    ax.set_xlabel(name)
    ax.set_ylabel("targets")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")
