"""Risk that moves: per-cardholder trajectories layered on top of the generated months.

A subscriber who takes the card becomes a cardholder. From then on each cardholder carries a
latent stress: a slow drift (for some, a steady worsening) plus sudden shocks (job loss, moving
away, a number going silent). Stress shows at once in the telecom signals — arrears, later
and smaller top-ups, a falling balance, lower spend, loan and finance apps surging, a handset
or region change, calls and data going quiet — and only ``lag`` months later in the monthly
default hazard. The true hazard is kept per cardholder and month (the oracle), so an early
warning can be judged against the best possible.

Nothing here changes :func:`prospect.synth.generate_months`: today's output stays the
default, and these trajectories are applied to its months only by those who ask.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from prospect.synth.latent import REGIONS
from prospect.synth.months import SynthMonth, generate_months

EVENT_COLUMNS = ("user_id", "month", "issued_month", "defaulted_now", "hazard", "p_default_next")


@dataclass(frozen=True)
class TrajectoryConfig:
    """How cardholders' risk moves; every rate is per month."""

    drift_share: float = 0.25  # cardholders on a slow worsening path
    drift_low: float = 0.08
    drift_high: float = 0.3
    shock_rate: float = 0.015  # chance of a sudden shock in a month
    shock_low: float = 2.0
    shock_high: float = 3.5
    lag: int = 2  # months from stress to hazard
    hazard_slope: float = 1.3  # log hazard per unit of lagged stress
    horizon: int = 3  # months ahead of the oracle's ``p_default_next``

    def check(self) -> None:
        """Refuse values that make no world: shares in [0, 1], ranges ordered, lag >= 1."""
        for name in ("drift_share", "shock_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1]; got {value!r}.")
        if not (0 <= self.drift_low <= self.drift_high and 0 <= self.shock_low <= self.shock_high):
            raise ValueError("drift_low <= drift_high and shock_low <= shock_high must hold.")
        if self.lag < 1 or self.horizon < 1:
            raise ValueError(f"lag and horizon must be >= 1; got {self.lag}, {self.horizon}.")


class RiskTrajectories:
    """Stateful across months: feed :meth:`step` the generated months oldest first."""

    def __init__(self, *, seed: int = 0, config: TrajectoryConfig | None = None) -> None:
        self.seed = seed
        self.config = config or TrajectoryConfig()
        self.config.check()
        self._state = pd.DataFrame(
            {"issued": pd.Series(dtype=object), "h0": pd.Series(dtype=float),
             "drift": pd.Series(dtype=float), "defaulted": pd.Series(dtype=bool)}
        )  # fmt: skip
        self._stress: list[pd.Series] = []  # one per month since the first, by user id
        self._k = 0

    def step(self, month: SynthMonth) -> tuple[SynthMonth, pd.DataFrame]:
        """The month with cardholders' signals moved, and the cardholders' events (see
        ``EVENT_COLUMNS``: default this month, true hazard, true chance of default within
        ``horizon`` months)."""
        rng = np.random.default_rng([self.seed, self._k, 77])
        self._k += 1
        frame = month.frame.copy()
        self._enrol(rng, frame, month)
        live = self._state.index[~self._state["defaulted"]].intersection(frame["user_id"])
        stress, shocked = self._move(rng, live)
        rows = frame.index[frame["user_id"].isin(live)]
        order = pd.Index(frame.loc[rows, "user_id"])
        _show(rng, frame, rows, stress.reindex(order).to_numpy(), shocked.reindex(order).to_numpy())
        hazard = self._hazard(live, 0)
        defaulted = rng.random(len(live)) < hazard
        self._state.loc[live[defaulted], "defaulted"] = True
        events = pd.DataFrame({
            "user_id": live.to_numpy(dtype=object), "month": month.month,
            "issued_month": self._state.loc[live, "issued"].to_numpy(),
            "defaulted_now": defaulted.astype(float), "hazard": hazard,
            "p_default_next": self._p_next(live),
        }).sort_values("user_id", ignore_index=True)  # fmt: skip
        oracle = month.oracle.merge(
            events[["user_id", "hazard"]], on="user_id", how="left", validate="one_to_one"
        )
        return replace(month, frame=frame, oracle=oracle), events

    def _enrol(self, rng: np.random.Generator, frame: pd.DataFrame, month: SynthMonth) -> None:
        took = frame.loc[frame["took_card"] == 1.0, "user_id"]
        new = pd.Index(took[~took.isin(self._state.index)])
        if len(new) == 0:
            return
        p12 = month.oracle.set_index("user_id").loc[new, "p_default"].to_numpy()
        c = self.config
        drifting = rng.random(len(new)) < c.drift_share
        drift = np.where(drifting, rng.uniform(c.drift_low, c.drift_high, len(new)), 0.0)
        added = pd.DataFrame(
            {"issued": month.month, "h0": 1.0 - (1.0 - p12) ** (1 / 12), "drift": drift,
             "defaulted": False}, index=new,
        )  # fmt: skip
        self._state = pd.concat([self._state, added]) if len(self._state) else added

    def _move(self, rng: np.random.Generator, live: pd.Index) -> tuple[pd.Series, pd.Series]:
        c = self.config
        before = self._stress[-1].reindex(live).fillna(0.0) if self._stress else 0.0 * _zeros(live)
        shocked = pd.Series(rng.random(len(live)) < c.shock_rate, index=live)
        jump = rng.uniform(c.shock_low, c.shock_high, len(live)) * shocked.to_numpy()
        stress = before + self._state.loc[live, "drift"].to_numpy() + jump
        self._stress.append(stress)
        return stress, shocked

    def _lagged(self, live: pd.Index, back: int) -> np.ndarray:
        """Stress ``back`` months ago (0 before the card or before the first month)."""
        if back >= len(self._stress) or back < 0:
            return np.zeros(len(live))
        return self._stress[-1 - back].reindex(live).fillna(0.0).to_numpy()

    def _hazard(self, live: pd.Index, ahead: int) -> np.ndarray:
        """True hazard ``ahead`` months from now, stress beyond today extrapolated by its
        expected growth (drift plus the mean shock)."""
        c = self.config
        back = c.lag - ahead
        stress = self._lagged(live, back)
        if back < 0:
            growth = self._state.loc[live, "drift"].to_numpy()
            growth = growth + c.shock_rate * (c.shock_low + c.shock_high) / 2
            stress = self._lagged(live, 0) + growth * (-back)
        h0 = self._state.loc[live, "h0"].to_numpy()
        return np.minimum(0.9, h0 * np.exp(c.hazard_slope * stress))

    def _p_next(self, live: pd.Index) -> np.ndarray:
        survive = np.ones(len(live))
        for ahead in range(1, self.config.horizon + 1):
            survive *= 1.0 - self._hazard(live, ahead)
        return 1.0 - survive


def _zeros(index: pd.Index) -> pd.Series:
    return pd.Series(np.zeros(len(index)), index=index)


def _show(
    rng: np.random.Generator, frame: pd.DataFrame, rows: pd.Index, stress: np.ndarray,
    shocked: np.ndarray,
) -> None:  # fmt: skip
    """Write stress into the cardholders' telecom signals (in place, within spec ranges)."""
    if len(rows) == 0:
        return
    q = 1.0 - np.exp(-np.maximum(stress, 0.0) / 2.0)  # 0 calm .. 1 in deep trouble
    n = len(rows)
    col = frame.loc[rows]
    arrears = (col["is_in_arrears"].to_numpy() > 0) | (rng.random(n) < 0.7 * q)
    frame.loc[rows, "is_in_arrears"] = arrears.astype(float)
    late = np.round(q * rng.uniform(0.0, 4.0, n))
    frame.loc[rows, "months_since_last_payment"] = np.minimum(
        col["months_since_last_payment"].to_numpy() + late, 120.0)  # fmt: skip
    stopped = rng.random(n) < q * 0.8
    topup = np.where(stopped, 0.0, col["last_payment_amount"].to_numpy() * (1.0 - 0.5 * q))
    frame.loc[rows, "last_payment_amount"] = np.round(topup, -1)
    bill = col["bill_amount"].to_numpy()
    frame.loc[rows, "bill_amount"] = np.round(bill * (1.0 - 0.5 * q), 2)
    frame.loc[rows, "avg_spend_6m"] = np.round(col["avg_spend_6m"].to_numpy() * (1.0 - 0.25 * q), 2)
    balance = col["account_balance"].to_numpy() - q * bill * rng.uniform(1.0, 3.0, n)
    frame.loc[rows, "account_balance"] = np.round(np.clip(balance, -5000.0, 50000.0), 2)
    finance = col["app_finance_count"].to_numpy() + rng.poisson(25.0 * q)
    frame.loc[rows, "app_finance_count"] = np.minimum(finance, 100000.0)
    quiet = 1.0 - 0.7 * q * (rng.random(n) < 0.5)  # half go quiet: calls and data fall
    frame.loc[rows, "call_circle_size"] = np.round(col["call_circle_size"].to_numpy() * quiet)
    frame.loc[rows, "voice_minutes"] = np.round(col["voice_minutes"].to_numpy() * quiet, 1)
    for name in ("data_down_gb", "data_up_gb"):
        frame.loc[rows, name] = np.round(col[name].to_numpy() * quiet, 3)
    moved = shocked & (rng.random(n) < 0.4)
    frame.loc[rows[moved], "region"] = rng.choice(np.array(REGIONS, dtype=object), int(moved.sum()))
    frame.loc[rows[moved], "has_5g_handset"] = 0.0


def generate_cardholder_months(
    n_users: int,
    n_months: int,
    *,
    seed: int = 0,
    end_month: str = "2026-10",
    config: TrajectoryConfig | None = None,
    months: Iterable[SynthMonth] | None = None,
) -> Iterator[tuple[SynthMonth, pd.DataFrame]]:
    """The generated months with cardholders' risk trajectories applied, and their events.

    ``months`` defaults to :func:`generate_months` with the same arguments.
    """
    source = months if months is not None else generate_months(
        n_users, n_months, seed=seed, end_month=end_month)  # fmt: skip
    world = RiskTrajectories(seed=seed, config=config)
    for month in source:
        yield world.step(month)
