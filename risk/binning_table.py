"""Statistics of a binning: counts, event rate, weight of evidence and information value.

Kept apart from the solver so that the same formulas serve the binner, its reports and the
monitoring code. WOE follows the scorecard convention ``ln(share of non-events / share of
events)``: a higher WOE means a safer bin, so points rise with WOE.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def woe_iv(
    events: np.ndarray, non_events: np.ndarray, *, smoothing: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """WOE and IV contribution per bin.

    ``smoothing`` is added to every bin's event and non-event count so that a bin without
    events (or without non-events) gets a finite WOE instead of +/- infinity.
    """
    ev = np.asarray(events, dtype=float) + smoothing
    ne = np.asarray(non_events, dtype=float) + smoothing
    ev_share = ev / ev.sum()
    ne_share = ne / ne.sum()
    with np.errstate(divide="ignore"):
        woe = np.log(ne_share / ev_share)
    empty = (np.asarray(events) + np.asarray(non_events)) == 0
    woe = np.where(empty, 0.0, woe)
    iv = np.where(empty, 0.0, (ne_share - ev_share) * woe)
    return woe, iv


def binning_table(
    labels: Sequence[str],
    events: np.ndarray,
    counts: np.ndarray,
    *,
    smoothing: float = 0.0,
) -> pd.DataFrame:
    """One row per bin plus a ``Totals`` row: count, share, events, event rate, WOE, IV."""
    events = np.asarray(events, dtype=float)
    counts = np.asarray(counts, dtype=float)
    non_events = counts - events
    woe, iv = woe_iv(events, non_events, smoothing=smoothing)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(counts > 0, events / np.where(counts > 0, counts, 1), np.nan)
    table = pd.DataFrame(
        {
            "bin": list(labels),
            "count": counts.astype(int),
            "count_share": counts / counts.sum(),
            "non_event": non_events.astype(int),
            "event": events.astype(int),
            "event_rate": rate,
            "woe": woe,
            "iv": iv,
        }
    )
    totals = {
        "bin": "Totals",
        "count": int(counts.sum()),
        "count_share": 1.0,
        "non_event": int(non_events.sum()),
        "event": int(events.sum()),
        "event_rate": events.sum() / counts.sum(),
        "woe": np.nan,
        "iv": float(iv.sum()),
    }
    return pd.concat([table, pd.DataFrame([totals])], ignore_index=True)
