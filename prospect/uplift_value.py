"""Expected value of contacting a subscriber, from their uplift and their risk.

Contact is worth only the cardholders it adds: ``uplift`` of them per contact, of whom a share
``pd`` default and cost ``loss`` while the rest earn ``value``; every contact costs
``contact_cost`` whatever happens. Ranking by this, not by the chance of taking a card, spends
the budget where the offer changes the outcome.
"""

from __future__ import annotations

import numpy as np


def _array(values: object, name: str, low: float | None, high: float | None) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers; got {values!r:.60}.") from None
    if not np.isfinite(array).all():
        raise ValueError(f"{name} has NaN or infinite values.")
    if low is not None and (array < low).any():
        raise ValueError(f"{name} must be >= {low}; got {array[array < low].ravel()[0]!r}.")
    if high is not None and (array > high).any():
        raise ValueError(f"{name} must be <= {high}; got {array[array > high].ravel()[0]!r}.")
    return array


def incremental_value(
    uplift: object, pd: object, value: object, loss: object, contact_cost: object
) -> np.ndarray:
    """Expected value of contacting, per subscriber.

    ``uplift * (1 - pd) * value - uplift * pd * loss - contact_cost``

    Parameters
    ----------
    uplift : array-like in [-1, 1]
        Chance of taking a card if contacted minus if not.
    pd : array-like in [0, 1]
        Probability that a new cardholder defaults.
    value, loss, contact_cost : array-like, >= 0
        Value of a good cardholder, loss on a defaulter, cost of one contact (scalars or one
        per subscriber).

    Returns
    -------
    numpy.ndarray of float, the broadcast shape of the inputs.
    """
    u = _array(uplift, "uplift", -1.0, 1.0)
    p = _array(pd, "pd", 0.0, 1.0)
    gain = _array(value, "value", 0.0, None)
    cost = _array(loss, "loss", 0.0, None)
    contact = _array(contact_cost, "contact_cost", 0.0, None)
    try:
        shape = np.broadcast_shapes(u.shape, p.shape, gain.shape, cost.shape, contact.shape)
    except ValueError:
        raise ValueError(
            f"uplift, pd, value, loss and contact_cost have shapes that do not match: "
            f"{u.shape}, {p.shape}, {gain.shape}, {cost.shape}, {contact.shape}."
        ) from None
    out = u * (1.0 - p) * gain - u * p * cost - contact
    return np.broadcast_to(out, shape).astype(float)
