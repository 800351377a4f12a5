"""Control group: a random, persona-stratified part of the list that is never contacted, sized by
the power calculation of the campaign config, on top of the budget's contacts.

Size. The budget buys ``B`` contacts; the control ``C_B`` is the smallest that detects the
config's ``min_uplift`` beside ``B`` contacts (:func:`prospect.control_power.control_size`) at
the list's base rate, and the list holds up to ``B + C_B`` rows. A list the constraints keep
shorter (``N < B + C_B``) holds out the smallest ``C`` with ``C >= control_size(N - C)``: fewer
contacts need a larger control. Since ``control_size`` rises as the contacts fall, iterating
``C <- control_size(N - C)`` from ``max(0, N - B)`` climbs to that smallest ``C`` and never past
it. The control never outnumbers the contacts (which bounds every list by ``2 B`` for the exact
shortlists): when the power calculation asks for more, the list is split in halves (contacts
get the odd one) and the summary marks the control *underpowered*, with the smallest uplift it
can detect (:func:`prospect.control_power.detectable_uplift`).

Base rate. The power calculation needs the take-up rate of the control; it is estimated as the
mean ``p_demand`` of the ``B`` candidates of highest value (the list the budget buys when no
quota binds). That is the list's take-up when contacted, above its take-up without contact, so
for rates below one half it errs towards a larger control.

Membership hashes ``campaign_key:user_id`` with BLAKE2b, so it is reproducible, independent of
row order and different from one campaign to the next. The ``C`` places are shared among the
personas in proportion to their rows (largest remainders, ties by persona name), and within
each persona the members with the smallest hashes are held out, so the control's persona mix is
the list's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from prospect.control_power import control_size
from prospect.targeting.config import CampaignConfig

_MAX_STEPS = 10_000


@dataclass(frozen=True)
class ControlPlan:
    """The control of a campaign: its size for the full budget and the rate it was sized at."""

    budget_control: int
    base_rate: float | None


@dataclass(frozen=True)
class ControlSplit:
    """How many of a list's rows are held out, and whether that meets the power calculation."""

    size: int
    underpowered: bool


def _hash(campaign_key: str, user_id: str) -> int:
    digest = hashlib.blake2b(f"{campaign_key}:{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _size(contacts: int, base_rate: float, config: CampaignConfig) -> int | None:
    """Control for ``contacts`` contacts, None when no control is enough."""
    assert config.control is not None
    rate = min(max(base_rate, 0.0), 1.0 - config.control.min_uplift - 1e-9)
    try:
        return control_size(contacts, rate, config.control.min_uplift,
                            alpha=config.control.alpha, power=config.control.power)  # fmt: skip
    except ValueError:
        return None


def plan_control(p_demand: np.ndarray, value: np.ndarray, config: CampaignConfig) -> ControlPlan:
    """Control size for the budget's contacts, from the candidates' ``p_demand`` and value
    (capped at the contacts)."""
    if config.control is None or len(value) == 0:
        return ControlPlan(0, None)
    contacts = min(config.max_contacts, len(value))
    top = np.lexsort((np.arange(len(value)), -np.asarray(value, dtype=float)))[:contacts]
    base = float(np.mean(np.asarray(p_demand, dtype=float)[top]))
    size = _size(contacts, base, config)
    return ControlPlan(contacts if size is None else min(size, contacts), base)


def split_control(n_list: int, plan: ControlPlan, config: CampaignConfig) -> ControlSplit:
    """Control of a list of ``n_list`` rows: the smallest ``C >= max(0, n_list - B)`` with
    ``C >= control_size(n_list - C)``, else half the list, underpowered (module docstring)."""
    if config.control is None or plan.base_rate is None or n_list == 0:
        return ControlSplit(0, False)
    size = max(0, n_list - config.max_contacts)
    for _ in range(_MAX_STEPS):
        contacts = n_list - size
        needed = _size(contacts, plan.base_rate, config) if contacts >= 1 else None
        if needed is None or needed > contacts:
            return ControlSplit(n_list // 2, True)
        if needed <= size:
            return ControlSplit(size, False)
        size = needed
    return ControlSplit(n_list // 2, True)  # pragma: no cover


def _allocate(sizes: pd.Series, total: int) -> pd.Series:
    """``total`` places shared in proportion to ``sizes`` (largest remainders, ties by name)."""
    exact = sizes * (total / sizes.sum())
    base = np.floor(exact).astype(int)
    left = total - int(base.sum())
    remainder = (exact - base).rename("r").reset_index()
    order = remainder.sort_values(["r", remainder.columns[0]], ascending=[False, True],
                                  kind="mergesort").index[:left]  # fmt: skip
    base.iloc[order] += 1
    return base


def control_flags(
    user_ids: pd.Series, personas: pd.Series, *, campaign_key: str, size: int
) -> np.ndarray:
    """Boolean mask (aligned with ``user_ids``) of the ``size`` rows held out as control."""
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= len(user_ids):
        raise ValueError(f"size must be an int in [0, {len(user_ids)}]; got {size!r}")
    frame = pd.DataFrame(
        {
            "persona": personas.astype(str).to_numpy(),
            "hash": [_hash(campaign_key, str(u)) for u in user_ids],
            "user_id": user_ids.astype(str).to_numpy(),
        }
    ).sort_values(["persona", "hash", "user_id"], kind="mergesort")
    flags = np.zeros(len(frame), dtype=bool)
    if size == 0:
        return flags
    quota = _allocate(frame.groupby("persona", sort=True).size(), size)
    position = frame.groupby("persona", sort=False).cumcount().to_numpy()
    held = position < frame["persona"].map(quota).to_numpy()
    flags[frame.index.to_numpy()] = held
    return flags
