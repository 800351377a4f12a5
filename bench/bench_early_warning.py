"""Early warning on the generated world: how many defaults each warning method sees coming,
how early, and what the monthly alerts of 1M watched cardholders cost.

World: ``generate_cardholder_months`` (risk trajectories on the generated months). The
early-warning model is fitted on the months before ``--split`` with the defaults known by then;
every method is judged on the later months: each month the 5% of live cardholders it scores
highest are alerted, and a default counts as warned when its cardholder was alerted in one of
the 6 months before the default month (so at least one month ahead); the lead time is the
default month minus the earliest such alert. Methods: the early-warning model, the indicator
rules of the packaged config alone (severity-weighted count of rules tripped), the static
application scorecard (a ``risk.Scorecard`` fitted on application-time data, its PD at card
issue held fixed), and the oracle (the true chance of default within 3 months).

Monthly cost: ``monthly_alerts`` (history, model PD and reasons, rules) for 1M watched
cardholders with 6 months of history, in a child process for its peak memory; the rows are
cardholder rows of the world resampled under new ids.

Usage: ``python -m bench.bench_early_warning [--users N] [--cost-rows N]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from bench.common import figure, peak_rss_mib, write_result
from prospect.alerts import load_alert_config, monthly_alerts
from prospect.alerts.rules import evaluate_rules
from prospect.spec import load_spec
from prospect.synth.trajectories import generate_cardholder_months
from risk import Scorecard, WOEBinner
from risk.early_warning import EarlyWarningModel, month_index
from risk.early_warning.evaluation import alerted_rows, warning_summary

ALERT_RATE = 0.05
LOOKBACK = 6
SEVERITY_WEIGHT = {"low": 1.0, "medium": 3.0, "high": 9.0}


def indicator_columns() -> list[str]:
    spec = load_spec("subscriber_5g")
    return [c.name for c in spec.columns if c.role in ("numeric", "boolean") and c.feature]


def build_world(n_users: int, n_months: int, seed: int):
    frames, events, first = [], [], None
    for month, ev in generate_cardholder_months(n_users, n_months, seed=seed):
        if first is None:
            first = month.frame
        frames.append(month.frame[month.frame["user_id"].isin(ev["user_id"])])
        events.append(ev)
    panel = pd.concat(frames, ignore_index=True)
    events = pd.concat(events, ignore_index=True)
    panel = panel.merge(events, on=["user_id", "month"], validate="one_to_one")
    return panel, first


def static_scorecard(application: pd.DataFrame, panel: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """PD of each cardholder at card issue from an application scorecard, held fixed."""
    train = application.dropna(subset=["defaulted"]).sample(n=min(30000, len(application)),
                                                             random_state=0)  # fmt: skip
    card = Scorecard(binner=WOEBinner(max_n_prebins=50)).fit(train[cols], train["defaulted"])
    at_issue = panel[panel["month"] == panel["issued_month"]]
    pd_issue = pd.Series(card.predict_proba(at_issue[cols])[:, 1], index=at_issue["user_id"])
    return pd_issue.reindex(panel["user_id"]).to_numpy()


def rule_scores(panel: pd.DataFrame, months: list[str]) -> np.ndarray:
    config = load_alert_config()
    rules = [r for r in config.rules if r.kind in ("threshold", "falling")]
    out = np.zeros(len(panel))
    position = pd.Series(np.arange(len(panel)), index=pd.MultiIndex.from_frame(
        panel[["user_id", "month"]]))  # fmt: skip
    for month in months:
        fired = evaluate_rules(panel, month, rules)
        weight = fired["severity"].map(SEVERITY_WEIGHT).groupby(fired["user_id"]).sum()
        rows = position.reindex(pd.MultiIndex.from_arrays(
            [weight.index, np.full(len(weight), month)])).to_numpy()  # fmt: skip
        out[rows] = weight.to_numpy()
    return out


def quality(n_users: int, n_months: int, split: str, seed: int) -> tuple[list, dict]:
    started = time.perf_counter()
    panel, application = build_world(n_users, n_months, seed)
    cols = indicator_columns()
    m = month_index(panel["month"], "month")
    [cut] = month_index(pd.Series([split]), "split")
    defaults = panel.loc[panel["defaulted_now"] == 1, ["user_id", "month"]]
    default_m = pd.Series(month_index(defaults["month"], "month"), index=defaults["user_id"])
    train = panel[m < cut]
    model = EarlyWarningModel(id_column="user_id", indicators=cols, horizon=3, random_state=0)
    fit_started = time.perf_counter()
    model.fit(train[["user_id", "month", *cols]], default_m[default_m < cut].astype(float))
    fit_seconds = time.perf_counter() - fit_started
    test = m >= cut
    scores = {
        "model": model.predict_proba(panel[["user_id", "month", *cols]])[:, 1],
        "rules": rule_scores(panel, sorted(panel.loc[test, "month"].unique())),
        "static_scorecard": static_scorecard(application, panel, cols),
        "oracle": panel["p_default_next"].to_numpy(),
    }
    judged = default_m[default_m > cut]  # defaults with at least one test month before them
    results = {}
    ids = panel["user_id"].to_numpy()
    for name, score in scores.items():
        mask = alerted_rows(ids[test], m[test], score[test], ALERT_RATE)
        alerts = pd.DataFrame({"id": ids[test][mask], "month": m[test][mask]})
        results[name] = warning_summary(alerts, judged, lookback=LOOKBACK)
    share = {k: v["warned_share"] for k, v in results.items()}
    figures = [
        figure("share of defaults warned >= 1 month ahead (model)", share["model"], "share",
               target=">= 0.8 x oracle", met=share["model"] >= 0.8 * share["oracle"],
               peer="oracle hazard", peer_value=share["oracle"]),
        figure("share of defaults warned >= 1 month ahead (model vs static scorecard)",
               share["model"], "share", target=">= 1.5 x static scorecard",
               met=share["model"] >= 1.5 * share["static_scorecard"],
               peer="static application scorecard", peer_value=share["static_scorecard"]),
        figure("share of defaults warned >= 1 month ahead (rules alone)", share["rules"], "share",
               peer="early-warning model", peer_value=share["model"]),
        figure("median lead time of warned defaults (model)",
               results["model"]["median_lead_months"] or 0.0, "months",
               peer="oracle hazard", peer_value=results["oracle"]["median_lead_months"]),
    ]  # fmt: skip
    details = {
        "world": {"users": n_users, "months": n_months, "seed": seed, "split": split,
                  "cardholder_months": len(panel), "cardholders": int(panel["user_id"].nunique()),
                  "judged_defaults": len(judged)},
        "alert_rate": ALERT_RATE, "lookback_months": LOOKBACK, "methods": results,
        "model": {"fit_seconds": round(fit_seconds, 1), "training_rows": model.n_training_rows_,
                  "selected_features": len(model.estimator_.selected_)},
        "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    return figures, details


def cost_child(n_rows: int, seed: int) -> dict:
    """In a fresh process: monthly alerts for ``n_rows`` watched cardholders."""
    panel, _ = build_world(20000, 14, seed)
    cols = indicator_columns()
    defaults = panel.loc[panel["defaulted_now"] == 1, ["user_id", "month"]]
    y = pd.Series(month_index(defaults["month"], "month").astype(float), index=defaults["user_id"])
    model = EarlyWarningModel(id_column="user_id", indicators=cols, random_state=0)
    model.fit(panel[["user_id", "month", *cols]], y)
    config = load_alert_config()
    months = sorted(panel["month"].unique())[-config.history_months :]
    source = panel[panel["month"] == months[-1]]
    rng = np.random.default_rng(seed)
    picked = source.iloc[rng.integers(0, len(source), n_rows)]
    history: dict[str, pd.DataFrame] = {}
    keep = ["user_id", "month", *cols]
    # one id per resampled row: make ids unique and the same across months
    base = picked[["user_id"]].reset_index(drop=True)
    base["new_id"] = [f"C{i:08d}" for i in range(len(base))]
    for month in months:
        rows = panel.loc[panel["month"] == month, keep]
        frame = base.merge(rows, on="user_id", how="inner").drop(columns="user_id")
        history[month] = frame.rename(columns={"new_id": "user_id"})[keep].assign(pd=np.nan)
    del panel
    rss_before = peak_rss_mib()
    now = history.pop(months[-1]).drop(columns="pd")
    started = time.perf_counter()
    alerts, scored = monthly_alerts(now, months[-1], config, model, history.get)
    seconds = time.perf_counter() - started
    return {"rows": len(now), "seconds": seconds, "alerts": len(alerts),
            "peak_rss_mib": peak_rss_mib(), "rss_before_mib": rss_before}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=40000)
    parser.add_argument("--months", type=int, default=30)
    parser.add_argument("--split", default="2025-11")
    parser.add_argument("--cost-rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cost-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cost_child:
        print(json.dumps(cost_child(args.cost_child, args.seed)))
        return
    figures, details = quality(args.users, args.months, args.split, args.seed)
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_early_warning", "--cost-child", str(args.cost_rows)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    cost = json.loads(out.stdout.strip().splitlines()[-1])
    figures.append(figure(f"monthly alerts for {cost['rows']:,} watched cardholders",
                          cost["seconds"], "s", higher_is_better=False))  # fmt: skip
    figures.append(figure("peak memory of that monthly alerts process", cost["peak_rss_mib"],
                          "MiB", higher_is_better=False))  # fmt: skip
    details["monthly_cost"] = {**cost, "note": "2 cores shared with four other engineers: "
                               "timings are noisy and likely pessimistic"}  # fmt: skip
    path = write_result("early_warning", figures, details)
    for row in figures:
        print(row)
    print(json.dumps(details["methods"], indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
