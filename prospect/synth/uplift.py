"""Cause and effect in the synthetic world: organic take-up, contact effects, campaign history.

Today's months offer a card to every non-holder, so ``took_card`` is what a subscriber does
when CONTACTED and nothing tells propensity from effect. This module adds the other potential
outcome, the chance of taking a card WITHOUT contact, and a legacy campaign per month that
contacted part of the base and kept a random control:

* ``p_took_card`` (today's oracle column) is the chance when contacted; ``p_took_card_uncontacted``
  the organic chance. Their difference is the true uplift, kept for every subscriber-month.
* The share of take-up that happens anyway depends on observed fields (heavy finance-app users
  with money shop for a card themselves; the young, students and mall-goers wait to be asked),
  and a small group, older fee-sensitive subscribers, is put off by a call (negative uplift).
* ``took_card`` becomes the outcome under the legacy policy: the contacted outcome for contacted
  subscribers, the organic one for the rest. Both outcomes are drawn coupled: today's label IS the
  contacted outcome, so a policy that contacts everyone reproduces today's months exactly.

The oracle (never read by training) gains the organic probability, the uplift, the subscriber's
group and the campaign group; the campaign file (``contacts_YYYY-MM``) is what a CRM would have.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from prospect.synth.months import SynthMonth, generate_months

SEGMENTS = ("persuadable", "sure_thing", "lost_cause", "do_not_disturb")
GROUPS = ("contacted", "control")
# Below this chance when contacted, a subscriber is a lost cause whatever is done.
LOST_CAUSE_P = 0.01
# At or above this organic share of take-up, a subscriber mostly takes a card anyway.
SURE_THING_SHARE = 0.5
# A call cuts a do-not-disturb subscriber's organic chance by this factor.
PUT_OFF_FACTOR = 2.0
_STREAM = 20  # rng stream of this module: [seed, month index, _STREAM]


@dataclass(frozen=True)
class LegacyPolicy:
    """How past campaigns chose whom to contact, and the random control they kept.

    The legacy score is the contacted chance blurred by noise (an older, weaker model). Its top
    ``targeted_share`` of non-holders plus a random ``explore_share`` of the rest form the
    campaign; ``control_share`` of the campaign, drawn at random, is held out uncontacted.
    """

    targeted_share: float = 0.3
    explore_share: float = 0.1
    control_share: float = 0.2
    score_noise: float = 1.0

    def __post_init__(self) -> None:
        for name in ("targeted_share", "explore_share", "control_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"LegacyPolicy.{name} must be in [0, 1]; got {value!r}.")
        if not self.score_noise >= 0.0:
            raise ValueError(f"LegacyPolicy.score_noise must be >= 0; got {self.score_noise!r}.")


CONTACT_EVERYONE = LegacyPolicy(targeted_share=1.0, explore_share=0.0, control_share=0.0)


@dataclass(frozen=True)
class CampaignMonth:
    """One month of the world with cause and effect.

    Attributes
    ----------
    month : str
        ``YYYY-MM``.
    frame : pandas.DataFrame
        The canonical frame; ``took_card`` is the outcome under the legacy campaign.
    oracle : pandas.DataFrame
        Today's oracle columns plus ``p_took_card_uncontacted``, ``uplift`` (contacted minus
        uncontacted chance), ``segment`` and ``group`` ("contacted", "control" or "").
    contacts : pandas.DataFrame
        The campaign as a CRM records it: ``user_id, month, group, took_card``.
    """

    month: str
    frame: pd.DataFrame
    oracle: pd.DataFrame
    contacts: pd.DataFrame


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=float)


def organic_share(frame: pd.DataFrame) -> np.ndarray:
    """Share of a subscriber's contacted take-up that happens without contact (0..1).

    High for those who already manage money in apps and spend well (they shop for a card
    themselves), low for the young, students and mall-goers (they wait for the offer).
    """
    fin = np.log1p(_column(frame, "app_finance_count"))
    spend = (np.log1p(_column(frame, "avg_spend_6m")) - np.log(130.0)) / 0.5
    age = _column(frame, "age")
    band = frame["handset_price_band"].isin(("4k_6k", "gt6k")).to_numpy(dtype=float)
    logit = (
        -3.0 + 2.8 * fin + 0.5 * np.clip(spend, -2.0, 2.0) + 0.6 * band
        + 0.9 * np.clip((age - 35.0) / 15.0, -1.5, 2.0)
        - 1.0 * _column(frame, "is_student") - 0.6 * _column(frame, "frequent_mall_visitor")
    )  # fmt: skip
    return 0.04 + 0.92 * expit(logit)


def put_off_by_contact(frame: pd.DataFrame) -> np.ndarray:
    """The small group whom a call puts off: older, most fee-sensitive, managing money in apps."""
    sensitive = frame["fee_sensitivity"].astype(str).isin(("4", "5")).to_numpy()
    banking = _column(frame, "app_finance_count") >= 1.0
    return sensitive & banking & (_column(frame, "age") >= 45.0)


def potential_outcomes(frame: pd.DataFrame, p_contacted: np.ndarray):
    """Organic chance of taking a card and each subscriber's group, given the contacted chance.

    Do-not-disturb subscribers would take a card on their own as often as when contacted
    times ``PUT_OFF_FACTOR`` (capped), so contacting them costs take-up.
    """
    p1 = np.asarray(p_contacted, dtype=float)
    share = organic_share(frame)
    dnd = put_off_by_contact(frame)
    p0 = np.where(dnd, np.minimum(PUT_OFF_FACTOR * p1, 0.95), share * p1)
    segment = np.where(
        dnd,
        "do_not_disturb",
        np.where(
            p1 < LOST_CAUSE_P,
            "lost_cause",
            np.where(share >= SURE_THING_SHARE, "sure_thing", "persuadable"),
        ),
    ).astype(object)
    return p0, segment


def _uncontacted_outcome(rng: np.random.Generator, y1: np.ndarray, p1, p0) -> np.ndarray:
    """Draw the organic outcome coupled with the contacted one, with marginal chance ``p0``.

    Where contact helps (p0 <= p1) an organic taker would also take when contacted; where it
    hurts, everyone who takes when contacted also takes without. Missing ``y1`` stays missing.
    """
    v = rng.random(y1.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = np.where(p1 > 0, p0 / np.where(p1 > 0, p1, 1.0), 0.0)
        gain = np.where(p1 < 1, (p0 - p1) / np.where(p1 < 1, 1.0 - p1, 1.0), 0.0)
    helps = p0 <= p1
    y0 = np.where(helps, (y1 == 1.0) & (v < keep), (y1 == 1.0) | (v < gain)).astype(float)
    return np.where(np.isnan(y1), np.nan, y0)


def legacy_campaign(
    rng: np.random.Generator, p_contacted: np.ndarray, eligible: np.ndarray, policy: LegacyPolicy
) -> np.ndarray:
    """Campaign group per row: "contacted", "control" or "" (not in the campaign)."""
    n = eligible.shape[0]
    score = np.log(np.clip(p_contacted, 1e-9, 1.0)) + rng.normal(0.0, policy.score_noise, n)
    explore_draw = rng.random(n)
    control_draw = rng.random(n)
    rows = np.flatnonzero(eligible)
    in_campaign = np.zeros(n, dtype=bool)
    n_top = int(round(policy.targeted_share * rows.size))
    if n_top > 0:
        order = rows[np.argsort(-score[rows], kind="stable")]
        in_campaign[order[:n_top]] = True
    in_campaign |= eligible & ~in_campaign & (explore_draw < policy.explore_share)
    group = np.full(n, "", dtype=object)
    group[in_campaign] = "contacted"
    group[in_campaign & (control_draw < policy.control_share)] = "control"
    return group


def with_campaign(
    month: SynthMonth, *, seed: int, index: int, policy: LegacyPolicy = LegacyPolicy()
) -> CampaignMonth:
    """Turn a generated month into one with organic take-up and a legacy campaign.

    ``index`` is the month's position in its run (it seeds this month's draws apart from the
    other months').
    """
    frame = month.frame.copy()
    oracle = month.oracle.copy()
    rng = np.random.default_rng([seed, index, _STREAM])
    p1 = oracle["p_took_card"].to_numpy(dtype=float)
    p0, segment = potential_outcomes(frame, p1)
    y1 = frame["took_card"].to_numpy(dtype=float)  # today's label: the contacted outcome
    y0 = _uncontacted_outcome(rng, y1, p1, p0)
    eligible = frame["has_card"].to_numpy(dtype=float) == 0.0
    group = legacy_campaign(rng, p1, eligible, policy)
    frame["took_card"] = np.where(group == "contacted", y1, y0)
    oracle["p_took_card_uncontacted"] = p0
    oracle["uplift"] = p1 - p0
    oracle["segment"] = segment
    oracle["group"] = group
    in_campaign = group != ""
    contacts = pd.DataFrame(
        {
            "user_id": frame["user_id"].to_numpy()[in_campaign],
            "month": frame["month"].to_numpy()[in_campaign],
            "group": group[in_campaign],
            "took_card": frame["took_card"].to_numpy()[in_campaign].astype(int),
        }
    )
    return CampaignMonth(month=month.month, frame=frame, oracle=oracle, contacts=contacts)


def generate_campaign_months(
    n_users: int,
    n_months: int,
    *,
    seed: int = 0,
    end_month: str = "2026-10",
    policy: LegacyPolicy = LegacyPolicy(),
    label_history: str = "all",
) -> Iterator[CampaignMonth]:
    """Yield the months of :func:`~prospect.synth.months.generate_months` with cause and effect.

    Same subscribers and fields as today's months with the same seed; only ``took_card`` (now
    the outcome under ``policy``) and the added oracle columns differ.
    """
    if not isinstance(policy, LegacyPolicy):
        raise TypeError(f"policy must be a LegacyPolicy; got {type(policy).__name__}.")
    for index, month in enumerate(
        generate_months(
            n_users, n_months, seed=seed, end_month=end_month, label_history=label_history
        )
    ):
        yield with_campaign(month, seed=seed, index=index, policy=policy)
