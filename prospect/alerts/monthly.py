"""One month's alerts from the cardholders' rows and their earlier months: early-warning PD
and reasons, then the rules; what to raise (the store keeps one open alert per cause)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from prospect.alerts.config import AlertConfig
from prospect.alerts.rules import PD_COLUMN, evaluate_rules
from prospect.store.alerts import NewAlert
from prospect.synth.months import month_range
from risk.early_warning import EarlyWarningModel


def monthly_alerts(
    rows: pd.DataFrame,
    month: str,
    config: AlertConfig,
    model: EarlyWarningModel | None,
    history: Callable[[str], pd.DataFrame | None],
    *,
    chunk_size: int = 50_000,
) -> tuple[list[NewAlert], pd.DataFrame]:
    """Alerts for the cardholders in ``rows`` (this month's rows, ``user_id`` and ``month``
    columns) and the rows with their PD; ``history(month)`` gives an earlier month's panel.

    Cardholders are judged ``chunk_size`` at a time (each one's history alone decides), so
    memory stays flat however many are watched.
    """
    earlier = [history(m) for m in month_range(month, config.history_months)[:-1]]
    past = [frame for frame in earlier if frame is not None and len(frame)]
    alerts: list[NewAlert] = []
    scored = []
    for start in range(0, len(rows), chunk_size):
        chunk = rows.iloc[start : start + chunk_size]
        ids = chunk["user_id"]
        mine = [frame[frame["user_id"].isin(ids)] for frame in past]
        found, with_pd = _judge(chunk, mine, month, config, model)
        alerts.extend(found)
        scored.append(with_pd)
    out = pd.concat(scored, ignore_index=True) if scored else rows.assign(**{PD_COLUMN: np.nan})
    return alerts, out


def _judge(rows, past, month, config, model) -> tuple[list[NewAlert], pd.DataFrame]:
    scored = rows.copy()
    scored[PD_COLUMN] = float("nan")
    if model is not None and len(rows):
        panel = pd.concat([*past, scored], ignore_index=True)
        result = model.score_month(panel, month, n_reasons=0)
        scored[PD_COLUMN] = result["pd"].to_numpy()
    panel = pd.concat([*past, scored], ignore_index=True)
    fired = evaluate_rules(panel, month, config.rules)
    reasons = _reasons(model, panel, month, fired["user_id"].unique())
    pds = pd.Series(scored[PD_COLUMN].to_numpy(), index=scored["user_id"])
    alert_pd = pds.reindex(fired["user_id"]).to_numpy()
    alerts = [
        NewAlert(user_id=u, cause=c, severity=s, month=month, reasons=reasons.get(u, []),
                 pd=None if np.isnan(p) else float(p), figures=f)
        for (u, c, s, f), p in zip(fired.itertuples(index=False, name=None), alert_pd,
                                   strict=True)
    ]  # fmt: skip
    return alerts, scored


def _reasons(model, panel: pd.DataFrame, month: str, ids) -> dict[str, list[str]]:
    """Reason codes of the cardholders that tripped a rule (only those: text is costly)."""
    if model is None or not len(ids) or not hasattr(model.estimator_, "reason_codes"):
        return {}
    subset = panel[panel["user_id"].isin(ids)]
    codes = model.reason_codes(subset, month=month).to_numpy()
    who = subset.loc[subset["month"] == month, "user_id"].to_numpy()
    return {u: [r for r in row if isinstance(r, str)] for u, row in zip(who, codes, strict=True)}
