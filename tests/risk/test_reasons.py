"""Reason codes against the risk officer's reference; no feature leads only by a tiny bin."""

import numpy as np
import pandas as pd
import pytest

from risk import Scorecard, WOEBinner


def tiny_best_bin(n: int = 8000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """``flag`` has a very safe value held by 0.5% of rows; ``debt`` and ``age`` carry the
    risk for everyone else."""
    rng = np.random.default_rng(seed)
    flag = np.where(rng.random(n) < 0.005, "gold", rng.choice(["x", "y"], n))
    debt = rng.uniform(0, 1, n)
    age = rng.uniform(18, 80, n)
    logit = -2 + 1.0 * debt - 0.015 * (age - 40) - 5.0 * (flag == "gold")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return pd.DataFrame({"flag": flag, "debt": debt, "age": age}), y


def first_reason_shares(card: Scorecard, X: pd.DataFrame) -> pd.Series:
    first = card.reason_codes(X, n=1)["reason_1"].dropna()
    return first.str.split(":").str[0].value_counts() / len(X)


def test_a_tiny_best_bin_is_not_everyones_first_reason():
    X, y = tiny_best_bin()
    binner = WOEBinner(min_bin_share=0.002, min_bin_count=10)
    old = Scorecard(binner=binner, min_iv=0.0, reason_min_share=0.0).fit(X, y)
    assert "gold" in old.points_table_["bin"].tolist()
    before = first_reason_shares(old, X)
    assert before.idxmax() == "flag" and before["flag"] > 0.35  # the officer's complaint
    card = Scorecard(binner=binner, min_iv=0.0).fit(X, y)  # reference: a bin of >= 5%
    shares = first_reason_shares(card, X)
    assert shares.get("flag", 0) < 0.05
    assert shares.max() < 0.75
    ref = card.points_table_.query("feature == 'flag'")
    assert ref["reference_points"].iloc[0] < ref["points"].max()


def test_average_reference_gives_reasons_only_below_the_population():
    X, y = tiny_best_bin()
    card = Scorecard(reason_reference="average").fit(X, y)
    points = card.feature_points(X)
    table = card.points_table_.drop_duplicates("feature").set_index("feature")
    average = points.mean()  # the training rows are the population
    assert table["reference_points"].to_numpy() == pytest.approx(
        average[table.index].to_numpy(), abs=1e-6)  # fmt: skip
    reasons = card.reason_codes(X, n=3)
    above = (points > table["reference_points"][points.columns]).all(axis=1)
    assert reasons.loc[above.to_numpy(), "reason_1"].isna().all()


def test_reason_text_uses_the_label_mapping_and_rejects_bad_reference():
    X, y = tiny_best_bin(n=3000)
    card = Scorecard().fit(X, y)
    worst = X.assign(debt=0.99, age=20.0, flag="x").head(1)
    text = card.reason_codes(worst, n=1, labels={"debt": "Debt relative to income"}).iat[0, 0]
    assert text.startswith("Debt relative to income: [") and text.endswith("points)")
    with pytest.raises(ValueError, match="reason_reference must be 'best' or 'average'"):
        Scorecard(reason_reference="max").fit(X, y)
