"""The drift chart of the report: PSI per column as horizontal bars with the threshold lines."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from validation.result import DriftRow  # noqa: E402

_COLOURS = {"pass": "#4c9a2a", "warn": "#e0a100", "quarantine": "#c0392b"}


def drift_chart(rows: list[DriftRow], path: Path, *, warn: float, fail: float) -> Path | None:
    """Write a PNG bar chart of PSI per column; None when no column has a PSI."""
    scored = [r for r in rows if r.psi is not None]
    if not scored:
        return None
    fig, ax = plt.subplots(figsize=(7, 0.25 * len(scored) + 1.2))
    try:
        ax.barh(
            [r.column for r in scored],
            [float(r.psi or 0.0) for r in scored],
            color=[_COLOURS[r.status] for r in scored],
        )
        ax.axvline(warn, color=_COLOURS["warn"], linestyle="--", label=f"warn {warn}")
        ax.axvline(fail, color=_COLOURS["quarantine"], linestyle="--", label=f"fail {fail}")
        ax.invert_yaxis()
        ax.set_xlabel("PSI against the reference month")
        ax.legend(loc="lower right", fontsize="small")
        fig.tight_layout()
        fig.savefig(path, dpi=90)
    finally:
        plt.close(fig)
    return path
