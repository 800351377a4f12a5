"""True label probabilities of synthetic subscribers, and the labels drawn from them.

``p_took_card`` and ``p_default`` are functions of the OBSERVED fields only (latent traits act
through them), with nonlinear terms and interactions. A model fed the same fields can therefore
at best reproduce these probabilities: they are the oracle score a trained model is judged by.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from prospect.synth.fields import Fields
from prospect.synth.latent import Population

# Linear score of the credit-score formula -> DCIC scale (mean ~618, sd ~42, 422..719).
_SCORE_CENTER, _SCORE_SCALE, _SCORE_SHIFT, _SCORE_BEND = -0.09, 1.04, 0.129, 0.25
SCORE_MIN, SCORE_MAX, SCORE_MEAN, SCORE_SD = 422.0, 719.0, 618.0, 42.0


def _income_proxy(obs: Fields) -> np.ndarray:
    """What an operator can see of income: spend, handset price, premium plans, flying."""
    spend = (np.log(obs["avg_spend_6m"] + 1.0) - np.log(130.0)) / 0.5
    band = np.where(obs["handset_price_band"] < 0, 1.5, obs["handset_price_band"]) - 2.0
    premium = np.isin(obs["plan_tier"], (2, 4)).astype(float)
    return 0.45 * spend + 0.35 * band + 0.3 * premium + 0.3 * (obs["app_flight_count"] > 0)


def took_card_probability(obs: Fields) -> np.ndarray:
    """Chance a subscriber takes the card when offered (finance apps x income, age peak)."""
    inc = np.clip(_income_proxy(obs), -1.5, 2.5)
    fin = np.log1p(obs["app_finance_count"])
    shop = np.log1p(obs["app_shopping_count"])
    travel = np.log1p(obs["app_flight_count"] + obs["app_travel_count"])
    age = obs["age"]
    logit = (
        -4.7 + 0.45 * fin + 0.5 * fin * inc + 0.5 * inc + 0.25 * shop + 0.3 * travel
        - 0.7 * ((age - 31.0) / 11.0) ** 2 + 0.8 * obs["is_student"]
        + 0.4 * obs["frequent_mall_visitor"] + 0.3 * np.isin(obs["fee_sensitivity"], (1, 2))
        - 1.5 * (1.0 - obs["real_name_verified"]) - 2.0 * (age < 18) - 0.8 * obs["is_blacklisted"]
    )  # fmt: skip
    return expit(logit)


def default_probability(obs: Fields) -> np.ndarray:
    """Chance of defaulting within 12 months: arrears, late payment, thin tenure, youth, debt."""
    since = np.minimum(obs["months_since_last_payment"], 6.0)
    balance = obs["account_balance"]
    tenure_years = obs["tenure_months"] / 12.0
    fin = np.log1p(obs["app_finance_count"])
    logit = -2.85 + 0.65 * (
        1.2 * obs["is_in_arrears"] + 0.45 * since + 0.6 * (balance < 0)
        - 0.12 * np.log1p(np.maximum(balance, 0.0)) - 0.9 * np.log1p(tenure_years) / 2.0
        + 0.8 * (obs["age"] < 25) + 0.5 * obs["is_4g_unhealthy"] + 1.1 * obs["is_blacklisted"]
        - 0.4 * np.clip(_income_proxy(obs), -1.5, 2.5)
        + 0.25 * fin * (obs["fee_sensitivity"] == 1) + 0.6 * (1.0 - obs["real_name_verified"])
    )  # fmt: skip
    return expit(logit)


def credit_score(rng: np.random.Generator, obs: Fields, pop: Population) -> np.ndarray:
    """DCIC-style credit score: riskiness, loyalty and payment habits; long tail of low scores."""
    n = obs["age"].shape[0]
    linear = (
        -0.55 * pop["z_risk"] + 0.25 * np.log1p(obs["tenure_months"]) - 0.9
        + 0.2 * np.clip(_income_proxy(obs), -1.5, 2.5) - 0.5 * obs["is_in_arrears"]
        - 0.12 * np.minimum(obs["months_since_last_payment"], 6.0) - 0.6 * obs["is_blacklisted"]
        + rng.normal(0, 0.3, n)
    )  # fmt: skip
    z = (linear - _SCORE_CENTER) / _SCORE_SCALE
    skewed = (
        1.0 - np.exp(-_SCORE_BEND * z)
    ) / _SCORE_BEND + _SCORE_SHIFT  # concave: long left tail, soft ceiling
    return np.round(np.clip(SCORE_MEAN + SCORE_SD * skewed, SCORE_MIN, SCORE_MAX))


def draw(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """0/1 outcomes (float) drawn from probabilities ``p``."""
    return (rng.random(p.shape[0]) < p).astype(float)
