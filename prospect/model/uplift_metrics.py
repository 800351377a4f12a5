"""Qini curve and coefficient: how well a ranking puts the subscribers whom contact moves first.

Same definitions as scikit-uplift's ``qini_curve`` / ``qini_auc_score`` (Radcliffe 2007), kept
here so the runtime needs no evaluation library; the tests compare both on random data.
"""

from __future__ import annotations

import numpy as np


def _binary(values: object, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if array.size == 0 or not np.isin(array, (0.0, 1.0)).all():
        raise ValueError(f"{name} must be non-empty and 0/1 only.")
    return array


def _check(y_true: object, score: object, treatment: object):
    y = _binary(y_true, "y_true")
    t = _binary(treatment, "treatment")
    s = np.asarray(score, dtype=float).ravel()
    if not (y.size == t.size == s.size):
        raise ValueError(
            f"y_true, score and treatment differ in length ({y.size}, {s.size}, {t.size})."
        )
    if not np.isfinite(s).all():
        raise ValueError("score has NaN or infinite values.")
    if t.min() == t.max():
        raise ValueError("treatment needs both treated (1) and control (0) rows.")
    return y, s, t


def qini_curve(y_true: object, score: object, treatment: object) -> tuple[np.ndarray, np.ndarray]:
    """Incremental responders (treated minus scaled control) among the top-``n`` by score.

    Returns ``(n, gain)`` at each distinct score threshold, starting at ``(0, 0)``.
    """
    y, s, t = _check(y_true, score, treatment)
    order = np.argsort(s, kind="mergesort")[::-1]
    y, s, t = y[order], s[order], t[order]
    cut = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    n_treated = np.cumsum(t)[cut]
    n_all = cut + 1.0
    n_control = n_all - n_treated
    y_treated = np.cumsum(y * t)[cut]
    y_control = np.cumsum(y * (1.0 - t))[cut]
    ratio = np.divide(n_treated, n_control, out=np.zeros_like(n_treated), where=n_control != 0)
    return np.r_[0.0, n_all], np.r_[0.0, y_treated - y_control * ratio]


def qini_coefficient(y_true: object, score: object, treatment: object) -> float:
    """Area between the model's Qini curve and random targeting, over the perfect model's.

    1 is a perfect ranking (negative effects ranked last), 0 random, below 0 worse than random.
    """
    y, s, t = _check(y_true, score, treatment)
    x_model, gain_model = qini_curve(y, s, t)
    x_best, gain_best = qini_curve(y, y * t - y * (1.0 - t), t)
    baseline = 0.5 * x_best[-1] * gain_best[-1]
    best = np.trapezoid(gain_best, x_best) - baseline
    if best == 0.0:
        return 0.0
    return float((np.trapezoid(gain_model, x_model) - baseline) / best)
