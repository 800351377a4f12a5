"""The early-warning estimator on a small generic panel (not the 5G spec): targets, history
features that never look ahead, errors naming the column, reason codes in scorecard words."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from risk.early_warning import EarlyWarningModel, history_features
from risk.early_warning.evaluation import alerted_rows, warning_summary
from risk.early_warning.targets import row_targets


def make_panel(n_ids: int = 600, n_months: int = 14, seed: int = 0):
    """Accounts over integer periods; a third start worsening at a random month (late days
    and utilisation climb) and default 2-3 months later. Returns panel and default months."""
    rng = np.random.default_rng(seed)
    rows, defaults = [], {}
    for i in range(n_ids):
        onset = rng.integers(3, n_months + 4) if rng.random() < 0.35 else 10**6
        base_util = rng.uniform(0.1, 0.6)
        for t in range(n_months):
            stress = max(0, t - onset + 1)
            rows.append({
                "acct": f"A{i:04d}", "period": t,
                "late_days": float(rng.poisson(1 + 6 * stress)),
                "util": base_util + 0.12 * stress + rng.normal(0, 0.05),
                "missed": float(rng.random() < 0.05 + 0.3 * (stress > 0)),
            })  # fmt: skip
        if onset + 2 < n_months + 3:
            defaults[f"A{i:04d}"] = int(onset + 2 + rng.integers(0, 2))
    return pd.DataFrame(rows), pd.Series(defaults, dtype=float)


def model(**kw) -> EarlyWarningModel:
    return EarlyWarningModel(id_column="acct", month_column="period", random_state=0, **kw)


def test_targets_are_positive_only_within_the_horizon_and_censored_rows_are_left_out():
    months = np.array([0, 1, 2, 3, 4, 5, 0, 1, 2], dtype=float)
    default = np.array([4.0] * 6 + [np.nan] * 3)
    known = np.array([5.0] * 6 + [2.0] * 3)
    target, usable = row_targets(np.zeros(9), months, default, known, horizon=3)
    assert target.tolist() == [0, 1, 1, 1, 0, 0, 0, 0, 0]
    # id 1 (month 4 default): month 0 is 4 ahead (negative), months 4-5 are after it (dropped);
    # id 2 never defaulted but is known only to month 2: no month is followed for 3 months.
    assert usable.tolist() == [True, True, True, True, False, False, False, False, False]


def test_the_model_ranks_accounts_about_to_default_first_on_new_accounts():
    panel, defaults = make_panel()
    train_ids = panel["acct"].unique()[:400]
    train = panel[panel["acct"].isin(train_ids)]
    test = panel[~panel["acct"].isin(train_ids)].reset_index(drop=True)
    fitted = model().fit(train, defaults[defaults.index.isin(train_ids)])
    p = fitted.predict_proba(test)[:, 1]
    d = defaults.reindex(test["acct"]).to_numpy()
    y, usable = row_targets(test["acct"].to_numpy(), test["period"].to_numpy(float), d,
                            np.full(len(test), 13.0), 3)  # fmt: skip
    assert roc_auc_score(y[usable], p[usable]) > 0.85


def test_estimator_contract_keyword_only_params_unchanged_and_not_fitted_error():
    est = model(indicators=["util"], horizon=2)
    with pytest.raises(TypeError):
        EarlyWarningModel("acct")  # type: ignore[misc]
    assert est.get_params()["indicators"] == ["util"] and est.get_params()["horizon"] == 2
    assert clone(est).get_params() == est.get_params()
    panel, _ = make_panel(20, 6)
    with pytest.raises(NotFittedError):
        est.predict_proba(panel)


@pytest.mark.parametrize("cut", [1, 2, 7])
def test_features_of_a_month_never_depend_on_later_months(cut):
    panel, defaults = make_panel(200, 10)
    fitted = model().fit(panel, defaults)
    changed = panel.copy()
    later = changed["period"] >= cut
    changed.loc[later, ["late_days", "util", "missed"]] = 999.0
    early = (panel["period"] < cut).to_numpy()
    before = fitted.transform(panel)[early]
    after = fitted.transform(changed)[early]
    pd.testing.assert_frame_equal(before, after)


def test_a_missing_month_is_a_gap_not_a_shift():
    ids = np.array(["a", "a", "a"])
    months = np.array([0, 1, 3])  # month 2 missing
    values = np.array([[1.0], [2.0], [5.0]])
    out = history_features(ids, months, values, indicators=["x"], binary=[], window=3,
                           baseline=1)  # fmt: skip
    assert np.isnan(out["x__change_1"].iloc[2])  # month 2 unknown
    assert out["x__change_w"].iloc[2] == pytest.approx(5.0 - 2.0)  # lag 2 is month 1
    assert out["x__vs_baseline"].tolist() == [0.0, 1.0, 4.0]


def test_months_since_first_event_counts_from_the_first_flag():
    ids = np.array(["a"] * 4)
    flags = np.array([[0.0], [1.0], [0.0], [1.0]])
    out = history_features(
        ids, np.arange(4), flags, indicators=["arrear"], binary=["arrear"], window=3, baseline=1
    )
    assert np.isnan(out["arrear__since_first"].iloc[0])
    assert out["arrear__since_first"].tolist()[1:] == [0.0, 1.0, 2.0]
    assert out["arrear__count_w"].tolist() == [0.0, 1.0, 1.0, 2.0]


def test_reason_codes_read_like_the_scorecard_and_name_history_in_words():
    panel, defaults = make_panel(300, 10)
    fitted = model().fit(panel, defaults)
    codes = fitted.reason_codes(panel.head(50), n=2)
    text = [c for c in codes.to_numpy().ravel() if isinstance(c, str)]
    assert text and all(re.fullmatch(r".+: .+ \(-\d+ points\)", c) for c in text)
    assert any(word in " ".join(text) for word in ("change over", "trend", "against its first"))


def test_reason_codes_use_the_readable_names_given_for_indicators():
    panel, defaults = make_panel(300, 10)
    words = {"late_days": "Days paid late", "util": "Credit used", "missed": "Missed payment"}
    fitted = model(indicator_labels=words).fit(panel, defaults)
    text = " ".join(c for c in fitted.reason_codes(panel.head(50), n=3).to_numpy().ravel()
                    if isinstance(c, str))  # fmt: skip
    assert any(word in text for word in words.values())
    assert not any(f"{raw} " in text or f"{raw}," in text for raw in words)  # no raw names
    np.testing.assert_allclose(
        fitted.predict_proba(panel), model().fit(panel, defaults).predict_proba(panel)
    )  # words change the text, not the PD


def test_score_month_gives_the_month_rows_with_pd_and_reasons():
    panel, defaults = make_panel(200, 10)
    fitted = model().fit(panel, defaults)
    out = fitted.score_month(panel, 9, n_reasons=2)
    assert out["acct"].tolist() == panel.loc[panel["period"] == 9, "acct"].tolist()
    full = fitted.predict_proba(panel)[(panel["period"] == 9).to_numpy(), 1]
    np.testing.assert_allclose(out["pd"], full)
    assert list(out.columns) == ["acct", "pd", "reason_1", "reason_2"]


def test_default_flags_in_the_panel_give_the_same_model_as_default_months():
    panel, defaults = make_panel(200, 10)
    flagged = panel.assign(event=(panel["period"] == panel["acct"].map(defaults)).astype(float))
    by_flags = model(default_column="event", indicators=["late_days", "util", "missed"])
    by_y = model(indicators=["late_days", "util", "missed"])
    p1 = by_flags.fit(flagged).predict_proba(panel)
    p2 = by_y.fit(panel, defaults[defaults < 10]).predict_proba(panel)
    np.testing.assert_allclose(p1, p2)


def test_any_classifier_works_and_sampling_is_seeded():
    panel, defaults = make_panel(300, 10)
    est = model(estimator=LogisticRegression(max_iter=500), max_rows=500)
    filled = panel.fillna(0.0)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.fit(filled, defaults)  # history features have NaN: plain LR cannot take them
    from sklearn.ensemble import HistGradientBoostingClassifier

    est = model(estimator=HistGradientBoostingClassifier(max_iter=20, random_state=0), max_rows=800)
    p1 = clone(est).fit(panel, defaults).predict_proba(panel)
    p2 = clone(est).fit(panel, defaults).predict_proba(panel)
    np.testing.assert_array_equal(p1, p2)
    assert est.fit(panel, defaults).n_training_rows_ == 800
    with pytest.raises(TypeError, match="reason_codes"):
        est.reason_codes(panel)


@pytest.mark.parametrize(
    ("mutate", "error", "match"),
    [
        (lambda p: p.drop(columns=["util"]), ValueError, r"lacks columns \['util'\]"),
        (lambda p: pd.concat([p, p.head(1)]), ValueError, "two rows for id 'A0000' in month 0"),
        (lambda p: p.assign(util=p["util"].astype(str)), TypeError, "'util' must be numeric"),
        (lambda p: p.assign(period="not a month"), ValueError, "'period' must hold months"),
    ],
)
def test_bad_panels_are_refused_naming_the_column(mutate, error, match):
    panel, defaults = make_panel(50, 6)
    with pytest.raises(error, match=match):
        model(indicators=["late_days", "util"]).fit(mutate(panel), defaults)


def test_fit_needs_both_outcomes_and_valid_params():
    panel, _ = make_panel(50, 6)
    with pytest.raises(ValueError, match="rows that default"):
        model().fit(panel, pd.Series(dtype=float))
    with pytest.raises(ValueError, match="horizon must be a positive int"):
        model(horizon=0).fit(panel, pd.Series(dtype=float))
    with pytest.raises(ValueError, match="fit needs y"):
        model().fit(panel)


def test_alert_lists_and_lead_times_have_exact_values():
    ids = np.array(["a", "b", "c", "d", "a", "b", "c", "d"])
    months = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    score = np.array([0.9, 0.1, 0.5, 0.2, 0.1, 0.8, 0.7, 0.3])
    mask = alerted_rows(ids, months, score, alert_rate=0.5)
    assert mask.tolist() == [True, False, True, False, False, True, True, False]
    alerts = pd.DataFrame({"id": ids[mask], "month": months[mask]})
    summary = warning_summary(alerts, pd.Series({"a": 3, "c": 2, "d": 2}), lookback=6)
    # a: alerted at 0, default 3 (lead 3); c: alerted 0 and 1, default 2 (lead 2); d: never.
    assert summary == {"n_defaults": 3, "warned_share": pytest.approx(2 / 3),
                       "median_lead_months": 2.5}  # fmt: skip


def test_a_title_that_already_says_this_month_is_not_said_twice():
    from risk.early_warning.history import feature_names

    _, words = feature_names(
        ["app_finance_count", "arrears"], ["arrears"], 3, 2,
        labels={"app_finance_count": "Finance app sessions this month", "arrears": "Arrears"},
    )  # fmt: skip
    assert words["app_finance_count__level"] == "Finance app sessions this month"
    assert words["arrears__level"] == "Arrears this month"
    assert words["app_finance_count__change_1"] == (
        "Finance app sessions this month, change over 1 month"
    )
    assert not any("this month this month" in text for text in words.values())


@pytest.mark.parametrize("label", ["当月网购类应用使用次数", "本月欠费次数", "Parcels This Month"])
def test_a_title_saying_this_month_in_chinese_or_any_case_is_its_own_level(label):
    from risk.early_warning.history import feature_names

    _, words = feature_names(["x"], [], 3, 2, labels={"x": label})
    assert words["x__level"] == label
    assert words["x__change_1"] == f"{label}, change over 1 month"
