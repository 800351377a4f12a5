"""How early a monthly alert list warns of defaults: share of defaults warned ahead, lead time.

Each month the ``alert_rate`` highest-scored ids of that month are alerted. A default in month
d counts as warned when its id was alerted in one of the ``lookback`` months before d (at least
one month ahead); its lead time is d minus the earliest such alert.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def alerted_rows(ids: np.ndarray, months: np.ndarray, score: np.ndarray, alert_rate: float):
    """Mask of the rows alerted: per month, the ``ceil(alert_rate * n)`` highest scores
    (ties broken by id, so the list does not depend on row order)."""
    if not 0.0 < alert_rate <= 1.0:
        raise ValueError(f"alert_rate must be in (0, 1]; got {alert_rate!r}.")
    frame = pd.DataFrame({"id": ids, "m": months, "s": np.nan_to_num(score, nan=-np.inf)})
    frame = frame.sort_values(["m", "s", "id"], ascending=[True, False, True], kind="stable")
    rank = frame.groupby("m").cumcount().to_numpy()
    size = frame.groupby("m")["id"].transform("size").to_numpy()
    chosen = rank < np.ceil(alert_rate * size)
    mask = np.zeros(len(ids), dtype=bool)
    mask[frame.index.to_numpy()[chosen]] = True
    return mask


def warning_summary(
    alerts: pd.DataFrame, default_month: pd.Series, *, lookback: int = 6
) -> dict[str, float | int | None]:
    """Share of defaults warned ahead and the median lead (months) among the warned.

    Parameters
    ----------
    alerts : DataFrame
        ``id`` and integer ``month`` of every alert.
    default_month : Series
        Integer default month by id: the defaults to judge.
    """
    if default_month.empty:
        return {"n_defaults": 0, "warned_share": None, "median_lead_months": None}
    joined = alerts.merge(default_month.rename("d"), left_on="id", right_index=True)
    ahead = joined[(joined["month"] < joined["d"]) & (joined["month"] >= joined["d"] - lookback)]
    lead = (ahead["d"] - ahead["month"]).groupby(ahead["id"]).max()
    return {
        "n_defaults": int(len(default_month)),
        "warned_share": float(len(lead) / len(default_month)),
        "median_lead_months": float(np.median(lead)) if len(lead) else None,
    }
