import math

import numpy as np
import pytest

from risk import PDOScaling


def test_600_points_at_50_to_1_and_20_points_double_the_odds():
    s = PDOScaling()
    assert s.score(math.log(50)) == pytest.approx(600.0)
    assert s.score(math.log(100)) == pytest.approx(620.0)
    assert s.score(math.log(25)) == pytest.approx(580.0)
    assert s.pd(np.array([600.0]))[0] == pytest.approx(1 / 51)


def test_custom_scaling_and_invalid_values():
    s = PDOScaling(base_score=500, base_odds=1, pdo=50)
    assert s.offset == pytest.approx(500.0)
    assert s.score(math.log(4)) == pytest.approx(600.0)
    with pytest.raises(ValueError, match="pdo must be > 0"):
        PDOScaling(pdo=0)
