"""Response of a sent campaign: take-up rate of contacted targets against the control group.

Each rate has a Wilson score interval (``scipy.stats.binomtest``); the difference has
Newcombe's hybrid score interval (Newcombe 1998, method 10), built from the two Wilson
intervals, which keeps good coverage for small counts and rates near 0 where the Wald
interval fails.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import binomtest

from prospect.exceptions import DataReadError


def load_responses(path: str | Path) -> pd.DataFrame:
    """Read a response CSV: user_id and optionally took_card (0/1); listed users without a
    took_card column are takers. Returns user_id (str) and took_card (float 0/1)."""
    try:
        frame = pd.read_csv(path, dtype={"user_id": str})
    except (OSError, pd.errors.ParserError) as exc:
        raise DataReadError(f"cannot read response file {path}: {exc}") from exc
    if "user_id" not in frame.columns:
        raise DataReadError(f"response file {path} lacks column 'user_id'")
    if "took_card" not in frame.columns:
        frame["took_card"] = 1.0
    took = pd.to_numeric(frame["took_card"], errors="coerce")
    if not took.isin([0.0, 1.0]).all():
        raise DataReadError(f"response file {path}: took_card must be 0 or 1")
    return pd.DataFrame({"user_id": frame["user_id"], "took_card": took.astype(float)})


def _rate(takers: int, n: int, confidence: float) -> dict[str, Any]:
    if n == 0:
        return {"n": 0, "takers": 0, "rate": None, "ci_low": None, "ci_high": None}
    ci = binomtest(takers, n).proportion_ci(confidence_level=confidence, method="wilson")
    return {"n": n, "takers": takers, "rate": takers / n, "ci_low": ci.low, "ci_high": ci.high}


def _newcombe(a: dict[str, Any], b: dict[str, Any]) -> tuple[float, float]:
    diff = a["rate"] - b["rate"]
    low = diff - math.hypot(a["rate"] - a["ci_low"], b["ci_high"] - b["rate"])
    high = diff + math.hypot(a["ci_high"] - a["rate"], b["rate"] - b["ci_low"])
    return low, high


def response_report(
    targets: pd.DataFrame, responses: pd.DataFrame, *, confidence: float = 0.95
) -> dict[str, Any]:
    """Take-up of contacted targets vs control, and the uplift with its interval.

    Targets absent from ``responses`` count as non-takers; responses from users not in the
    list are ignored (they are not part of this experiment).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1); got {confidence!r}")
    took = set(responses.loc[responses["took_card"] == 1.0, "user_id"].astype(str))
    hit = targets["user_id"].astype(str).isin(took)
    control = targets["is_control"].astype(bool)
    contacted = _rate(int(hit[~control].sum()), int((~control).sum()), confidence)
    held_out = _rate(int(hit[control].sum()), int(control.sum()), confidence)
    report: dict[str, Any] = {"confidence": confidence, "contacted": contacted, "control": held_out}
    if contacted["n"] and held_out["n"]:
        low, high = _newcombe(contacted, held_out)
        uplift = contacted["rate"] - held_out["rate"]
        report["uplift"] = {"difference": uplift, "ci_low": low, "ci_high": high}
    else:
        report["uplift"] = None
    return report
