"""Calibration only where it helps: ``calibration="auto"`` compares none, sigmoid and isotonic on
held-out rows, keeps the winner by Brier and log-loss, says why, and fits a single booster for
the final model when no calibration wins."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import brier_score_loss
from xgboost import XGBClassifier

from tests.prospect.test_model_propensity import make_frame, model


def _count_boosters(monkeypatch) -> list[int]:
    fits: list[int] = []
    original = XGBClassifier.fit

    def counted(self, X, y, **kwargs):
        fits.append(len(X))
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(XGBClassifier, "fit", counted)
    return fits


def test_auto_keeps_the_boosters_probabilities_when_calibration_does_not_help(monkeypatch):
    X, y = make_frame(3000, seed=4)
    fits = _count_boosters(monkeypatch)
    fitted = model(calibration="auto").fit(X, y)
    report = fitted.calibration_report_
    assert report["chosen"] == "none" and fitted.calibrator_ is None
    assert set(report["candidates"]) == {"none", "sigmoid", "isotonic"}
    assert "no calibration lowers held-out log-loss and Brier by 0.5% or more" in report["reason"]
    assert report["held_out_rows"] == 750
    # one booster to choose on three quarters of the rows, one final booster on all of them
    assert fits == [2250, 3000]


def test_auto_calibrates_a_distorted_model_and_says_by_how_much(monkeypatch):
    X, y = make_frame(3000, seed=2, base=-4.5)
    X_test, y_test = make_frame(3000, seed=3, base=-4.5)
    fitted = model(strategy="undersample", calibration="auto").fit(X, y)
    report = fitted.calibration_report_
    chosen, none = report["candidates"][report["chosen"]], report["candidates"]["none"]
    assert report["chosen"] in ("sigmoid", "isotonic") and fitted.calibrator_ is not None
    assert chosen["brier"] < none["brier"] and chosen["log_loss"] < none["log_loss"]
    assert f"Brier {none['brier']:.4f} -> {chosen['brier']:.4f}" in report["reason"]
    raw = model(strategy="undersample").fit(X, y).predict_proba(X_test)[:, 1]
    p = fitted.predict_proba(X_test)[:, 1]
    assert brier_score_loss(y_test, p) < 0.8 * brier_score_loss(y_test, raw)


def test_auto_is_reproducible_from_the_seed():
    X, y = make_frame(1500, seed=5)
    one = model(calibration="auto", random_state=3).fit(X, y)
    two = model(calibration="auto", random_state=3).fit(X, y)
    assert one.calibration_report_ == two.calibration_report_
    assert np.array_equal(one.predict_proba(X), two.predict_proba(X))
