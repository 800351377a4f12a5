"""Synthetic subscribers: hidden traits (income, engagement, need, risk) and stable attributes.

A population is a dict of equal-length numpy arrays, one row per subscriber. Latent factors
never reach a file; they drive the observed fields (:mod:`prospect.synth.fields`) with noise,
so a model sees them only through what an operator would record.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit as _sigmoid

Population = dict[str, np.ndarray]

REGIONS = ("fuzhou", "xiamen", "quanzhou", "zhangzhou", "putian", "sanming", "nanping",
           "longyan", "ningde")  # fmt: skip
REGION_SHARES = np.array([0.22, 0.18, 0.20, 0.10, 0.07, 0.05, 0.05, 0.06, 0.07])
REGION_INCOME = np.array([0.25, 0.35, 0.15, 0.0, -0.05, -0.2, -0.2, -0.15, -0.1])
PLAN_TIERS = ("5g_basic", "5g_plus", "5g_premium", "5g_family", "5g_business")
PLAN_FEES = (
    np.array([59.0, 79.0]),
    np.array([99.0, 129.0]),
    np.array([199.0, 299.0, 399.0]),
    np.array([169.0, 229.0]),
    np.array([189.0, 289.0]),
)
HANDSET_BANDS = ("lt1k", "1k_2k", "2k_4k", "4k_6k", "gt6k")
HANDSET_CUTS = np.array([-1.5, -0.45, 0.6, 1.5])
N_APPS = 7  # shopping, logistics, finance, video, flight, train, travel
# Serial -> phone number through an affine bijection mod the number space: unique, random-looking.
MSISDN_PREFIXES = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158,
     159, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 191, 193, 195, 197, 198, 199],
)  # fmt: skip
_MSISDN_SPACE = len(MSISDN_PREFIXES) * 10**8
_MSISDN_MULT = 2654435761  # odd and not a multiple of 5 or 7: coprime with the space


def _ages_in_months(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ages (months) and the student flag: ~3% aged 16-17, ~10% students aged 18-24."""
    group = rng.choice(3, size=n, p=[0.03, 0.10, 0.87])
    years = 18.0 + np.minimum(rng.gamma(2.2, 9.0, size=n), 67.0)  # <= 85: years of ageing left
    years = np.where(group == 0, rng.uniform(16.0, 17.99, size=n), years)
    years = np.where(group == 1, rng.uniform(18.0, 24.99, size=n), years)
    return np.floor(years * 12.0), (group == 1)


def _latents(rng: np.random.Generator, age: np.ndarray, student: np.ndarray, region: np.ndarray):
    """Income, engagement, financial need and riskiness (standard-normal-ish, correlated)."""
    n = age.shape[0]
    mid_life = -(((age - 45.0) / 15.0) ** 2)
    young = (age < 30).astype(float)
    z_inc = 0.35 * (mid_life + 0.6) + REGION_INCOME[region] + rng.normal(0, 0.9, n)
    z_inc = z_inc - 0.9 * (student | (age < 18))
    z_eng = -0.5 * (age - 38.0) / 15.0 + rng.normal(0, 0.9, n)
    z_need = -0.3 * z_inc + 0.35 * young + rng.normal(0, 0.9, n)
    z_risk = -0.35 * z_inc + 0.35 * z_need - 0.2 * (age - 38.0) / 15.0 + rng.normal(0, 0.85, n)
    return z_inc, z_eng, z_need, z_risk


def _plan(rng: np.random.Generator, z_inc: np.ndarray, age: np.ndarray):
    """Plan tier and fee tied to income; families mid-life, business plans for the well-off."""
    n = z_inc.shape[0]
    u = z_inc + rng.normal(0, 0.7, n)
    tier = np.digitize(u, [-0.2, 0.9])
    adult = (age >= 28) & (age <= 60)
    tier = np.where(adult & (rng.random(n) < 0.16), 3, tier)
    tier = np.where(adult & (u > 0.9) & (rng.random(n) < 0.3), 4, tier)
    pick = rng.random(n) * 0.6 + 0.4 * _sigmoid(u)
    fee = np.empty(n)
    for code, fees in enumerate(PLAN_FEES):
        rows = tier == code
        fee[rows] = fees[np.minimum((pick[rows] * len(fees)).astype(int), len(fees) - 1)]
    return tier, fee


def _handset(rng: np.random.Generator, z_inc: np.ndarray):
    """Handset price band (by income) and 5G handset flag; cheap phones are rarely 5G."""
    n = z_inc.shape[0]
    band = np.digitize(z_inc + rng.normal(0, 0.8, n), HANDSET_CUTS)
    has_5g = rng.random(n) < _sigmoid(0.4 + 1.1 * (band - 1))
    return band, has_5g


def _msisdn(serial: np.ndarray, offset: int) -> np.ndarray:
    idx = (serial.astype(np.int64) * _MSISDN_MULT + offset) % _MSISDN_SPACE
    return MSISDN_PREFIXES[idx // 10**8] * 10**8 + idx % 10**8


def new_subscribers(
    rng: np.random.Generator, n: int, first_serial: int, *, msisdn_offset: int, newcomers: bool
) -> Population:
    """Draw ``n`` subscribers; ``newcomers`` join now, so about half are new to the network."""
    age, student = _ages_in_months(rng, n)
    region = rng.choice(len(REGIONS), size=n, p=REGION_SHARES)
    z_inc, z_eng, z_need, z_risk = _latents(rng, age / 12.0, student, region)
    years = age / 12.0
    tier, fee = _plan(rng, z_inc, years)
    band, has_5g = _handset(rng, z_inc)
    tenure_cap = np.clip(age - 120.0, 0.0, 300.0)
    tenure = np.floor(rng.beta(1.2, 2.5, n) * tenure_cap)
    if newcomers:
        tenure = np.where(rng.random(n) < 0.5, 0.0, tenure)
    serial = np.arange(first_serial, first_serial + n, dtype=np.int64)
    pop: Population = {
        "serial": serial, "msisdn": _msisdn(serial, msisdn_offset),
        "age_months": age, "tenure": tenure, "student": student, "region": region,
        "z_inc": z_inc, "z_eng": z_eng, "z_need": z_need, "z_risk": z_risk,
        "tier": tier, "fee": fee, "band": band, "has_5g": has_5g,
    }  # fmt: skip
    pop.update(_flags(rng, pop))
    pop.update(_habits(rng, n))
    return pop


def _flags(rng: np.random.Generator, pop: Population) -> Population:
    """Stable yes/no traits: real-name check, blacklist, unhealthy-4G flag, card holding."""
    n, z_risk, z_inc = pop["z_risk"].shape[0], pop["z_risk"], pop["z_inc"]
    adult = pop["age_months"] >= 18 * 12
    return {
        "unverified": rng.random(n) < _sigmoid(-3.75 + 0.6 * z_risk),
        "blacklisted": rng.random(n) < _sigmoid(-4.6 + 0.9 * z_risk),
        "unhealthy": rng.random(n) < _sigmoid(-3.0 + 0.6 * z_risk),
        "has_card": adult & (rng.random(n) < _sigmoid(-2.45 + 0.7 * z_inc)),
        "sens_unknown": rng.random(n) < 0.05,
        "handset_missing": rng.random(n) < 0.03,
    }


def _habits(rng: np.random.Generator, n: int) -> Population:
    """Personal habits that persist month to month (usage levels, which app classes are used)."""
    return {
        "app_habit": rng.normal(0, 0.5, (n, N_APPS)),
        "app_user_u": rng.random((n, N_APPS)),
        "data_habit": rng.normal(0, 0.45, n),
        "call_habit": rng.normal(0, 0.4, n),
        "voice_habit": rng.normal(0, 0.35, n),
        "mall_habit": rng.normal(0, 0.6, n),
        "spend_habit": rng.normal(0.08, 0.12, n),
        "pay_habit": rng.normal(0.0, 0.45, n),
        "sens_habit": rng.normal(0, 0.5, n),
        "voice_missing_u": rng.random(n),
    }


def take(pop: Population, rows: np.ndarray) -> Population:
    return {key: value[rows] for key, value in pop.items()}


def concat(first: Population, second: Population) -> Population:
    return {key: np.concatenate([first[key], second[key]]) for key in first}


def next_month(
    rng: np.random.Generator,
    pop: Population,
    target_size: int,
    *,
    next_serial: int,
    msisdn_offset: int,
) -> tuple[Population, int, int]:
    """Age everyone a month, let ~1.5% leave (riskier and newer users more) and new ones join.

    New subscribers get serials from ``next_serial`` on, so a departed user's id never returns.
    Returns the new population, how many left and how many joined.
    """
    n = pop["serial"].shape[0]
    p_leave = 0.015 * np.exp(0.4 * pop["z_risk"] - 0.08 + 0.3 * (pop["tenure"] < 12) - 0.1)
    stay = rng.random(n) >= p_leave
    kept = take(pop, stay)
    kept["age_months"] = kept["age_months"] + 1
    kept["tenure"] = kept["tenure"] + 1
    n_new = int(rng.poisson(0.015 * target_size))
    joined = new_subscribers(rng, n_new, next_serial, msisdn_offset=msisdn_offset, newcomers=True)
    return concat(kept, joined), int(n - stay.sum()), n_new
