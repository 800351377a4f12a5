"""Synthetic months: determinism, realistic shares and ranges, churn, labels and the oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score
from typer.testing import CliRunner

from prospect.cli import app
from prospect.spec import load_spec
from prospect.synth import generate_months, month_range, write_months

N_USERS = 5000


@pytest.fixture(scope="module")
def months():
    return list(generate_months(N_USERS, 3, seed=7))


@pytest.fixture(scope="module")
def last(months):
    return months[-1].frame


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_same_seed_writes_same_bytes_and_another_seed_differs(tmp_path, fmt):
    a = write_months(tmp_path / "a", 400, 2, seed=5, fmt=fmt)
    write_months(tmp_path / "b", 400, 2, seed=5, fmt=fmt)
    c = write_months(tmp_path / "c", 400, 2, seed=6, fmt=fmt)
    assert [p.name for p in a] == [f"subscribers_2026-09.{fmt}", f"subscribers_2026-10.{fmt}"]
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert (tmp_path / "a" / "oracle" / "oracle_2026-10.parquet").is_file()
    assert a[1].read_bytes() != c[1].read_bytes()


def test_frame_has_every_spec_column_in_canonical_dtypes(months):
    spec = load_spec("subscriber_5g")
    frame = months[0].frame
    assert list(frame.columns) == [c.name for c in spec.columns]
    assert len(frame) == N_USERS
    for name in spec.numeric_features + spec.boolean_features + ["credit_score", "took_card"]:
        assert frame[name].dtype == np.float64, name
    for name in ["user_id", "month", "msisdn", *spec.categorical_features]:
        assert frame[name].dtype == object, name
    assert set(frame["fee_sensitivity"]) <= {"0", "1", "2", "3", "4", "5"}
    assert [m.month for m in months] == ["2026-08", "2026-09", "2026-10"]
    assert (months[1].frame["month"] == "2026-09").all()


def test_shares_match_a_real_subscriber_base(last):
    assert 0.010 <= last["is_blacklisted"].mean() <= 0.035
    assert 0.015 <= 1 - last["real_name_verified"].mean() <= 0.050
    assert 0.020 <= (last["age"] < 18).mean() <= 0.045
    assert 0.055 <= last["has_card"].mean() <= 0.110
    assert 0.080 <= last["is_student"].mean() <= 0.125
    assert 0.010 <= last["voice_minutes"].isna().mean() <= 0.035
    assert 0.015 <= last["handset_price_band"].isna().mean() <= 0.045
    assert (
        last.drop(columns=["voice_minutes", "handset_price_band", "took_card"]).notna().all().all()
    )


def test_values_respect_the_spec_ranges(last):
    assert last["age"].between(16, 90).all()
    assert (last["tenure_months"] <= last["age"] * 12).all()
    assert (last["bill_amount"] >= 0).all()
    assert last["user_id"].is_unique and last["msisdn"].is_unique
    assert last["msisdn"].str.fullmatch(r"1[3589]\d{9}").all()
    spec = load_spec("subscriber_5g")
    for col in spec.columns:
        if col.role == "categorical" and col.allowed:
            assert set(last[col.name].dropna()) <= {str(v) for v in col.allowed}, col.name
        if col.min is not None:
            assert last[col.name].dropna().between(col.min, col.max).all(), col.name


def test_related_fields_move_together(last):
    logs = np.log(last[["bill_amount", "avg_spend_6m", "plan_monthly_fee"]])
    assert logs.corr().min().min() > 0.6
    assert np.log1p(last[["data_down_gb", "app_video_count"]]).corr().iloc[0, 1] > 0.4
    assert (last["app_finance_count"] == 0).mean() > 0.3  # zero-inflated
    assert last["avg_spend_6m"].skew() > 1  # lognormal money


def test_churn_and_newcomers_between_months(months):
    first, second = months[0].frame, months[1].frame
    left = ~first["user_id"].isin(second["user_id"])
    new = ~second["user_id"].isin(first["user_id"])
    assert 0.008 <= left.mean() <= 0.025
    assert 0.008 <= new.sum() / len(first) <= 0.025
    stay = first[~left].set_index("user_id")
    again = second.set_index("user_id").loc[stay.index]
    assert (again["msisdn"] == stay["msisdn"]).all() and (again["region"] == stay["region"]).all()
    assert (again["tenure_months"] == stay["tenure_months"] + 1).all()
    assert not set(second.loc[new, "msisdn"]) & set(first["msisdn"])


def test_data_flow_grows_about_two_percent_a_month(months):
    first, third = months[0].frame, months[2].frame
    both = first.merge(third, on="user_id", suffixes=("_1", "_3"))
    growth = both["data_down_gb_3"].mean() / both["data_down_gb_1"].mean()
    assert 1.01 <= growth <= 1.07


def test_credit_score_is_shaped_like_the_dcic_label(last):
    score = last["credit_score"]
    assert score.min() >= 422 and score.max() <= 719
    assert abs(score.mean() - 618) < 6 and abs(score.std() - 42) < 5
    assert score.skew() < -0.5
    assert (score % 1 == 0).all()


def test_labels_come_from_the_oracle_probabilities(months):
    frame = pd.concat([m.frame for m in months], ignore_index=True)
    oracle = pd.concat([m.oracle for m in months], ignore_index=True)
    assert list(oracle.columns) == ["user_id", "month", "p_took_card", "p_default"]
    assert (oracle["user_id"] == frame["user_id"]).all()
    offered = frame["took_card"].notna()
    assert (frame.loc[~offered, "has_card"] == 1).all()  # card holders are not offered
    took, p_took = frame.loc[offered, "took_card"], oracle.loc[offered, "p_took_card"]
    assert 0.03 <= took.mean() <= 0.05
    assert abs(p_took.mean() - took.mean()) < 0.006
    assert 0.25 <= average_precision_score(took, p_took) <= 0.6
    assert 0.05 <= frame["defaulted"].mean() <= 0.08
    assert 0.74 <= roc_auc_score(frame["defaulted"], oracle["p_default"]) <= 0.86


def test_bad_arguments_name_the_parameter():
    with pytest.raises(ValueError, match="n_users must be at least 1; got 0"):
        next(generate_months(0, 1))
    with pytest.raises(ValueError, match="end_month must be 'YYYY-MM'; got '2026-13'"):
        next(generate_months(10, 1, end_month="2026-13"))
    with pytest.raises(ValueError, match="fmt must be 'parquet' or 'csv'; got 'xlsx'"):
        write_months("unused", 10, 1, fmt="xlsx")  # type: ignore[arg-type]
    assert month_range("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]


def test_cli_synth_writes_the_months_and_says_so(tmp_path):
    result = CliRunner().invoke(
        app, ["synth", "--users", "300", "--months", "2", "--seed", "3", "--out", str(tmp_path),
              "--format", "csv", "--encoding", "gbk", "--chinese-headers"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "subscribers_2026-09.csv" in result.output and "subscribers_2026-10.csv" in result.output
    header = (tmp_path / "subscribers_2026-10.csv").read_bytes().split(b"\n")[0].decode("gbk")
    assert header.startswith("用户编码,月份,手机号码,用户实名制是否通过核实,用户年龄")


def test_cli_synth_refuses_a_bad_month(tmp_path):
    result = CliRunner().invoke(
        app, ["synth", "--users", "10", "--out", str(tmp_path), "--end-month", "2026-13"]
    )
    assert result.exit_code == 2
    assert "end_month must be 'YYYY-MM'; got '2026-13'" in result.output
    assert not list(tmp_path.glob("subscribers_*"))
