"""Training benchmark: ``prospect train`` on the demo size, accuracy against the oracle, and
scoring a million rows with drivers and reason codes.

Demo data: 20,000 subscribers x 6 generated months (seed 0); the latest month is the test.
Figures: train wall time (target < 90 s), propensity PR-AUC on the latest month against the
oracle PR-AUC from the saved true probabilities (target ratio >= 0.95), scorecard ROC-AUC and
KS against the oracle p_default, and the time to score 1,000,000 rows (propensity part target
< 20 s). Peers for scoring, timed on the same 100,000 rows: ``PropensityModel.explain`` (exact
TreeSHAP, the model's own explainer) and ``Scorecard.reason_codes`` (row-by-row texts).

The machine is shared (2 cores, several engineers): timings are medians but noisy.
Usage: ``python -m bench.bench_training``.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import figure, median_seconds, peak_rss_mib, write_result
from prospect.io import read_batch
from prospect.riskmodel import reason_labels, stability_counts
from prospect.settings import Settings
from prospect.startup import prepare_database
from prospect.synth import write_months
from prospect.training import ModelBundle, TrainingConfig, train
from prospect.training.storage import load_bundle_dir

USERS, MONTHS, SCORE_ROWS, PEER_ROWS = 20_000, 6, 1_000_000, 100_000


def replicate(frame: pd.DataFrame, rows: int, id_column: str) -> pd.DataFrame:
    """``rows`` rows made of copies of ``frame`` with distinct ids."""
    copies = -(-rows // len(frame))
    big = pd.concat([frame] * copies, ignore_index=True).iloc[:rows].copy()
    big[id_column] = [f"B{i:09d}" for i in range(rows)]
    return big


def train_figures(work: Path) -> tuple[list[dict], ModelBundle, dict]:
    data_dir = work / "months"
    write_months(data_dir, USERS, MONTHS, seed=0)
    settings = prepare_database(Settings(data_dir=work / "var", environment="test"))
    seconds, result = median_seconds(lambda: train(data_dir, settings=settings,
                                                   config=TrainingConfig()), repeats=1)  # fmt: skip
    again, _ = median_seconds(lambda: train(data_dir, settings=settings), repeats=1)
    card = result.manifest["metrics"]
    full = json.loads((result.directory / "model_card.json").read_text())
    oracle = full["metrics"]["oracle"]
    prop, risk = oracle["propensity"], oracle["scorecard"]
    figures = [
        figure("train wall time, 20k users x 6 months", seconds, "s", target="< 90 s",
               met=seconds < 90, higher_is_better=False),
        figure("second train on same inputs (no-op)", again, "s", higher_is_better=False),
        figure("propensity PR-AUC, latest month", prop["pr_auc"], "PR-AUC",
               target=">= 0.95 x oracle", met=prop["ratio"] >= 0.95, peer="oracle p_took_card",
               peer_value=prop["oracle_pr_auc"]),
        figure("scorecard ROC-AUC, latest month", risk["roc_auc"], "ROC-AUC",
               peer="oracle p_default", peer_value=risk["oracle_roc_auc"]),
        figure("scorecard KS, latest month", risk["ks"], "KS",
               peer="oracle p_default", peer_value=risk["oracle_ks"]),
        figure("challenger ROC-AUC, latest month", oracle["challenger"]["roc_auc"], "ROC-AUC",
               peer="scorecard", peer_value=risk["roc_auc"]),
    ]  # fmt: skip
    details = {"version": result.version, "test_month_metrics": card, "folds": full["folds"],
               "step_seconds": full["step_seconds"],
               "train_seconds": seconds}  # fmt: skip
    return figures, load_bundle_dir(result.directory), details


def propensity_part(bundle: ModelBundle, frame: pd.DataFrame) -> tuple[np.ndarray, list]:
    """``p_demand`` and ``drivers`` as :meth:`ModelBundle.score` computes them (the calibrated
    ``predict_proba``, then :meth:`ModelBundle.explain` without reasons), timed on their own."""
    features = frame[bundle.spec.feature_columns]
    p_demand = bundle.prospect_models()[1].predict_proba(features)[:, 1]
    return p_demand, bundle.explain(frame, n_drivers=3, n_reasons=None)["drivers"].tolist()


def scoring_figures(bundle: ModelBundle, frame: pd.DataFrame) -> tuple[list[dict], dict]:
    spec = bundle.spec
    big = replicate(frame, SCORE_ROWS, spec.id_column)
    total, scores = median_seconds(lambda: bundle.score(big), repeats=1)

    prop_seconds, _ = median_seconds(lambda: propensity_part(bundle, big), repeats=1)
    peer_rows = big.iloc[:PEER_ROWS]
    ours_drivers, _ = median_seconds(lambda: bundle.propensity.proba_and_drivers(peer_rows, 3))
    peer_drivers, _ = median_seconds(lambda: bundle.propensity.explain(peer_rows, 3), repeats=1)
    labels = reason_labels(spec)
    X = peer_rows[spec.feature_columns]
    ours_reasons, _ = median_seconds(lambda: bundle.scorecard.reason_codes(X, 4, labels))
    points = scores["score_points"].to_numpy()
    profile = bundle.stability_profile
    assert profile is not None, "the bundle was trained without a stability profile"
    count_seconds, _ = median_seconds(lambda: stability_counts(profile, big, points), repeats=1)
    figures = [
        figure("score 1M rows (personas, p_demand, drivers, PD, points, grade, reasons)", total,
               "s", target="< 60 s", met=total < 60, higher_is_better=False),
        figure("score 1M rows, propensity part (p_demand + drivers)", prop_seconds, "s",
               target="< 20 s", met=prop_seconds < 20, higher_is_better=False),
        figure("drivers for 100k rows", ours_drivers, "s",
               peer="PropensityModel.explain (exact SHAP)", peer_value=peer_drivers,
               higher_is_better=False),
        figure("reason codes for 100k rows (Scorecard.reason_codes, the one scoring path)",
               ours_reasons, "s", higher_is_better=False),
        figure("stability counts for 1M scored rows (score + scorecard features)",
               count_seconds, "s", higher_is_better=False),
    ]  # fmt: skip
    return figures, {"scored_rows": len(scores), "score_columns": list(scores.columns)}


def main() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        figures, bundle, details = train_figures(work)
        latest = sorted((work / "months").glob("subscribers_*.parquet"))[-1]
        frame = read_batch(latest, bundle.spec)
        more, score_details = scoring_figures(bundle, frame)
    details.update(score_details, peak_rss_mib=peak_rss_mib(),
                   wall_seconds=time.perf_counter() - started,
                   note="2-core machine shared with engineers; timings are noisy.")  # fmt: skip
    path = write_result("training", figures + more, details)
    for row in figures + more:
        print(row)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
