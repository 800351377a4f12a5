import numpy as np
import pandas as pd
import pytest

from risk import psi, stability_report

from .conftest import make_credit


def test_psi_is_zero_for_identical_data_and_large_for_a_shift():
    X, _ = make_credit()
    assert psi(X["utilisation"], X["utilisation"]) == pytest.approx(0.0, abs=1e-12)
    assert psi(X["channel"], X["channel"]) == pytest.approx(0.0, abs=1e-12)
    shifted, _ = make_credit(seed=1, shift=0.5)
    assert psi(X["utilisation"], shifted["utilisation"]) > 1.0
    assert psi(X["utilisation"], make_credit(seed=1)[0]["utilisation"]) < 0.05


def test_psi_counts_missing_values_as_a_bin():
    ref = pd.Series([1.0, 2.0, 3.0, 4.0] * 25)
    cur = ref.copy()
    cur[:50] = np.nan
    assert psi(ref, cur) > 0.25


def test_stability_report_lists_score_first_then_worst_feature():
    ref, _ = make_credit()
    cur, _ = make_credit(seed=1, shift=0.5)
    report = stability_report(ref, cur, ["tenure", "utilisation"],
                              reference_score=ref["tenure"].to_numpy(),
                              current_score=cur["tenure"].to_numpy())  # fmt: skip
    assert report["variable"].tolist() == ["score", "utilisation", "tenure"]
    assert report.set_index("variable").loc["utilisation", "status"] == "shifted"
    assert report.set_index("variable").loc["tenure", "status"] == "stable"
