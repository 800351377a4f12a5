"""A run of synthetic months: the same subscribers month to month, with churn and newcomers.

Each month yields the canonical frame of the ``subscriber_5g`` spec and, apart, the oracle
(true label probabilities) that a trained model is compared with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from prospect.spec import DatasetSpec, load_spec
from prospect.synth import acceptance, labels
from prospect.synth.fields import observe
from prospect.synth.latent import (
    HANDSET_BANDS,
    PLAN_TIERS,
    REGIONS,
    Population,
    new_subscribers,
    next_month,
)

SPEC_NAME = "subscriber_5g"
LABEL_HISTORIES = ("all", "accepted")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_CATEGORIES = {
    "region": np.array(REGIONS, dtype=object),
    "plan_tier": np.array(PLAN_TIERS, dtype=object),
    "fee_sensitivity": np.array([str(level) for level in range(6)], dtype=object),
}


@dataclass(frozen=True)
class SynthMonth:
    """One synthetic month: the canonical batch frame and its oracle (never used in training).

    Attributes
    ----------
    month : str
        ``YYYY-MM``.
    frame : pandas.DataFrame
        Canonical frame of the ``subscriber_5g`` spec, labels included.
    oracle : pandas.DataFrame
        ``user_id, month, p_took_card, p_default``: the true probabilities the labels were drawn
        from, so the best attainable score is known.
    """

    month: str
    frame: pd.DataFrame
    oracle: pd.DataFrame


def month_range(end_month: str, n_months: int) -> list[str]:
    """The ``n_months`` months ending at ``end_month``, oldest first."""
    match = _MONTH.match(end_month) if isinstance(end_month, str) else None
    if match is None:
        raise ValueError(f"end_month must be 'YYYY-MM'; got {end_month!r}.")
    last = int(match.group(1)) * 12 + int(match.group(2)) - 1
    return [f"{k // 12:04d}-{k % 12 + 1:02d}" for k in range(last - n_months + 1, last + 1)]


def _check_counts(n_users: int, n_months: int) -> None:
    for name, value in (("n_users", n_users), ("n_months", n_months)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"{name} must be an int; got {type(value).__name__}.")
        if value < 1:
            raise ValueError(f"{name} must be at least 1; got {value}.")


def generate_months(
    n_users: int, n_months: int, *, seed: int = 0, end_month: str = "2026-10",
    label_history: str = "all",
) -> Iterator[SynthMonth]:  # fmt: skip
    """Yield ``n_months`` consecutive synthetic months ending at ``end_month``.

    The first month has exactly ``n_users`` subscribers; later months lose ~1.5% and gain about
    as many newcomers (new ``user_id``), while staying users keep their id, number and plan.

    Parameters
    ----------
    n_users : int
        Subscribers in the first month (at least 1).
    n_months : int
        How many months (at least 1).
    seed : int
        Same seed, same months (bit for bit).
    end_month : str
        The last month, ``YYYY-MM``.
    label_history : {"all", "accepted"}
        ``"all"`` labels every subscriber (today's world); ``"accepted"`` keeps default
        labels only for those a past policy accepted for a card (see
        :mod:`prospect.synth.acceptance`).

    Yields
    ------
    SynthMonth
        Oldest month first. ``took_card`` is NaN for card holders (``has_card`` = 1): they are
        not offered a card, though the oracle still gives their ``p_took_card``.
    """
    _check_counts(n_users, n_months)
    if label_history not in LABEL_HISTORIES:
        raise ValueError(f"label_history must be one of {LABEL_HISTORIES}; got {label_history!r}.")
    months = month_range(end_month, n_months)
    spec = load_spec(SPEC_NAME)
    offset = int(np.random.default_rng([seed, 1_000_003]).integers(0, 10**9))
    pop = new_subscribers(
        np.random.default_rng([seed, 0, 0]), n_users, 0, msisdn_offset=offset, newcomers=False
    )
    next_serial = n_users
    for k, month in enumerate(months):
        if k > 0:
            rng = np.random.default_rng([seed, k, 0])
            pop, _, joined = next_month(
                rng, pop, n_users, next_serial=next_serial, msisdn_offset=offset
            )
            next_serial += joined
        built = _build_month(spec, pop, month, seed=seed, k=k)
        if label_history == "accepted":
            frame, oracle = acceptance.apply_label_history(built.frame, built.oracle, seed=seed)
            built = SynthMonth(month=month, frame=frame, oracle=oracle)
        yield built


def _build_month(spec: DatasetSpec, pop: Population, month: str, *, seed: int, k: int):
    year, mon = int(month[:4]), int(month[5:])
    obs = observe(np.random.default_rng([seed, k, 1]), pop, (year - 2024) * 12 + mon - 1)
    p_took = labels.took_card_probability(obs)
    p_default = labels.default_probability(obs)
    label_rng = np.random.default_rng([seed, k, 2])
    took = labels.draw(label_rng, p_took)
    obs["took_card"] = np.where(obs["has_card"] == 1.0, np.nan, took)  # holders are not offered
    obs["defaulted"] = labels.draw(label_rng, p_default)
    obs["credit_score"] = labels.credit_score(label_rng, obs, pop)
    frame = _to_frame(spec, obs, pop, month)
    oracle = pd.DataFrame(
        {"user_id": frame["user_id"], "month": frame["month"],
         "p_took_card": p_took, "p_default": p_default}
    )  # fmt: skip
    return SynthMonth(month=month, frame=frame, oracle=oracle)


def _to_frame(spec: DatasetSpec, obs: dict, pop: Population, month: str) -> pd.DataFrame:
    n = pop["serial"].shape[0]
    columns: dict[str, np.ndarray] = {
        "user_id": np.char.add("U", np.char.zfill(pop["serial"].astype("U9"), 9)).astype(object),
        "month": np.full(n, month, dtype=object),
        "msisdn": pop["msisdn"].astype("U11").astype(object),
    }
    for name, values in obs.items():
        columns[name] = _CATEGORIES[name][values] if name in _CATEGORIES else values
    bands = np.array((*HANDSET_BANDS, np.nan), dtype=object)
    columns["handset_price_band"] = bands[obs["handset_price_band"]]  # -1 -> NaN
    missing = [c.name for c in spec.columns if c.name not in columns]
    if missing:
        raise RuntimeError(f"synthetic month lacks spec columns {missing}")
    return pd.DataFrame({c.name: columns[c.name] for c in spec.columns}, copy=False)
