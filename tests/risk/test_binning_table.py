import math

import numpy as np
import pytest

from risk.binning_table import binning_table, woe_iv


def test_woe_and_iv_match_a_hand_computed_table():
    # bin A: 10 bad / 90 good; bin B: 30 bad / 70 good -> shares of bad 0.25/0.75,
    # shares of good 0.5625/0.4375.
    table = binning_table(["A", "B"], np.array([10, 30]), np.array([100, 100]))
    woe_a, woe_b = math.log(0.5625 / 0.25), math.log(0.4375 / 0.75)
    iv = (0.5625 - 0.25) * woe_a + (0.4375 - 0.75) * woe_b
    assert table["woe"].iloc[:2].tolist() == pytest.approx([woe_a, woe_b])
    assert table["iv"].iloc[-1] == pytest.approx(iv)
    assert table["iv"].iloc[-1] == pytest.approx(0.42185, abs=1e-5)
    assert table["event_rate"].tolist() == pytest.approx([0.1, 0.3, 0.2])
    assert table["bin"].iloc[-1] == "Totals"


def test_empty_bin_carries_no_evidence_and_pure_bin_is_finite_with_smoothing():
    woe, iv = woe_iv(np.array([0, 5, 0]), np.array([10, 5, 0]), smoothing=0.5)
    assert np.isfinite(woe).all()
    assert woe[2] == 0.0 and iv[2] == 0.0
    assert woe[0] > 0 > woe[1]
