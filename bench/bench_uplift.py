"""Uplift model: incremental cardholders on the generated world, Qini on Hillstrom beside peers.

Run: ``.venv/bin/python -m bench.bench_uplift`` (``--part world``, ``--part selection`` or
``--part hillstrom`` for one); writes ``bench/results/uplift_world.json``,
``bench/results/uplift_selection.json`` and ``bench/results/uplift_hillstrom.json``.

* Generated world (:mod:`prospect.synth.uplift`): five months of legacy campaigns with a random
  control train the model; on the sixth month the demo budget's contacts go to the top of each
  ranking (propensity model, uplift model, true uplift) and the oracle counts the cardholders
  they add.
* Selection (the real path): ``prospect train`` on five written months with their campaign files
  (the bundle's own uplift model), the sixth month scored by the bundle and selected by
  ``build_campaign`` with the demo config (budget, quotas, risk ceiling, control on top): the
  list on incremental value, the same selection on propensity value (the bundle's scores without
  the uplift column) and on the oracle's true uplift; the oracle counts the cardholders each
  list's contacts add. Also the contacts and control sizes, and whether the truth falls in the
  list's reported interval.
* Hillstrom (MineThatData e-mail test, men's e-mail arm against half of the control): stratified
  5-fold on treatment x outcome (random_state 0), metrics from scikit-uplift, peers from
  scikit-uplift and causalml, each on XGBoost with fixed settings (300 trees, learning rate 0.05,
  depth 4), fitted on the same folds in the same run.

Figures were taken on a shared, loaded 2-core machine.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from xgboost import XGBClassifier, XGBRegressor

from bench.common import datasets_dir, figure, write_result
from prospect.model import PropensityModel
from prospect.model.uplift import UpliftModel
from prospect.model.uplift_metrics import qini_coefficient
from prospect.spec import load_spec
from prospect.synth.uplift import generate_campaign_months

WORLD_USERS, WORLD_MONTHS, WORLD_SEEDS = 20_000, 6, (0, 1, 2, 3, 4)
DEMO_BUDGET = 2_000  # prospect/configs/demo_campaign.yaml: contacts
DEMO_CONFIG = Path(__file__).resolve().parents[1] / "prospect" / "configs" / "demo_campaign.yaml"
PEER_XGB = {"n_estimators": 300, "learning_rate": 0.05, "max_depth": 4, "n_jobs": 2}
HILLSTROM_NUMERIC = ["recency", "history", "mens", "womens", "newbie"]
HILLSTROM_CATEGORICAL = ["zip_code", "channel"]


def _incremental(true_uplift: np.ndarray, score: np.ndarray, budget: int) -> float:
    """Cardholders added by contacting the ``budget`` top-scored subscribers (oracle count)."""
    top = np.argsort(-score, kind="stable")[:budget]
    return float(true_uplift[top].sum())


def run_world(seed: int) -> dict[str, Any]:
    """Train on five months of campaign history, spend the demo budget on the sixth."""
    spec = load_spec("subscriber_5g")
    features = list(spec.feature_columns)
    months = list(generate_campaign_months(WORLD_USERS, WORLD_MONTHS, seed=seed))
    history = pd.concat(
        [m.frame.assign(group=m.oracle["group"].to_numpy()) for m in months[:-1]],
        ignore_index=True,
    )
    # Propensity as today: every non-holder's took_card, contacted or not.
    non_holders = history[history["has_card"] == 0]
    propensity = PropensityModel.from_spec(spec, random_state=seed)
    propensity.fit(non_holders, non_holders["took_card"].to_numpy())
    campaign = history[history["group"] != ""]
    contacted = (campaign["group"] == "contacted").to_numpy(dtype=int)
    start = time.perf_counter()
    uplift = UpliftModel(random_state=seed, n_jobs=2)
    uplift.fit(
        campaign[features],
        campaign["took_card"].to_numpy(),
        contacted,
        months=campaign["month"].to_numpy(),
    )
    fit_seconds = time.perf_counter() - start
    last = months[-1]
    rows = (last.frame["has_card"] == 0).to_numpy()
    frame, oracle = last.frame[rows], last.oracle[rows]
    truth = oracle["uplift"].to_numpy()
    scores = {
        "propensity": propensity.predict_proba(frame)[:, 1],
        "uplift": uplift.predict(frame[features]),
        "oracle": truth,
    }
    result = {name: _incremental(truth, score, DEMO_BUDGET) for name, score in scores.items()}
    result["random"] = float(truth.mean() * DEMO_BUDGET)
    # Qini on the month's outcomes had everyone been randomised half/half (drawn from the oracle).
    rng = np.random.default_rng([seed, 99])
    treat = rng.random(truth.shape[0]) < 0.5
    p = np.where(treat, oracle["p_took_card"], oracle["p_took_card_uncontacted"])
    outcome = (rng.random(truth.shape[0]) < p).astype(int)
    for name in ("uplift", "oracle", "propensity"):
        result[f"qini_{name}"] = qini_coefficient(outcome, scores[name], treat.astype(int))
    result.update(learner=uplift.learner_, held_out_qini=uplift.qini_scores_, fit_s=fit_seconds)
    return result


def world_figures() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    runs = [run_world(seed) for seed in WORLD_SEEDS]
    mean = {key: float(np.mean([r[key] for r in runs])) for key in ("propensity", "uplift",
            "oracle", "random", "qini_uplift", "qini_oracle", "qini_propensity")}  # fmt: skip
    share = mean["uplift"] / mean["oracle"]
    figures = [
        figure(
            "world: incremental cardholders at the demo budget, uplift ranking",
            round(mean["uplift"], 1), "cardholders",
            target=">= 85% of oracle uplift ranking", met=bool(share >= 0.85),
            peer="propensity ranking", peer_value=round(mean["propensity"], 1),
        ),
        figure(
            "world: uplift ranking as a share of oracle uplift ranking",
            round(share, 3), "ratio", target=">= 0.85", met=bool(share >= 0.85),
            peer="oracle uplift ranking (cardholders)", peer_value=round(mean["oracle"], 1),
        ),
        figure(
            "world: Qini coefficient of the uplift model (randomised month)",
            round(mean["qini_uplift"], 4), "qini", target="close to the oracle's",
            peer="oracle uplift", peer_value=round(mean["qini_oracle"], 4),
        ),
    ]  # fmt: skip
    details = {"seeds": list(WORLD_SEEDS), "users": WORLD_USERS, "months": WORLD_MONTHS,
               "budget": DEMO_BUDGET, "mean": mean, "runs": runs}  # fmt: skip
    return figures, details


def run_selection(seed: int, work: Path) -> dict[str, Any]:
    """Train a bundle on five months of campaign history and select the sixth month's list three
    ways through ``build_campaign`` with the demo config."""
    from prospect.pipeline.scoring import scored_frame
    from prospect.settings import Settings
    from prospect.startup import prepare_database
    from prospect.synth.uplift import LegacyPolicy
    from prospect.synth.writer import write_months
    from prospect.targeting import build_campaign, load_campaign_config
    from prospect.training import TrainingConfig, train
    from prospect.training.storage import load_bundle_dir

    history = work / f"history-{seed}"
    write_months(history, WORLD_USERS, WORLD_MONTHS, seed=seed, campaigns=LegacyPolicy())
    last = sorted(history.glob("subscribers_*.parquet"))[-1]
    month = last.stem.removeprefix("subscribers_")
    landed = work / last.name
    shutil.move(last, landed)
    start = time.perf_counter()
    settings = prepare_database(Settings(data_dir=work / f"var-{seed}", environment="test"))
    result = train(history, config=TrainingConfig(seed=seed), settings=settings)
    train_seconds = time.perf_counter() - start
    bundle = load_bundle_dir(result.directory)
    spec = bundle.spec
    frame = pd.read_parquet(landed)
    scored = scored_frame(bundle, frame, spec)
    oracle = pd.read_parquet(history / "oracle" / f"oracle_{month}.parquet")
    truth = oracle.set_index("user_id")["uplift"].reindex(scored["user_id"]).to_numpy()
    config = load_campaign_config(DEMO_CONFIG)
    variants = {
        "uplift": scored,
        "propensity": scored.drop(columns="uplift"),
        "oracle": scored.assign(uplift=truth),
    }
    out: dict[str, Any] = {"learner": bundle.manifest["uplift"]["learner"],
                           "train_s": train_seconds}  # fmt: skip
    true_uplift = pd.Series(truth, index=scored["user_id"].to_numpy())
    for name, rows in variants.items():
        start = time.perf_counter()
        campaign = build_campaign(rows, config, campaign_key=f"bench-{seed}",
                                  rules=spec.eligibility.rules,
                                  as_of=date.fromisoformat(f"{month}-01"))  # fmt: skip
        seconds = time.perf_counter() - start
        targets, summary = campaign.targets, campaign.summary
        contacted = targets.loc[~targets["is_control"], "user_id"].astype(str)
        out[name] = {
            "true_incremental": float(true_uplift.reindex(contacted).sum()),
            "contacts": int(summary["n_contacted"]), "control": int(summary["n_control"]),
            "budget": int(summary["budget_contacts"]), "value_basis": summary["value_basis"],
            "expected": summary.get("incremental"),
            "propensity_ranking_expected": summary.get("incremental_propensity_ranking"),
            "select_s": seconds,
        }  # fmt: skip
    expected = out["uplift"]["expected"]
    out["truth_in_interval"] = bool(
        expected["low"] <= out["uplift"]["true_incremental"] <= expected["high"]
    )
    return out


def selection_figures() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-uplift-") as tmp:
        runs = [run_selection(seed, Path(tmp)) for seed in WORLD_SEEDS]
    mean = {name: float(np.mean([r[name]["true_incremental"] for r in runs]))
            for name in ("uplift", "propensity", "oracle")}  # fmt: skip
    share = mean["uplift"] / mean["oracle"]
    per_seed = [r["uplift"]["true_incremental"] / r["oracle"]["true_incremental"] for r in runs]
    over = [r["uplift"]["true_incremental"] / r["propensity"]["true_incremental"] for r in runs]
    contacts = runs[0]["uplift"]["contacts"]
    control = runs[0]["uplift"]["control"]
    figures = [
        figure(
            "selection: true incremental cardholders of the demo list (incremental value)",
            round(mean["uplift"], 1), "cardholders", target=">= 85% of oracle, above propensity",
            met=bool(share >= 0.85 and mean["uplift"] > mean["propensity"]),
            peer="same selection on propensity value", peer_value=round(mean["propensity"], 1),
        ),
        figure(
            "selection: incremental-value list as a share of the oracle-uplift list",
            round(share, 3), "ratio", target=">= 0.85", met=bool(share >= 0.85),
            peer="same selection on true uplift (cardholders)", peer_value=round(mean["oracle"], 1),
        ),
        figure(
            "selection: worst seed's incremental-value list as a share of its oracle list",
            round(min(per_seed), 3), "ratio", target=None, met=None,
            peer="best seed", peer_value=round(max(per_seed), 3),
        ),
        figure(
            "selection: worst seed's incremental-value list over its propensity-value list",
            round(min(over), 2), "ratio", target="> 1 on every seed", met=bool(min(over) > 1),
        ),
        figure(
            "selection: contacts of the demo list (budget 2,000; control on top)",
            contacts, "contacts", target="= budget", met=bool(contacts == DEMO_BUDGET),
            peer="control group (power calculation)", peer_value=control,
        ),
        figure(
            "selection: true incremental cardholders inside the list's 95% interval",
            sum(r["truth_in_interval"] for r in runs), f"of {len(runs)} seeds",
            target="every seed", met=all(r["truth_in_interval"] for r in runs),
        ),
    ]  # fmt: skip
    details = {"seeds": list(WORLD_SEEDS), "users": WORLD_USERS, "months": WORLD_MONTHS,
               "config": str(DEMO_CONFIG), "mean": mean, "runs": runs}  # fmt: skip
    return figures, details


def load_hillstrom(outcome: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    frame = pd.read_csv(datasets_dir() / "hillstrom" / "hillstrom_mens_vs_control.csv.gz")
    treatment = (frame["segment"] == "Mens E-Mail").to_numpy(dtype=int)
    y = frame[outcome].to_numpy(dtype=int)
    dummies = pd.get_dummies(frame[HILLSTROM_CATEGORICAL], dtype=float)
    X = pd.concat([frame[HILLSTROM_NUMERIC].astype(float), dummies], axis=1)
    return X.to_numpy(), y, treatment, list(X.columns)


def _xgb() -> XGBClassifier:
    return XGBClassifier(**PEER_XGB, random_state=0)


def _causal_treatment(t: np.ndarray) -> np.ndarray:
    return np.where(t == 1, "email", "control")


def hillstrom_models() -> dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], Any]]:
    """Each entry fits on (X, y, t) and returns a function from X to uplift."""
    from causalml.inference.meta import BaseSClassifier, BaseTClassifier, BaseXClassifier
    from causalml.inference.tree import UpliftRandomForestClassifier
    from sklift.models import ClassTransformation, SoloModel, TwoModels

    def sklift_model(make: Callable[[], Any]):
        def fit(X, y, t):
            model = make().fit(X, y, t)
            return model.predict

        return fit

    def causal_meta(make: Callable[[], Any], with_p: bool = False):
        def fit(X, y, t):
            model = make()
            share = np.full(X.shape[0], t.mean())
            extra = {"p": share} if with_p else {}
            model.fit(X, _causal_treatment(t), y, **extra)

            def predict(Z):
                extra = {"p": np.full(Z.shape[0], t.mean())} if with_p else {}
                return np.asarray(model.predict(Z, **extra)).ravel()

            return predict

        return fit

    def causal_forest(X, y, t):
        model = UpliftRandomForestClassifier(
            control_name="control", n_estimators=300, max_depth=4, random_state=0, n_jobs=2
        )
        model.fit(X, _causal_treatment(t), y)
        return lambda Z: np.asarray(model.predict(Z)).ravel()

    def ours(X, y, t):
        return UpliftModel(random_state=0, n_jobs=2).fit(X, y, t).predict

    xgbr = lambda: XGBRegressor(**PEER_XGB, random_state=0)  # noqa: E731
    return {
        "prospect UpliftModel": ours,
        "sklift SoloModel": sklift_model(lambda: SoloModel(estimator=_xgb())),
        "sklift TwoModels": sklift_model(
            lambda: TwoModels(estimator_trmnt=_xgb(), estimator_ctrl=_xgb(), method="vanilla")
        ),
        "sklift ClassTransformation": sklift_model(lambda: ClassTransformation(estimator=_xgb())),
        "causalml S-learner": causal_meta(
            lambda: BaseSClassifier(learner=_xgb(), control_name="control")
        ),
        "causalml T-learner": causal_meta(
            lambda: BaseTClassifier(learner=_xgb(), control_name="control")
        ),
        "causalml X-learner": causal_meta(
            lambda: BaseXClassifier(
                outcome_learner=_xgb(), effect_learner=xgbr(), control_name="control"
            ),
            with_p=True,
        ),
        "causalml uplift random forest": causal_forest,
    }


def hillstrom_scores(outcome: str) -> dict[str, dict[str, list[float]]]:
    from sklearn.model_selection import StratifiedKFold
    from sklift.metrics import qini_auc_score, uplift_at_k, uplift_auc_score

    X, y, t, _ = load_hillstrom(outcome)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    models = hillstrom_models()
    scores: dict[str, dict[str, list[float]]] = {
        name: {"qini": [], "auuc": [], "uplift_at_30": [], "seconds": []} for name in models
    }
    for fit_rows, test_rows in folds.split(X, 2 * t + y):
        for name, fit in models.items():
            start = time.perf_counter()
            predict = fit(X[fit_rows], y[fit_rows], t[fit_rows])
            score = np.asarray(predict(X[test_rows]), dtype=float).ravel()
            scores[name]["seconds"].append(time.perf_counter() - start)
            yt, tt = y[test_rows], t[test_rows]
            scores[name]["qini"].append(float(qini_auc_score(yt, score, tt)))
            scores[name]["auuc"].append(float(uplift_auc_score(yt, score, tt)))
            scores[name]["uplift_at_30"].append(
                float(uplift_at_k(yt, score, tt, strategy="overall", k=0.3))
            )
        print(outcome, "fold done", {n: round(s["qini"][-1], 4) for n, s in scores.items()})
    return scores


def hillstrom_figures() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    figures, details = [], {}
    for outcome in ("visit", "conversion"):
        scores = hillstrom_scores(outcome)
        summary = {
            name: {
                metric: {"mean": float(np.mean(v)), "std": float(np.std(v)), "folds": v}
                for metric, v in per.items()
            }
            for name, per in scores.items()
        }
        details[outcome] = summary
        ours = summary["prospect UpliftModel"]
        peers = {name: s for name, s in summary.items() if name != "prospect UpliftModel"}
        for metric in ("qini", "auuc", "uplift_at_30"):
            best = max(peers, key=lambda name: peers[name][metric]["mean"])
            mean, std = ours[metric]["mean"], ours[metric]["std"]
            figures.append(
                figure(
                    f"hillstrom {outcome}: {metric} (5-fold mean; fold sd {std:.4f})",
                    round(mean, 4), metric, target="above every peer",
                    met=bool(mean > peers[best][metric]["mean"]),
                    peer=f"best peer: {best} (fold sd {peers[best][metric]['std']:.4f})",
                    peer_value=round(peers[best][metric]["mean"], 4),
                )
            )  # fmt: skip
    return figures, details


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "world", "selection", "hillstrom"),
                        default="all")  # fmt: skip
    part = parser.parse_args().part
    parts = {"world": world_figures, "selection": selection_figures,
             "hillstrom": hillstrom_figures}  # fmt: skip
    for name, run in parts.items():
        if part not in ("all", name):
            continue
        figures, details = run()
        details["machine_note"] = "shared 2-core machine, heavily loaded (load average > 10)"
        path = write_result(f"uplift_{name}", figures, details)
        for row in figures:
            print(row)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
