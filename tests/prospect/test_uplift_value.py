"""The value of contacting and the control group's size, pinned with hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pytest

from prospect.control_power import control_size
from prospect.uplift_value import incremental_value


def test_value_formula_by_hand():
    # 0.10 * 0.95 * 300 = 28.5 earned; 0.10 * 0.05 * 2000 = 10 lost; 5 per contact: 13.5.
    assert incremental_value(0.10, 0.05, 300.0, 2000.0, 5.0) == pytest.approx(13.5)
    # A sure thing (no uplift) costs just the contact; a risky persuadable loses money.
    assert incremental_value(0.0, 0.02, 300.0, 2000.0, 5.0) == pytest.approx(-5.0)
    # 0.2 * 0.7 * 300 = 42; 0.2 * 0.3 * 2000 = 120; -78 - 1 = -79.
    assert incremental_value(0.2, 0.3, 300.0, 2000.0, 1.0) == pytest.approx(-79.0)
    # Do-not-disturb: -0.05 * 0.9 * 300 = -13.5; + 0.05 * 0.1 * 2000 = +10 (fewer defaults); -2.
    assert incremental_value(-0.05, 0.1, 300.0, 2000.0, 2.0) == pytest.approx(-5.5)


def test_value_is_per_subscriber_and_broadcasts():
    out = incremental_value([0.1, 0.0, 0.3], [0.05, 0.5, 0.0], 100.0, [1000.0, 0.0, 50.0], 1.0)
    # 0.1*0.95*100 - 0.1*0.05*1000 - 1 = 9.5 - 5 - 1; 0 - 0 - 1; 0.3*100 - 0 - 1.
    np.testing.assert_allclose(out, [3.5, -1.0, 29.0])
    assert out.dtype == float


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((1.5, 0.1, 1, 1, 1), "uplift must be <= 1"),
        ((0.1, -0.1, 1, 1, 1), "pd must be >= 0"),
        ((0.1, 0.1, -1, 1, 1), "value must be >= 0"),
        ((0.1, 0.1, 1, float("nan"), 1), "loss has NaN"),
        ((0.1, 0.1, 1, 1, -2), "contact_cost must be >= 0"),
        (([0.1, 0.2], [0.1, 0.2, 0.3], 1, 1, 1), "shapes that do not match"),
        (("many", 0.1, 1, 1, 1), "uplift must be numbers"),
    ],
)
def test_value_rejects_bad_input_by_name(args, match):
    with pytest.raises(ValueError, match=match):
        incremental_value(*args)


def test_control_size_by_hand():
    # z = 1.959964 + 0.841621 = 2.801585; (0.02 / z)^2 = 5.0963e-5;
    # contacted noise 0.07 * 0.93 / 2000 = 3.255e-5; left 1.8413e-5;
    # control 0.05 * 0.95 / 1.8413e-5 = 2579.7 -> 2580.
    assert control_size(2000, 0.05, 0.02) == 2580
    # Equal groups: n = z^2 (0.05*0.95 + 0.07*0.93) / 0.02^2 = 7.8489 * 0.1126 / 0.0004 = 2209.5.
    assert control_size(2210, 0.05, 0.02) <= 2210 < control_size(2209, 0.05, 0.02) + 2
    assert control_size(2209, 0.05, 0.02) > 2209
    # More contacts, a larger effect or less power all need a smaller control.
    assert control_size(20_000, 0.05, 0.02) < 2580
    assert control_size(2000, 0.05, 0.04) < 2580
    assert control_size(2000, 0.05, 0.02, power=0.5) < 2580


def test_control_size_refuses_what_no_control_can_show():
    # (0.01 / 2.801585)^2 = 1.274e-5 < 0.06 * 0.94 / 2000 = 2.82e-5: the contacts are too few.
    with pytest.raises(ValueError, match="no control group is enough"):
        control_size(2000, 0.05, 0.01)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((0, 0.05, 0.02), {}, "contacts must be"),
        ((2000, 1.2, 0.02), {}, "base_rate must be"),
        ((2000, 0.05, 0.0), {}, "min_uplift must be"),
        ((2000, 0.99, 0.02), {}, "below 1"),
        ((2000, 0.05, 0.02), {"alpha": 1.0}, "alpha must be"),
        ((2000, 0.05, 0.02), {"power": True}, "power must be"),
    ],
)
def test_control_size_rejects_bad_input_by_name(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        control_size(*args, **kwargs)
