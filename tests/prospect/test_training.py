"""Training flow: a bundle from tiny generated months, its card, its version and its scores."""

from __future__ import annotations

import hashlib
import json

import joblib
import numpy as np
import pandas as pd
import pytest

from prospect.io import file_checksum, read_batch
from prospect.riskmodel import build_challenger, labelled, reason_labels
from prospect.settings import Settings
from prospect.spec import load_spec
from prospect.startup import prepare_database
from prospect.synth import write_months
from prospect.training import (
    TrainingConfig,
    TrainingDataError,
    bundle_version,
    train,
)
from prospect.training.champion import reading
from prospect.training.data import load_training_data
from prospect.training.evaluate import RISK_KEYS, oracle_comparison, pd_metrics
from prospect.training.storage import load_bundle_dir

MONTHS = ["2026-08", "2026-09", "2026-10"]
# Light but complete: every part is fitted as in production, only smaller.
FAST = TrainingConfig(
    seed=3, n_folds=2, segment_sample=1_500, n_personas=3, calibration_cv=2,
    xgb_params={"n_estimators": 40},
)  # fmt: skip


@pytest.fixture(scope="module")
def months_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("months")
    write_months(out, 3_000, 3, seed=11, end_month="2026-10")
    return out


@pytest.fixture(scope="module")
def trained(months_dir, tmp_path_factory):
    settings = prepare_database(
        Settings(data_dir=tmp_path_factory.mktemp("var"), environment="test")
    )
    steps: list[str] = []
    result = train(months_dir, config=FAST, settings=settings, on_step=steps.append)
    return result, settings, steps


@pytest.fixture(scope="module")
def card(trained):
    return json.loads((trained[0].directory / "model_card.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def latest(months_dir, trained):
    bundle = load_bundle_dir(trained[0].directory)
    frame = read_batch(months_dir / "subscribers_2026-10.parquet", bundle.spec)
    return bundle, frame


def test_bundle_folder_holds_models_manifest_card_and_charts(trained):
    result, _, steps = trained
    names = {p.name for p in result.directory.iterdir()}
    assert {"bundle.joblib", "manifest.json", "spec.yaml", "model_card.html", "model_card.json",
            "lift_gain.png", "calibration.png", "personas.json"} <= names  # fmt: skip
    stored = joblib.load(result.directory / "bundle.joblib")  # the challenger is only reported
    assert set(stored) == {
        "segmenter",
        "propensity",
        "scorecard",
        "spec_name",
        "spec_yaml",
        "uplift",
    }
    assert stored["uplift"] is None  # no campaign history in these months
    assert result.created and steps == [
        "read data", "personas", "propensity", "scorecard", "reject inference", "challenger",
        "uplift", "time folds", "model card", "write",
    ]  # fmt: skip
    assert result.version.startswith("m-202610-") and len(result.version) == len("m-202610-") + 8


def test_manifest_records_months_checksums_and_libraries(trained, months_dir):
    manifest = trained[0].manifest
    files = sorted(months_dir.glob("subscribers_*.parquet"))
    lines = "".join(f"{p.name}\t{file_checksum(p)}\n" for p in files)
    assert manifest["data_checksum"] == hashlib.sha256(lines.encode()).hexdigest()
    assert manifest["training_months"] == MONTHS[:2] and manifest["test_month"] == "2026-10"
    assert manifest["seed"] == 3
    assert manifest["bundle_sha256"] == file_checksum(trained[0].directory / "bundle.joblib")
    assert set(manifest["libraries"]) == {
        "scikit-learn", "xgboost", "kmodes", "imbalanced-learn", "pandas", "numpy"
    }  # fmt: skip


def test_card_reports_test_month_metrics_and_oracle_ratio(card):
    oracle = card["metrics"]["oracle"]["propensity"]
    assert card["metrics"]["propensity"]["pr_auc"] == pytest.approx(oracle["pr_auc"])
    assert oracle["ratio"] == pytest.approx(oracle["pr_auc"] / oracle["oracle_pr_auc"])
    assert 0.3 < oracle["ratio"] < 1.3
    risk = card["metrics"]["oracle"]["scorecard"]
    assert 0.5 < risk["roc_auc"] <= 1 and 0.5 < risk["oracle_roc_auc"] <= 1
    assert card["metrics"]["scorecard"]["roc_auc"] == pytest.approx(risk["roc_auc"])


def test_card_folds_are_by_time_and_months_flag_the_test_month(card):
    folds = [(f["train_months"], f["test_month"]) for f in card["folds"]]
    assert folds == [(MONTHS[:1], MONTHS[1]), (MONTHS[:2], MONTHS[2])]
    assert card["folds"][-1]["propensity"] == card["metrics"]["propensity"]
    roles = [(m["month"], m["role"]) for m in card["by_month"]]
    assert roles == [(MONTHS[0], "train"), (MONTHS[1], "train"), (MONTHS[2], "test")]


def test_card_lift_gain_calibration_and_top_features(card, trained):
    gains = [r["gain"] for r in card["lift_gain"]]
    assert len(gains) == 10 and gains == sorted(gains) and gains[-1] == pytest.approx(1.0)
    assert card["lift_gain"][-1]["lift"] == pytest.approx(1.0)
    assert (
        sum(r["count"] for r in card["calibration"]) == card["data"]["months"][2]["demand_labelled"]
    )
    assert len(card["top_features"]["propensity"]) == 10
    assert card["top_features"]["scorecard"][0]["iv"] >= card["top_features"]["scorecard"][-1]["iv"]
    html = (trained[0].directory / "model_card.html").read_text(encoding="utf-8")
    assert trained[0].version in html and "Against the oracle" in html
    assert 'src="lift_gain.png"' in html and 'src="calibration.png"' in html


@pytest.fixture(scope="module")
def refit_challenger(months_dir):
    """A challenger fitted as training fits it: same training rows, label and seed."""
    spec = load_spec("subscriber_5g")
    data = load_training_data(months_dir, spec)
    X, y = labelled(data.train("month"), spec, spec.labels.risk)
    return build_challenger(spec, random_state=FAST.seed).fit(X, y), data.test("month")


def test_card_has_challenger_metrics_for_the_test_month_and_every_fold(card):
    champion, challenger = card["metrics"]["scorecard"], card["metrics"]["challenger"]
    assert set(challenger) == set(champion) == set(RISK_KEYS)
    assert challenger["default_rate"] == champion["default_rate"]  # same rows as the scorecard
    for f in [*card["folds"], {"challenger": challenger}]:
        got = f["challenger"]
        assert all(0 <= got[k] <= 1 for k in ("roc_auc", "ks", "brier", "default_rate"))
        assert got["roc_auc"] > 0.5 and got["gini"] == pytest.approx(2 * got["roc_auc"] - 1)
    assert card["folds"][-1]["challenger"] == challenger
    oracle = card["metrics"]["oracle"]["challenger"]
    assert oracle["roc_auc"] == pytest.approx(challenger["roc_auc"])
    assert 0.5 < oracle["oracle_roc_auc"] <= 1


def test_card_challenger_is_the_one_fitted_on_the_scorecards_rows(card, refit_challenger):
    model, test = refit_challenger
    assert pd_metrics(model, test, "defaulted") == pytest.approx(card["metrics"]["challenger"])
    constraints = card["credit_risk"]["constraints"]
    assert [c["feature"] for c in constraints] == load_spec("subscriber_5g").feature_columns
    assert {c["feature"]: c["constraint"] for c in constraints} == model.monotone_constraints_
    assert {c["constraint"] for c in constraints} <= {-1, 0, 1}
    assert {c["feature"]: c["trend"] for c in constraints} == model.binner_.trends_
    numeric = {c["feature"]: c["trend_consistency"] for c in constraints if c["kind"] == "numeric"}
    assert numeric == pytest.approx(model.trend_consistency_)


def test_card_reads_the_roc_auc_difference_from_the_figures(card):
    section, metrics = card["credit_risk"], card["metrics"]
    gap = metrics["challenger"]["roc_auc"] - metrics["scorecard"]["roc_auc"]
    assert section["roc_auc_difference"]["test_month"] == pytest.approx(gap)
    gaps = [f["challenger"]["roc_auc"] - f["scorecard"]["roc_auc"] for f in card["folds"]]
    assert section["roc_auc_difference"]["folds"] == pytest.approx(gaps)
    assert section["reading"] == reading("2026-10", gap, gaps)


def test_model_card_html_shows_champion_and_challenger_side_by_side(card, trained):
    html = (trained[0].directory / "model_card.html").read_text(encoding="utf-8")
    section = html[html.index("Credit risk: champion and challenger") : html.index("By time fold")]
    for model in ("scorecard", "challenger"):
        assert f"{card['metrics'][model]['roc_auc']:.4f}" in section
        assert all(f"{f[model]['roc_auc']:.4f}" in section for f in card["folds"])
    assert card["credit_risk"]["reading"] in section
    free = [c["feature"] for c in card["credit_risk"]["constraints"] if c["constraint"] == 0]
    assert (f"Free: {', '.join(free)}." if free else "No feature is free.") in section


@pytest.mark.parametrize(
    ("gap", "folds", "expected"),
    [
        (0.0042, [-0.001, 0.0042], "challenger ranks better by 0.004 ROC-AUC on 2026-10; "
         "challenger ahead in 1 of 2 time folds; the scorecard stays champion because it is "
         "additive and gives reason codes."),
        (-0.0123, [-0.02, None], "scorecard ranks better by 0.012 ROC-AUC on 2026-10; "
         "challenger ahead in 0 of 1 time fold; the scorecard stays champion: it ranks as well "
         "or better, is additive and gives reason codes."),
        (0.0002, [0.0002], "challenger and scorecard rank alike on 2026-10 (ROC-AUC +0.0002); "
         "challenger ahead in 0 of 1 time fold; the scorecard stays champion: it ranks as well "
         "or better, is additive and gives reason codes."),
        (None, [0.01], "no comparison on 2026-10: its default labels hold one class only."),
    ],
)  # fmt: skip
def test_reading_is_worded_from_the_figures(gap, folds, expected):
    assert reading("2026-10", gap, folds) == expected


def test_same_inputs_give_the_same_version_and_train_nothing(trained, months_dir):
    result, settings, _ = trained
    before = (result.directory / "bundle.joblib").stat().st_mtime_ns
    again = train(months_dir, config=FAST, settings=settings)
    assert (again.version, again.created) == (result.version, False)
    assert (result.directory / "bundle.joblib").stat().st_mtime_ns == before


def test_version_changes_with_seed_params_or_data():
    base = bundle_version(FAST, "abc", "spec", "2026-10")
    assert base == bundle_version(FAST, "abc", "spec", "2026-10")
    others = {
        bundle_version(TrainingConfig(seed=4), "abc", "spec", "2026-10"),
        bundle_version(FAST, "abd", "spec", "2026-10"),
        bundle_version(FAST, "abc", "spec2", "2026-10"),
    }
    assert base not in others and len(others) == 3


def test_score_columns_and_ranges(latest):
    bundle, frame = latest
    scores = bundle.score(frame)
    assert list(scores.columns[:10]) == ["user_id", "persona", "persona_name", "p_demand",
        "drivers", "pd", "score_points", "grade", "reasons", "points_identity"]  # fmt: skip
    assert scores.index.equals(frame.index) and len(scores) == len(frame)
    assert scores["p_demand"].between(0, 1).all() and scores["pd"].between(0, 1).all()
    assert set(scores["grade"]) <= set("ABCDE") and set(scores["persona"]) <= {0, 1, 2}
    assert scores["drivers"].map(len).eq(3).all()
    assert scores["reasons"].map(lambda r: len(r) <= 4 and all(isinstance(t, str) for t in r)).all()
    parts = scores.filter(like="points_").sum(axis=1)
    np.testing.assert_allclose(parts, scores["score_points"])


def test_score_matches_the_scorecard_and_propensity_model(latest):
    bundle, frame = latest
    scores = bundle.score(frame.iloc[:300])
    X = frame.iloc[:300][bundle.spec.feature_columns]
    np.testing.assert_allclose(scores["score_points"], bundle.scorecard.points(X))
    np.testing.assert_allclose(scores["pd"], bundle.scorecard.predict_proba(X)[:, 1])
    expected_p = bundle.propensity.predict_proba(X)[:, 1]
    np.testing.assert_allclose(scores["p_demand"], expected_p, rtol=0, atol=2e-6)
    descriptions = {c.name: c.description for c in bundle.spec.columns}
    expected = bundle.scorecard.reason_codes(X, n=4, labels=descriptions)
    assert scores["reasons"].tolist() == [[t for t in r if t] for r in expected.to_numpy().tolist()]
    assert (scores["grade"].to_numpy() == bundle.scorecard.grade(X)).all()


def test_scores_without_words_then_explained_are_the_full_scores(latest):
    # A run scores whole partitions without drivers and reasons and words the shortlist
    # only: nothing a list reads may differ from scoring everything with its words.
    bundle, frame = latest
    rows = frame.iloc[:300]
    full = bundle.score(rows)
    bare = bundle.score(rows, explain=False)
    assert bare["drivers"].isna().all() and bare["reasons"].isna().all()
    words = ["drivers", "reasons"]
    pd.testing.assert_frame_equal(bare.drop(columns=words), full.drop(columns=words))
    some = rows.iloc[::7]
    explained = bundle.explain(some)
    assert explained.index.equals(some.index)
    assert explained["drivers"].tolist() == full.loc[some.index, "drivers"].tolist()
    assert explained["reasons"].tolist() == full.loc[some.index, "reasons"].tolist()


def test_drivers_name_features_of_the_spec_in_its_words(latest):
    bundle, frame = latest
    drivers = bundle.score(frame.iloc[:50])["drivers"].explode()
    readable = {c.readable for c in bundle.spec.columns if c.name in bundle.spec.feature_columns}
    said = drivers.str.replace(r" (high|low|typical|yes|no|missing) \([+-]\d+\.\d\d\)$|=.*$", "",
                               regex=True)  # fmt: skip
    assert said.isin(readable).all(), sorted(set(said) - readable)
    assert drivers.str.contains(r"\([+-]\d+\.\d\d\)$").all()
    assert not drivers.str.contains("_count").any()  # no raw column name reaches a reviewer


def test_training_needs_two_months(tmp_path):
    write_months(tmp_path, 200, 1, seed=0)
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrainingDataError, match="at least two"):
        load_training_data(tmp_path, load_spec("subscriber_5g"))
    with pytest.raises(TrainingDataError, match="no batch files"):
        load_training_data(tmp_path / "empty", load_spec("subscriber_5g"))


def test_bad_parameters_are_named(months_dir, settings):
    with pytest.raises(ValueError, match="demand_label must be one of"):
        train(months_dir, config=TrainingConfig(demand_label="age"), settings=settings)
    with pytest.raises(ValueError, match="n_folds must be at most 2 for 3 months; got 3"):
        train(months_dir, config=TrainingConfig(n_folds=3), settings=settings)
    assert not settings.models_dir.exists()


def test_oracle_comparison_is_skipped_without_an_oracle_file(tmp_path, latest):
    bundle, frame = latest
    n = len(frame)
    pds = {"scorecard": np.zeros(n)}
    assert oracle_comparison(tmp_path, frame, bundle.spec, FAST, np.zeros(n), pds) is None


def test_fast_drivers_are_the_models_own_approximate_explanation(latest):
    bundle, frame = latest
    model, rows = bundle.propensity, frame.iloc[:400]
    scores = bundle.score(rows)
    labels = reason_labels(bundle.spec)
    expected = model.explain(rows, 3, approximate=True, labels=labels).to_numpy().tolist()
    assert scores["drivers"].tolist() == expected


def test_the_training_bench_times_the_propensity_part_the_bundle_scores_with(latest):
    # bench_training's "propensity part" figure must time what ModelBundle.score runs for
    # p_demand and drivers (worded in the spec's titles), not a scoring path of its own.
    from bench.bench_training import propensity_part

    bundle, frame = latest
    rows = frame.iloc[:300]
    p_demand, drivers = propensity_part(bundle, rows)
    scores = bundle.score(rows)
    assert drivers == scores["drivers"].tolist()
    np.testing.assert_array_equal(p_demand, scores["p_demand"].to_numpy())


def test_personas_have_a_report_and_keep_their_ids_across_retraining(trained, months_dir):
    from dataclasses import replace

    from prospect import registry

    result, settings, _ = trained
    assert "Personas" in (result.directory / "personas.html").read_text(encoding="utf-8")
    registry.promote(result.version, settings)
    retrained = train(months_dir, config=replace(FAST, seed=4), settings=settings)
    before = load_bundle_dir(result.directory).segmenter
    after = load_bundle_dir(retrained.directory).segmenter
    rows = load_training_data(months_dir, load_spec("subscriber_5g")).train("month")
    same_persona = np.mean(before.predict(rows) == after.predict(rows))
    assert same_persona > 0.8  # a refit with another seed keeps last model's persona ids


def test_card_shows_the_signed_scorecard_and_the_reject_inference_comparison(trained, card):
    directory = trained[0].directory
    sc = card["scorecard"]
    assert sc["coding"] == "step" and sc["points_follow_risk"] is True
    assert sum(r["share"] for r in sc["first_reasons"]) == pytest.approx(1.0)
    for name in sc["files"].values():
        assert (directory / name).is_file()
    assert "CASE WHEN" in (directory / sc["files"]["sql"]).read_text(encoding="utf-8")
    ri = card["reject_inference"]
    assert ri["available"] and ri["labels"] == "simulated past policy"
    assert set(ri["results"]) == {"none", "parcelling x1.0", "parcelling x1.5"}
    assert ri["chosen"] in ri["results"]
    assert ri["every_label_reference"]["roc_auc"] > 0.55  # tiny sample: few accepted defaults
    for r in [*ri["results"].values(), ri["every_label_reference"]]:
        assert 0 < r["roc_auc"] <= ri["oracle_roc_auc"] + 0.01
        assert r["list"]["error"] == pytest.approx(
            r["list"]["expected_default_rate"] - r["list"]["true_default_rate"])  # fmt: skip
    html = (directory / "model_card.html").read_text(encoding="utf-8")
    assert "Reject inference" in html and "First reasons on the test month" in html
    assert "reference: every label" in html


def test_the_card_sets_the_tables_own_score_beside_ours(card, trained):
    bench = card["score_benchmark"]
    assert bench["column"] == "credit_score" and bench["rows_with_score"] > 0
    for target in ("demand", "risk"):
        row = bench[target]
        assert 0.5 <= row["theirs_roc_auc"] <= 1 and 0 < row["ours_roc_auc"] <= 1
        assert row["difference"] == pytest.approx(row["ours_roc_auc"] - row["theirs_roc_auc"])
        assert row["theirs_direction"].split()[1] == "credit_score"
    html = (trained[0].directory / "model_card.html").read_text(encoding="utf-8")
    assert f"{bench['risk']['ours_roc_auc']:.4f}" in html and "Your current score vs ours" in html


def test_the_current_score_is_read_the_way_round_that_ranks_better():
    from prospect.training.score_benchmark import score_benchmark

    spec = load_spec("subscriber_5g")
    rng = np.random.default_rng(0)
    risk = rng.random(2_000)
    test = pd.DataFrame({
        "credit_score": 800 - 400 * risk + rng.normal(0, 40, 2_000),  # higher = safer
        "defaulted": (rng.random(2_000) < risk).astype(float), "took_card": np.nan,
    })  # fmt: skip
    config = TrainingConfig().resolved(spec)
    bench = score_benchmark(test, spec, config, None, risk)
    assert bench["demand"] is None  # no propensity given
    assert bench["risk"]["theirs_direction"] == "lower credit_score means more likely to default"
    assert bench["risk"]["theirs_roc_auc"] > 0.7 and bench["risk"]["rank_correlation"] < -0.8
    assert score_benchmark(test, spec.model_copy(update={"labels": spec.labels.model_copy(
        update={"score": None})}), config, None, risk) is None  # fmt: skip
