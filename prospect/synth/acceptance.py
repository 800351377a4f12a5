"""The reject-inference world: default labels exist only for subscribers a past policy
accepted for a card.

In a real operator, default outcomes come from the partner bank's cardholders, and they hold
a card because they applied and a past credit policy approved them; prospects are, by
definition, the others. Here a subscriber applied with a chance rising with their card demand
(``p_took_card``), and the past policy approved applicants whose risk, as the bank saw it then
(the true log-odds of default plus noise: an older, cruder view of the same risk), was below
its cut-off. The oracle keeps every subscriber's true ``p_default``, so a scorecard trained on
the accepted can be judged on the whole population.

Each subscriber's draws are keyed by a hash of their id, so a subscriber stays accepted (or
not) from month to month. Today's generator output (everyone labelled) stays the default;
:func:`apply_label_history` turns a month into this world.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import logit, ndtri

APPLY_BASE, APPLY_SLOPE = 0.15, 4.0  # P(applied) = clip(base + slope * p_took_card, 0, 1)
APPROVAL_RATE = 0.6  # share of applicants the past policy approved
POLICY_NOISE = 0.8  # sd of the noise on the policy's view of the default log-odds
_STREAMS = {"applied": 11, "policy": 12}


def stable_uniform(ids: pd.Series, seed: int, stream: str) -> np.ndarray:
    """One uniform in (0, 1) per id, the same for an id in every month and every run."""
    keyed = ids.astype(str) + f"|{seed}|{_STREAMS[stream]}"
    hashed = pd.util.hash_pandas_object(keyed, index=False).to_numpy(dtype=np.uint64)
    return ((hashed >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


def past_policy_accepts(
    ids: pd.Series, p_default: np.ndarray, p_took_card: np.ndarray, *, seed: int = 0
) -> np.ndarray:
    """Whether the past policy accepted each subscriber: applied, then approved on a noisy
    view of their default risk (the safest ``APPROVAL_RATE`` of applicants)."""
    p_default = np.clip(np.asarray(p_default, float), 1e-9, 1 - 1e-9)
    chance = np.clip(APPLY_BASE + APPLY_SLOPE * np.asarray(p_took_card, float), 0.0, 1.0)
    applied = stable_uniform(ids, seed, "applied") < chance
    seen_risk = logit(p_default) + POLICY_NOISE * ndtri(stable_uniform(ids, seed, "policy"))
    if not applied.any():
        return applied
    cutoff = np.quantile(seen_risk[applied], APPROVAL_RATE)
    return applied & (seen_risk <= cutoff)


def apply_label_history(
    frame: pd.DataFrame, oracle: pd.DataFrame, *, seed: int = 0, id_column: str = "user_id",
    risk_label: str = "defaulted", demand_label: str = "took_card", holder_column: str = "has_card",
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """A month of the label-history world: the accepted hold the card (and are not offered
    one), only they have a default label; the oracle gains an ``accepted`` column."""
    truth = oracle.set_index(id_column).reindex(frame[id_column])
    accepted = past_policy_accepts(frame[id_column], truth["p_default"].to_numpy(),
                                   truth["p_took_card"].to_numpy(), seed=seed)  # fmt: skip
    out = frame.copy()
    out[holder_column] = accepted.astype(out[holder_column].dtype)
    out[risk_label] = np.where(accepted, out[risk_label], np.nan)
    out[demand_label] = np.where(accepted, np.nan, out[demand_label])
    marked = oracle.copy()
    marked["accepted"] = pd.Series(accepted, index=frame[id_column].to_numpy()).reindex(
        oracle[id_column].to_numpy()).to_numpy()  # fmt: skip
    return out, marked
