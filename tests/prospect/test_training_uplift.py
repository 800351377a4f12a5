"""The bundle's uplift model: fitted from campaign history, recorded in the manifest and the
model card, scored beside propensity; without history the bundle says it ranks by propensity."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from prospect.model.uplift import LEARNERS
from prospect.settings import Settings
from prospect.startup import prepare_database
from prospect.synth import write_months
from prospect.synth.uplift import LegacyPolicy
from prospect.training import TrainingConfig, TrainingDataError, train
from prospect.training.storage import load_bundle_dir
from prospect.training.uplift import HISTORY_COLUMNS, campaign_history, uplift_by_decile

FAST = TrainingConfig(
    seed=3, n_folds=1, segment_sample=1_000, n_personas=3, calibration_cv=2,
    xgb_params={"n_estimators": 30},
)  # fmt: skip


@pytest.fixture(scope="module")
def campaign_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("campaign_months")
    write_months(out, 4_000, 3, seed=5, end_month="2026-10", campaigns=LegacyPolicy())
    return out


@pytest.fixture(scope="module")
def trained(campaign_dir, tmp_path_factory):
    settings = prepare_database(
        Settings(data_dir=tmp_path_factory.mktemp("var"), environment="test")
    )
    return train(campaign_dir, config=FAST, settings=settings), settings


def test_campaign_history_has_the_columns_selection_learns_from(campaign_dir):
    history = campaign_history(campaign_dir, ["2026-09", "2026-10"])
    assert tuple(history.columns) == HISTORY_COLUMNS
    assert set(history["month"]) == {"2026-09", "2026-10"}
    assert set(history["treated"]) == {0, 1} and set(history["took_card"]) <= {0, 1}
    raw = pd.read_parquet(campaign_dir / "campaigns" / "contacts_2026-10.parquet")
    assert int((history["month"] == "2026-10").sum()) == len(raw)
    assert int(history.loc[history["month"] == "2026-10", "treated"].sum()) == int(
        (raw["group"] == "contacted").sum()
    )


def test_manifest_names_the_learner_that_won_and_why(trained):
    manifest = trained[0].manifest
    uplift = manifest["uplift"]
    assert uplift["learner"] in LEARNERS
    assert "held-out Qini" in uplift["reason"]
    assert uplift["contacted_rows"] > 0 and uplift["control_rows"] > 0
    assert uplift["months"] == ["2026-08", "2026-09"]  # the test month is never trained on
    assert uplift["history_checksum"]


def test_bundle_scores_uplift_beside_propensity(trained, campaign_dir):
    bundle = load_bundle_dir(trained[0].directory)
    frame = pd.read_parquet(campaign_dir / "subscribers_2026-10.parquet")
    scores = bundle.score(frame.head(500))
    assert scores["uplift"].between(-1, 1).all()
    assert scores["uplift"].std() > 0


def test_card_shows_the_qini_curve_and_uplift_by_decile_with_intervals(trained):
    directory = trained[0].directory
    card = json.loads((directory / "model_card.json").read_text(encoding="utf-8"))
    test = card["uplift"]["test"]
    assert test["contacted"] > 0 and test["control"] > 0
    assert len(test["deciles"]) == 10 and (directory / test["chart"]).is_file()
    for d in test["deciles"]:
        assert d["low"] <= d["measured"] <= d["high"]
    html = (directory / "model_card.html").read_text(encoding="utf-8")
    assert "Qini curve" in html and "measured uplift" in html


def test_without_history_the_bundle_ranks_by_propensity_and_says_why(
    trained, campaign_dir, tmp_path
):
    plain = tmp_path / "plain"
    plain.mkdir()
    for path in campaign_dir.glob("subscribers_*.parquet"):
        shutil.copy(path, plain / path.name)
    settings = prepare_database(Settings(data_dir=tmp_path / "var", environment="test"))
    result = train(plain, config=FAST, settings=settings)
    assert result.version != trained[0].version  # the history is part of the version
    assert result.manifest["uplift"]["learner"] == "propensity"
    assert "no campaign history" in result.manifest["uplift"]["reason"]
    bundle = load_bundle_dir(result.directory)
    assert bundle.uplift is None
    frame = pd.read_parquet(plain / "subscribers_2026-10.parquet").head(50)
    assert "uplift" not in bundle.score(frame).columns


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [("group", "maybe", "row 1: group must be one of"), ("took_card", 2, "row 1: took_card")],
)
def test_bad_history_is_refused_naming_file_row_and_value(tmp_path, column, value, message):
    (tmp_path / "campaigns").mkdir()
    frame = pd.DataFrame({"user_id": ["a", "b"], "month": "2026-01",
                          "group": ["contacted", "control"], "took_card": [0, 1]})  # fmt: skip
    frame[column] = frame[column].astype(object)
    frame.loc[1, column] = value
    frame.to_parquet(tmp_path / "campaigns" / "contacts_2026-01.parquet")
    with pytest.raises(TrainingDataError, match=message) as err:
        campaign_history(tmp_path, ["2026-01"])
    assert "contacts_2026-01.parquet" in str(err.value)


def test_history_without_a_group_column_is_refused_naming_it(tmp_path):
    (tmp_path / "campaigns").mkdir()
    pd.DataFrame({"user_id": ["a"], "month": ["2026-01"], "took_card": [1]}).to_parquet(
        tmp_path / "campaigns" / "contacts_2026-01.parquet"
    )
    with pytest.raises(TrainingDataError, match=r"lacks column\(s\) \['group'\]"):
        campaign_history(tmp_path, ["2026-01"])


def test_uplift_by_decile_in_hand_computed_numbers():
    # 20 rows, 2 per decile: decile 1 holds the two highest scores
    score = np.arange(20, 0, -1, dtype=float)
    t = np.tile([1, 0], 10)
    y = np.zeros(20)
    y[0] = 1  # decile 1: contacted took, control did not
    table = uplift_by_decile(y, t, score)
    first = table[0]
    assert (first["rows"], first["measured"]) == (2, 1.0)
    assert (first["low"], first["high"]) == (1.0, 1.0)  # both arms' rates are 0 or 1
    assert first["predicted"] == pytest.approx(19.5)
    assert all(d["measured"] == 0.0 for d in table[1:])


def test_uplift_by_decile_interval_adds_both_arms_variances():
    # 40 rows, 4 per decile (2 contacted, 2 control); decile 1: one taker in each arm
    score = np.arange(40, 0, -1, dtype=float)
    t = np.tile([1, 0], 20)
    y = np.zeros(40)
    y[[0, 1]] = 1
    first = uplift_by_decile(y, t, score)[0]
    # 0.5 - 0.5, se = sqrt(0.25 / 2 + 0.25 / 2) = 0.5
    assert first["measured"] == 0.0
    assert (first["low"], first["high"]) == pytest.approx((-0.98, 0.98), abs=1e-3)


def test_the_run_selects_on_the_bundles_uplift(trained, campaign_dir):
    from datetime import date

    from prospect.pipeline.scoring import scored_frame
    from prospect.targeting import build_campaign, load_campaign_config

    bundle = load_bundle_dir(trained[0].directory)
    frame = pd.read_parquet(campaign_dir / "subscribers_2026-10.parquet")
    scored = scored_frame(bundle, frame, bundle.spec)
    np.testing.assert_allclose(scored["uplift"], bundle.score(frame)["uplift"])
    config = load_campaign_config().model_copy(update={"control": None})
    config = config.model_copy(update={"budget": config.budget.model_copy(update={"contacts": 50})})
    summary = build_campaign(scored, config, campaign_key="k", rules=bundle.spec.eligibility.rules,
                             as_of=date(2026, 10, 1)).summary  # fmt: skip
    assert summary["value_basis"] == "uplift" and summary["n_contacted"] == 50


def _post_campaign(settings, rows: pd.DataFrame, month: str) -> tuple[int, int]:
    """Send ``rows`` (a campaign file's rows) through the store as a CRM would: the campaign
    and its control, the contacts sent, the cards taken. Returns (contacted, control)."""
    from datetime import UTC, datetime, timedelta

    from prospect.outcomes import record_contacts, record_responses
    from prospect.store import (
        get_or_create_run,
        make_engine,
        review_campaign,
        save_campaign,
        session_scope,
    )
    from prospect.targeting import ContactRow, ResponseRow

    n = len(rows)
    control = (rows["group"] == "control").to_numpy()
    targets = pd.DataFrame({
        "user_id": rows["user_id"].astype(str).to_numpy(), "msisdn": float("nan"),
        "rank": np.arange(1, n + 1), "persona": "p", "p_demand": 0.5, "pd": 0.01,
        "score_points": 600.0, "expected_value": 1.0, "is_control": control.astype(float),
        "why": [{"drivers": [], "reasons": []}] * n,
    })  # fmt: skip
    sent = datetime.fromisoformat(f"{month}-03T09:00:00").replace(tzinfo=UTC)
    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        run_fields = {
            "month": month,
            "batch_path": f"/landing/{month}.parquet",
            "batch_checksum": "sha256:00",
            "model_version": "m-0",
            "config_hash": "c",
        }
        get_or_create_run(session, f"run-{month}", run_fields, requested_by="test")
        fields = {"month": month, "name": f"legacy {month}", "model_version": "m-0"}
        campaign = save_campaign(session, f"run-{month}", fields, targets)
        review_campaign(session, campaign.id, decision="approved", actor="rita", comment="ok")
        users = targets["user_id"].tolist()
        sends = [ContactRow(u, sent, "sms") for u, c in zip(users, control, strict=True) if not c]
        record_contacts(session, campaign.id, sends, actor="crm")
        took = rows["took_card"].to_numpy() == 1
        record_responses(session, campaign.id,
                         [ResponseRow(u, True, sent.date() + timedelta(days=2))
                          for u, k in zip(users, took, strict=True) if k], actor="crm")  # fmt: skip
    engine.dispose()
    return int((~control).sum()), int(control.sum())


def test_training_learns_from_the_contacts_and_responses_the_store_holds(
    trained, campaign_dir, tmp_path
):
    settings = prepare_database(Settings(data_dir=tmp_path / "var", environment="test"))
    contacted = control = 0
    for month in ("2026-08", "2026-09"):
        rows = pd.read_parquet(campaign_dir / "campaigns" / f"contacts_{month}.parquet")
        a, b = _post_campaign(settings, rows.iloc[: len(rows) * 2 // 3], month)
        contacted, control = contacted + a, control + b
    result = train(campaign_dir, config=FAST, settings=settings)
    uplift = result.manifest["uplift"]
    assert uplift["history_source"] == "store"
    # the stored two thirds, not the campaign files beside the months
    assert (uplift["contacted_rows"], uplift["control_rows"]) == (contacted, control)
    assert uplift["history_checksum"].startswith("store:")
    assert result.version != trained[0].version
    assert trained[0].manifest["uplift"]["history_source"] == "files"
