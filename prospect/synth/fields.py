"""Observed monthly fields of synthetic subscribers, drawn from their latent traits with noise.

Money amounts are lognormal, app counts zero-inflated Poisson, and related fields move together
(bill ~ 6-month spend ~ plan fee; data flow ~ engagement; video sessions ~ downloaded data).
Everything is vectorised: one month of a million subscribers takes a few seconds.
Returns plain float arrays (booleans as 0/1) and integer codes for categoricals.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit as _sigmoid

from prospect.synth.latent import Population

Fields = dict[str, np.ndarray]
APP_COLUMNS = ("app_shopping_count", "app_logistics_count", "app_finance_count",
               "app_video_count", "app_flight_count", "app_train_count",
               "app_travel_count")  # fmt: skip
DATA_GROWTH = 1.02  # mobile data per subscriber grows ~2% a month


def observe(rng: np.random.Generator, pop: Population, months_since_2024: int) -> Fields:
    """All observed columns for one month (before labels), keyed by canonical name."""
    out: Fields = {}
    out.update(_identity(pop))
    out.update(_spend(rng, pop))
    out.update(_payment(rng, pop, out["bill_amount"]))
    out.update(_data_and_apps(rng, pop, DATA_GROWTH**months_since_2024))
    out.update(_social(rng, pop))
    out.update(_offline(rng, pop))
    return out


def _identity(pop: Population) -> Fields:
    age = np.floor(pop["age_months"] / 12.0)
    return {
        "real_name_verified": (~pop["unverified"]).astype(float),
        "age": age,
        "is_student": pop["student"].astype(float),
        "is_blacklisted": pop["blacklisted"].astype(float),
        "is_4g_unhealthy": pop["unhealthy"].astype(float),
        "tenure_months": pop["tenure"].astype(float),
        "region": pop["region"],
        "plan_tier": pop["tier"],
        "plan_monthly_fee": pop["fee"].astype(float),
        "has_5g_handset": pop["has_5g"].astype(float),
        "handset_price_band": np.where(pop["handset_missing"], -1, pop["band"]),
        "has_card": pop["has_card"].astype(float),
    }


def _spend(rng: np.random.Generator, pop: Population) -> Fields:
    """Six-month average spend sits a little above the plan fee; this month's bill varies."""
    n = pop["fee"].shape[0]
    avg = pop["fee"] * np.exp(pop["spend_habit"] + rng.normal(0, 0.04, n))
    avg = avg + rng.gamma(0.6, 12.0, n) * (0.5 + _sigmoid(pop["z_eng"]))
    bill = avg * np.exp(rng.normal(0, 0.18, n))
    sens = -0.8 * pop["z_inc"] + 0.4 * pop["z_need"] + pop["sens_habit"] + rng.normal(0, 0.3, n)
    level = 5 - np.digitize(sens, [-1.1, -0.35, 0.35, 1.1])  # 1 = most sensitive
    return {
        "avg_spend_6m": np.round(np.minimum(avg, 20000.0), 2),
        "bill_amount": np.round(np.minimum(bill, 20000.0), 2),
        "fee_sensitivity": np.where(pop["sens_unknown"], 0, level),
    }


def _payment(rng: np.random.Generator, pop: Population, bill: np.ndarray) -> Fields:
    """Arrears, payment recency, last top-up and balance, driven by risk, need and income."""
    n = bill.shape[0]
    z_risk, z_inc = pop["z_risk"], pop["z_inc"]
    arrears = rng.random(n) < _sigmoid(-3.7 + 1.0 * z_risk + 0.4 * pop["z_need"] - 0.3 * z_inc)
    since = rng.geometric(_sigmoid(1.6 - 0.7 * z_risk)) - 1.0
    since = np.minimum(since + arrears * rng.integers(1, 4, n), 120.0)
    topup = pop["fee"] * np.exp(pop["pay_habit"] + rng.normal(0, 0.3, n))
    topup = np.where(rng.random(n) < 0.08, 0.0, np.round(topup / 10.0) * 10.0)
    positive = pop["fee"] * 0.5 * np.exp(0.5 * z_inc - 0.3 * z_risk + rng.normal(0, 0.8, n))
    owed = -bill * rng.uniform(0.1, 1.5, n)
    balance = np.where(arrears, owed, positive - 5.0)
    return {
        "months_since_last_payment": since,
        "last_payment_amount": np.minimum(topup, 50000.0),
        "account_balance": np.round(np.clip(balance, -5000.0, 50000.0), 2),
        "is_in_arrears": arrears.astype(float),
    }


def _app_rates(pop: Population, data_down: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per app class: the chance a subscriber uses it at all, and the log of the monthly rate."""
    z_inc, z_eng, z_need = pop["z_inc"], pop["z_eng"], pop["z_need"]
    one = np.ones_like(z_inc)
    use = np.stack([
        0.8 + 0.5 * z_eng + 0.3 * z_inc, 0.3 + 0.4 * z_eng + 0.3 * z_inc,
        -0.4 + 0.5 * z_eng + 0.3 * z_inc + 0.4 * z_need, 1.5 + z_eng,
        -2.0 + 0.9 * z_inc, -0.8 + 0.3 * z_eng * one, -1.2 + 0.4 * z_inc + 0.3 * z_eng,
    ], axis=1)  # fmt: skip
    log_rate = np.stack([
        2.3 + 0.4 * z_eng + 0.3 * z_need, 1.2 + 0.3 * z_eng + 0.3 * z_inc,
        1.2 + 0.4 * z_inc + 0.5 * z_need, 1.0 + 0.8 * np.log(data_down),
        0.3 + 0.4 * z_inc, 0.8 * one, 0.8 + 0.2 * z_inc,
    ], axis=1)  # fmt: skip
    return _sigmoid(use), log_rate + pop["app_habit"]


def _data_and_apps(rng: np.random.Generator, pop: Population, growth: float) -> Fields:
    """Data flow follows engagement, plan tier and time; app sessions are zero-inflated."""
    n = pop["fee"].shape[0]
    tier_level = np.log(pop["fee"] / 100.0)
    log_down = np.log(9.0) + 0.6 * pop["z_eng"] + 0.35 * tier_level + pop["data_habit"]
    down = np.minimum(np.exp(log_down + rng.normal(0, 0.25, n)) * growth, 10000.0)
    up = np.minimum(down * np.exp(rng.normal(np.log(0.09), 0.3, n)), 5000.0)
    p_use, log_rate = _app_rates(pop, down)
    uses = pop["app_user_u"] < p_use
    counts = rng.poisson(np.exp(log_rate + rng.normal(0, 0.3, log_rate.shape))) * uses
    out: Fields = {"data_up_gb": np.round(up, 3), "data_down_gb": np.round(down, 3)}
    for k, name in enumerate(APP_COLUMNS):
        out[name] = np.minimum(counts[:, k], 100000).astype(float)
    return out


def _social(rng: np.random.Generator, pop: Population) -> Fields:
    """Call circle peaks in mid-life; voice minutes follow it; ~2% voice records are missing."""
    n = pop["fee"].shape[0]
    years = pop["age_months"] / 12.0
    log_circle = 3.3 - 0.35 * ((years - 42.0) / 15.0) ** 2 + 0.15 * pop["z_inc"]
    circle = np.round(np.exp(log_circle + pop["call_habit"] + rng.normal(0, 0.2, n)))
    voice = circle * np.exp(1.3 + 0.01 * (years - 40.0) + pop["voice_habit"]
                            + rng.normal(0, 0.3, n))  # fmt: skip
    voice = np.where(pop["voice_missing_u"] < 0.02, np.nan, np.round(voice, 1))
    return {"call_circle_size": np.minimum(circle, 5000.0), "voice_minutes": voice}


def _offline(rng: np.random.Generator, pop: Population) -> Fields:
    """Malls, cinema, sights and sport: more with income and youth; Wanda/Sam's in Fuzhou."""
    n = pop["fee"].shape[0]
    z_inc = pop["z_inc"]
    young = (pop["age_months"] < 35 * 12).astype(float)
    fuzhou = (pop["region"] == 0).astype(float)
    frequent = 0.6 * z_inc + pop["mall_habit"] + rng.normal(0, 0.3, n) > 0.45
    visits = np.where(
        frequent,
        np.exp(1.8 + 0.3 * pop["mall_habit"] + rng.normal(0, 0.3, n)),
        np.exp(0.2 + rng.normal(0, 0.5, n)) * (rng.random(n) < 0.5),
    )

    def flag(logit: np.ndarray) -> np.ndarray:
        return (rng.random(n) < _sigmoid(logit)).astype(float)

    return {
        "frequent_mall_visitor": frequent.astype(float),
        "mall_visits_3m_avg": np.round(np.minimum(np.round(visits * 3.0) / 3.0, 400.0), 2),
        "visited_wanda": flag(-4.0 + 3.0 * fuzhou + 1.0 * frequent),
        "visited_sams_club": flag(-5.0 + 2.5 * fuzhou + 0.9 * z_inc),
        "watched_movie": flag(-1.6 + 0.5 * z_inc + 0.8 * young),
        "visited_attraction": flag(-1.4 + 0.3 * z_inc + 0.2 * pop["z_eng"]),
        "sports_venue_spend": flag(-2.0 + 0.4 * z_inc + 0.6 * young),
    }
