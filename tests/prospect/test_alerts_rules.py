"""Alert rules from config on a small cardholder panel with exact expected alerts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prospect.alerts import AlertConfig, Rule, evaluate_rules, load_alert_config, monthly_alerts
from prospect.exceptions import ConfigError

MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10"]


def panel() -> pd.DataFrame:
    rows = {
        "u1": {"is_in_arrears": [0, 0, 0, 1], "topup": [50, 50, 50, 50],
               "pd": [.02, .02, .02, .03]},
        "u2": {"is_in_arrears": [0, 0, 0, 0], "topup": [100, 80, 60, 40],
               "pd": [.02, .03, .05, .12]},
        "u3": {"is_in_arrears": [1, 0, 0, 0], "topup": [100, 80, 90, 40],
               "pd": [.01, .01, .01, .03]},
    }  # fmt: skip
    out = []
    for user, cols in rows.items():
        for k, month in enumerate(MONTHS):
            out.append(
                {"user_id": user, "month": month, **{c: float(v[k]) for c, v in cols.items()}}
            )
    return pd.DataFrame(out)


RULES = (
    Rule(cause="arrears", kind="threshold", feature="is_in_arrears__level", value=1,
         severity="medium"),
    Rule(cause="topups_falling", kind="falling", indicator="topup", months=3, severity="medium"),
    Rule(cause="pd_doubled", kind="score_ratio", value=2.0, months=1, min_pd=0.05,
         severity="high"),
    Rule(cause="pd_high", kind="score_level", value=0.1, severity="high"),
)  # fmt: skip


def test_each_rule_trips_exactly_the_expected_cardholders_with_their_figures():
    fired = evaluate_rules(panel(), "2026-10", RULES)
    got = {(u, c): f for u, c, _, f in fired.itertuples(index=False, name=None)}
    assert set(got) == {("u1", "arrears"), ("u2", "topups_falling"), ("u2", "pd_doubled"),
                        ("u2", "pd_high")}  # fmt: skip
    assert got[("u2", "topups_falling")] == {"topup": [100.0, 80.0, 60.0, 40.0]}
    assert got[("u2", "pd_doubled")] == {"pd": 0.12, "pd_before": 0.05, "months": 1}
    assert got[("u1", "arrears")] == {"is_in_arrears__level": 1.0, "threshold": 1.0}
    # u3 went 0.01 -> 0.03 (tripled) but stays under min_pd; its top-ups rose once.


def test_only_the_month_asked_is_judged():
    fired = evaluate_rules(panel(), "2026-07", RULES)
    assert fired[["user_id", "cause"]].values.tolist() == [["u3", "arrears"]]


def test_a_rule_on_a_column_the_panel_lacks_names_rule_and_column():
    rule = Rule(cause="quiet", kind="threshold", feature="calls__level", value=1, severity="low")
    with pytest.raises(ValueError, match="rule 'quiet' reads column 'calls'"):
        evaluate_rules(panel(), "2026-10", [rule])


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({"rules": [{"cause": "a", "kind": "threshold", "severity": "low", "value": 1}]},
         "needs \\['feature'\\]"),
        ({"rules": [{"cause": "a", "kind": "threshold", "severity": "low", "value": 1,
                     "feature": "x__level_9"}]}, "kind one of"),
        ({"rules": [{"cause": "a", "kind": "score_level", "severity": "low", "value": 1}] * 2},
         "repeated: \\['a'\\]"),
        ({"rules": [{"cause": "a", "kind": "score_level", "severity": "urgent", "value": 1}]},
         "severity"),
        ({"watch_months": 0}, "watch_months"),
    ],
)  # fmt: skip
def test_bad_configs_fail_at_load_naming_the_field(tmp_path, raw, match):
    import yaml

    path = tmp_path / "ew.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        load_alert_config(path)


def test_the_packaged_config_loads_and_reads_spec_columns():
    from prospect.spec import load_spec

    config = load_alert_config()
    names = {c.name for c in load_spec("subscriber_5g").columns}
    assert config.rules and set(config.indicators()) <= names


def test_monthly_alerts_without_a_model_apply_the_indicator_rules_and_keep_the_pd_empty():
    frame = panel().drop(columns="pd")
    history = {m: g.assign(pd=np.nan) for m, g in frame.groupby("month")}
    config = AlertConfig(history_months=4, rules=RULES[:2])
    now = history.pop("2026-10").drop(columns="pd")
    alerts, scored = monthly_alerts(now, "2026-10", config, None, history.get)
    assert sorted((a.user_id, a.cause) for a in alerts) == [("u1", "arrears"),
                                                             ("u2", "topups_falling")]  # fmt: skip
    assert all(a.pd is None and a.reasons == [] for a in alerts)
    assert scored["pd"].isna().all() and len(scored) == 3
