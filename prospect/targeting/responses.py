"""Responses to a sent campaign: reading a CRM's response file, and the measured take-up of
contacted subscribers against the random control.

Each rate has a Wilson score interval (``scipy.stats.binomtest``); the difference has
Newcombe's hybrid score interval (Newcombe 1998, method 10), built from the two Wilson
intervals, which keeps good coverage for small counts and rates near 0 where the Wald
interval fails. The incremental cardholders are that difference times the contacted count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from prospect.exceptions import DataReadError
from prospect.targeting.history import read_csv_text, required_text

RESPONSE_FILE_COLUMNS = ("user_id", "took_card", "taken_on")


@dataclass(frozen=True)
class ResponseRow:
    """Whether a subscriber of a campaign took the card, and on which day (takers only)."""

    user_id: str
    took_card: bool
    taken_on: date | None


def read_response_file(path: str | Path) -> list[ResponseRow]:
    """Responses from a CSV: ``user_id``, ``took_card`` (0/1; without the column every listed
    subscriber took one) and ``taken_on`` (``YYYY-MM-DD``, for takers). Errors name the line."""
    frame = read_csv_text(path, "response file")
    if "user_id" not in frame.columns:
        raise DataReadError(f"response file {path} lacks column 'user_id'")
    rows = []
    for i, record in enumerate(frame.to_dict("records")):
        where = f"response file {path} line {i + 2}"
        took = str(record.get("took_card", "1")).strip()
        if took not in ("0", "1"):
            raise DataReadError(f"{where}: took_card must be 0 or 1; got {took!r}")
        day = str(record.get("taken_on", "")).strip()
        try:
            taken_on = date.fromisoformat(day) if day else None
        except ValueError:
            raise DataReadError(f"{where}: taken_on {day!r} is not a date (YYYY-MM-DD)") from None
        rows.append(
            ResponseRow(required_text(record["user_id"], where, "user_id"), took == "1", taken_on)
        )
    return rows


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


def response_report(history: pd.DataFrame, *, confidence: float = 0.95) -> dict[str, Any]:
    """Take-up of contacted subscribers (``treated`` 1) against the control (0), the
    difference with its interval and the incremental cardholders it means.

    ``history`` holds one row per subscriber with ``treated`` and ``took_card`` (0/1), as
    :func:`prospect.store.history.campaign_outcomes` makes. ``uplift`` and ``incremental`` are None
    when either group is empty.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1); got {confidence!r}")
    treated = history["treated"].to_numpy(dtype=np.int64) == 1
    took = history["took_card"].to_numpy(dtype=np.int64) == 1
    contacted = _rate(int(took[treated].sum()), int(treated.sum()), confidence)
    control = _rate(int(took[~treated].sum()), int((~treated).sum()), confidence)
    report: dict[str, Any] = {"confidence": confidence, "contacted": contacted,
                              "control": control, "uplift": None, "incremental": None}  # fmt: skip
    if contacted["n"] and control["n"]:
        low, high = _newcombe(contacted, control)
        difference = contacted["rate"] - control["rate"]
        report["uplift"] = {"difference": difference, "ci_low": low, "ci_high": high}
        n = contacted["n"]
        report["incremental"] = {"cardholders": difference * n, "ci_low": low * n,
                                 "ci_high": high * n}  # fmt: skip
    return report
