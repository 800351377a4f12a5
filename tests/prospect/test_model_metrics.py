"""Campaign metrics on a ten-row fixture with hand-computed values, and the time split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prospect.model import metrics, time_split

Y = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]
P = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]


def test_summary_matches_hand_computed_values():
    got = metrics.summary(Y, P, fraction=0.2)
    assert got["roc_auc"] == pytest.approx(15 / 16)
    assert got["pr_auc"] == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert got["lift_at_top"] == pytest.approx(2.5)
    assert got["recall_at_top"] == pytest.approx(0.5)
    assert got["brier"] == pytest.approx(0.16525)
    assert got["positive_rate"] == pytest.approx(0.2)


def test_lift_and_recall_at_other_fractions():
    assert metrics.lift_at(Y, P, 0.3) == pytest.approx((2 / 3) / 0.2)
    assert metrics.recall_at(Y, P, 0.3) == pytest.approx(1.0)
    assert metrics.lift_at(Y, P, 1.0) == pytest.approx(1.0)


def test_reliability_table_bins_scores_in_order():
    table = metrics.reliability_table(Y, P, n_bins=5)
    assert list(table.columns) == ["mean_predicted", "observed_rate", "count"]
    assert table["count"].tolist() == [2, 2, 2, 2, 2]
    np.testing.assert_allclose(table["mean_predicted"], [0.075, 0.25, 0.45, 0.65, 0.85])
    np.testing.assert_allclose(table["observed_rate"], [0, 0, 0, 0.5, 0.5])


def test_metrics_refuse_bad_input():
    with pytest.raises(ValueError, match="fraction must be in"):
        metrics.lift_at(Y, P, 0)
    with pytest.raises(ValueError, match="no positives"):
        metrics.recall_at([0] * 10, P)
    with pytest.raises(ValueError, match="10 rows but y_score has 9"):
        metrics.summary(Y, P[:9])


@pytest.fixture()
def monthly():
    months = ["2026-08"] * 3 + ["2026-09"] * 2 + ["2026-10"] * 4
    return pd.DataFrame({"month": months, "x": range(9)})


def test_time_split_tests_on_latest_month_and_trains_before(monthly):
    train, test = time_split(monthly)
    assert sorted(train["month"].unique()) == ["2026-08", "2026-09"]
    assert test["x"].tolist() == [5, 6, 7, 8]


def test_time_split_refuses_test_month_inside_training(monthly):
    with pytest.raises(ValueError, match=r"precede test_month '2026-09'; got \['2026-09'\]"):
        time_split(monthly, test_month="2026-09", train_months=["2026-08", "2026-09"])
    with pytest.raises(ValueError, match=r"got \['2026-10'\]"):
        time_split(monthly, test_month="2026-09", train_months=["2026-10"])


def test_time_split_names_unknown_months_and_columns(monthly):
    with pytest.raises(ValueError, match="test_month '2027-01' is not in frame"):
        time_split(monthly, test_month="2027-01")
    with pytest.raises(ValueError, match="no rows to train on"):
        time_split(monthly, test_month="2026-08")
    with pytest.raises(ValueError, match="month_column 'period'"):
        time_split(monthly, month_column="period")
