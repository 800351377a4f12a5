"""Model-card charts as PNG files: cumulative gain with lift, calibration (reliability) and the
uplift model's Qini curve."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DPI = 96


def lift_gain_chart(table: Sequence[dict[str, Any]], path: Path) -> Path:
    """Cumulative gain against share contacted (left) and lift per decile (right)."""
    contacted = [0.0, *(r["contacted"] for r in table)]
    gain = [0.0, *(r["gain"] for r in table)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), dpi=DPI)
    left.plot(contacted, gain, marker="o", label="model")
    left.plot([0, 1], [0, 1], linestyle="--", color="grey", label="random")
    left.set(xlabel="share of subscribers contacted", ylabel="share of card takers found",
             title="Cumulative gain (test month)")  # fmt: skip
    left.legend(loc="lower right")
    right.bar([r["decile"] for r in table], [r["lift"] for r in table], color="#3b7dd8")
    right.axhline(1.0, linestyle="--", color="grey")
    right.set(xlabel="top deciles contacted", ylabel="cumulative lift", title="Lift")
    return _save(fig, path)


def calibration_chart(table: Sequence[dict[str, Any]], path: Path) -> Path:
    """Observed card-take rate against the mean predicted probability per score bin."""
    predicted = [r["mean_predicted"] for r in table]
    observed = [r["observed_rate"] for r in table]
    top = max([*predicted, *observed, 1e-3]) * 1.05
    fig, ax = plt.subplots(figsize=(4.5, 4), dpi=DPI)
    ax.plot([0, top], [0, top], linestyle="--", color="grey", label="perfect")
    ax.plot(predicted, observed, marker="o", label="model")
    ax.set(xlabel="mean predicted p_demand", ylabel="observed rate",
           title="Calibration (test month)", xlim=(0, top), ylim=(0, top))  # fmt: skip
    ax.legend(loc="upper left")
    return _save(fig, path)


def qini_chart(n: Sequence[float], gain: Sequence[float], path: Path) -> Path:
    """Incremental takers found against subscribers contacted by predicted uplift (test month),
    beside random targeting (the straight line to the same end point)."""
    fig, ax = plt.subplots(figsize=(4.5, 4), dpi=DPI)
    ax.plot(n, gain, label="uplift model")
    ax.plot([0, n[-1]], [0, gain[-1]], linestyle="--", color="grey", label="random")
    ax.set(xlabel="subscribers, highest predicted uplift first",
           ylabel="incremental takers (contacted - scaled control)",
           title="Qini curve (test month)")  # fmt: skip
    ax.legend(loc="lower right")
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path
