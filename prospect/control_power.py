"""How large a random control group must be to detect the smallest effect a campaign must show.

Two-sided test of two proportions (normal approximation, unpooled variances): with ``contacts``
contacted subscribers taking a card at ``base_rate + min_uplift`` and the control at
``base_rate``, the difference is detected with probability ``power`` at level ``alpha`` when

    (z[1 - alpha/2] + z[power])^2 * (p1 (1 - p1) / contacts + p0 (1 - p0) / control) <= min_uplift^2

The control is solved for; it is reported beside the budget, not taken out of it.
"""

from __future__ import annotations

import math

from scipy.stats import norm


def _fraction(value: object, name: str, *, open_low: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number; got {value!r}.")
    number = float(value)
    low_ok = number > 0.0 if open_low else number >= 0.0
    if not (low_ok and number < 1.0):
        raise ValueError(f"{name} must be in ({0 if open_low else '[0'}, 1); got {value!r}.")
    return number


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}.")
    return value


def _z(alpha: float, power: float) -> float:
    """z[1 - alpha/2] + z[power]: the distance, in standard errors, a detected effect needs."""
    return float(
        norm.ppf(1.0 - _fraction(alpha, "alpha") / 2.0) + norm.ppf(_fraction(power, "power"))
    )


def control_size(
    contacts: int,
    base_rate: float,
    min_uplift: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> int:
    """Smallest control group (subscribers) that detects ``min_uplift`` given ``contacts``.

    Raises ValueError when no control size is enough: ``contacts`` alone already carry more
    noise than the effect allows (contact more subscribers or accept a larger effect).
    """
    _count(contacts, "contacts")
    p0 = _fraction(base_rate, "base_rate", open_low=False)
    delta = _fraction(min_uplift, "min_uplift")
    p1 = p0 + delta
    if p1 >= 1.0:
        raise ValueError(f"base_rate + min_uplift must be below 1; got {p1!r}.")
    z = _z(alpha, power)
    allowed = (delta / z) ** 2 - p1 * (1.0 - p1) / contacts
    if allowed <= 0.0:
        raise ValueError(
            f"no control group is enough: {contacts} contacts cannot show an uplift of "
            f"{delta} at alpha {alpha} with power {power}; contact more or raise min_uplift."
        )
    if p0 == 0.0:
        return 1
    return math.ceil(p0 * (1.0 - p0) / allowed)


def detectable_uplift(
    contacts: int,
    control: int,
    base_rate: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float:
    """Smallest uplift that ``contacts`` contacted and ``control`` control subscribers detect:
    the ``min_uplift`` at which :func:`control_size` would ask for exactly this control (solved
    by bisection to 1e-9)."""
    _count(contacts, "contacts")
    _count(control, "control")
    p0 = _fraction(base_rate, "base_rate", open_low=False)
    z = _z(alpha, power)

    def noise(delta: float) -> float:
        p1 = p0 + delta
        return z * math.sqrt(p1 * (1.0 - p1) / contacts + p0 * (1.0 - p0) / control)

    low, high = 0.0, 1.0 - p0
    for _ in range(200):
        mid = 0.5 * (low + high)
        low, high = (low, mid) if noise(mid) <= mid else (mid, high)
        if high - low < 1e-9:
            break
    return high
