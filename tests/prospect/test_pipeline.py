"""The monthly run without Celery: run ids, streaming partitions, the landing folder, and
whole runs through :func:`prospect.pipeline.run_month`."""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import UTC
from pathlib import Path

import pandas as pd
import pytest

from prospect.io import read_batch
from prospect.pipeline import (
    BatchNotFoundError,
    batch_for_month,
    config_hash,
    derive_run_id,
    find_new_batch,
    month_of,
    partition_batch,
    prepare_run,
)
from prospect.pipeline.partitions import partition_of
from prospect.spec import load_spec
from prospect.targeting import load_campaign_config

SPEC = load_spec("subscriber_5g")


@pytest.fixture(scope="module")
def small_months(tmp_path_factory) -> dict[str, Path]:
    """The same 600 synthetic users as Parquet and as GBK CSV with Chinese headers."""
    from prospect.synth import write_months

    out = tmp_path_factory.mktemp("months")
    parquet = write_months(out / "pq", 600, 1, seed=3)[0]
    csv = write_months(
        out / "csv", 600, 1, seed=3, fmt="csv", encoding="gbk", chinese_headers=True
    )[0]
    return {"parquet": parquet, "csv": csv}


def test_run_id_depends_on_batch_model_config_and_month_only():
    run_id = derive_run_id("abc", "m-1", "cfg", "2026-10")
    assert run_id == derive_run_id("abc", "m-1", "cfg", "2026-10")
    assert run_id.startswith("run-") and len(run_id) == 28
    others = {
        derive_run_id("abd", "m-1", "cfg", "2026-10"),
        derive_run_id("abc", "m-2", "cfg", "2026-10"),
        derive_run_id("abc", "m-1", "cfh", "2026-10"),
        derive_run_id("abc", "m-1", "cfg", "2026-11"),
    }
    assert run_id not in others and len(others) == 4
    with pytest.raises(ValueError, match="model_version must be a non-empty string; got ''"):
        derive_run_id("abc", "", "cfg", "2026-10")


def test_config_hash_ignores_yaml_layout_but_not_values(tmp_path):
    import yaml

    default = load_campaign_config()
    reordered = tmp_path / "same.yaml"  # keys sorted, flow style, no comments
    reordered.write_text(
        yaml.safe_dump(default.model_dump(mode="json"), sort_keys=True, default_flow_style=True),
        encoding="utf-8",
    )
    changed = default.model_copy(update={"min_age": 21})
    assert config_hash(load_campaign_config(reordered)) == config_hash(default)
    assert config_hash(changed) != config_hash(default)
    with pytest.raises(TypeError, match="config must be a CampaignConfig; got dict"):
        config_hash({"name": "x"})  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_partitions_hold_every_row_once_and_read_like_the_batch(small_months, tmp_path, fmt):
    batch = small_months[fmt]
    paths = partition_batch(batch, SPEC, tmp_path / "parts", 4)
    parts = [read_batch(p, SPEC) for p in paths]
    assert [p.name for p in paths] == [f"bucket-{i:04d}" for i in range(4)]
    assert sum(len(p) for p in parts) == 600 and all(len(p) > 100 for p in parts)
    merged = pd.concat(parts).set_index("user_id").sort_index()
    pd.testing.assert_frame_equal(merged, read_batch(batch, SPEC).set_index("user_id").sort_index())


def test_a_user_lands_in_the_same_partition_on_every_split(small_months, tmp_path):
    import pyarrow as pa

    ids = pa.array(["u1", "u2", "u3", "u1", None])
    assert partition_of(ids, 8).tolist() == partition_of(ids, 8).tolist()
    assert partition_of(ids, 8)[0] == partition_of(ids, 8)[3]
    first = partition_batch(small_months["parquet"], SPEC, tmp_path / "a", 3)
    second = partition_batch(small_months["csv"], SPEC, tmp_path / "b", 3)
    for a, b in zip(first, second, strict=True):
        assert set(read_batch(a, SPEC)["user_id"]) == set(read_batch(b, SPEC)["user_id"])


def test_an_existing_split_is_reused_and_bad_counts_are_refused(small_months, tmp_path):
    paths = partition_batch(small_months["parquet"], SPEC, tmp_path / "p", 2)
    stamp = (paths[0] / "part-00000.parquet").stat().st_mtime_ns
    assert partition_batch(small_months["parquet"], SPEC, tmp_path / "p", 2) == paths
    assert (paths[0] / "part-00000.parquet").stat().st_mtime_ns == stamp
    assert not [p for p in (tmp_path / "p").iterdir() if p.name.startswith(".")]
    with pytest.raises(ValueError, match="n_partitions must be an integer >= 1; got 0"):
        partition_batch(small_months["parquet"], SPEC, tmp_path / "q", 0)


def _land(settings, name: str, content: bytes, mtime: int) -> Path:
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    path = settings.landing_dir / name
    path.write_bytes(content)
    os.utime(path, (mtime, mtime))
    return path


def test_find_new_batch_picks_the_newest_month_not_run_yet(settings):
    assert find_new_batch(settings) is None
    _land(settings, "subscribers_2026-08.csv", b"a", 100)
    newest = _land(settings, "subscribers_2026-09.parquet", b"b", 50)
    _land(settings, "notes.txt", b"c", 200)
    _land(settings, "no_month.csv", b"d", 300)
    assert find_new_batch(settings) == (newest.resolve(), "2026-09")
    prepare_run(newest, "2026-09", load_campaign_config(), "m-1", settings=settings)
    assert find_new_batch(settings) == (
        (settings.landing_dir / "subscribers_2026-08.csv").resolve(),
        "2026-08",
    )
    prepare_run(
        settings.landing_dir / "subscribers_2026-08.csv",
        "2026-08",
        load_campaign_config(),
        "m-1",
        settings=settings,
    )
    assert find_new_batch(settings) is None


def test_batch_for_month_finds_the_landed_file_or_says_what_is_missing(settings):
    landed = _land(settings, "subscribers_2026-10.csv", b"x", 100)
    assert batch_for_month(settings, "2026-10") == landed.resolve()
    assert batch_for_month(settings, "2026-11", "subscribers_2026-10.csv") == landed.resolve()
    assert month_of(Path("extract_2026-10_v2.csv")) == "2026-10"
    with pytest.raises(BatchNotFoundError, match="no batch for 2020-01 in the landing folder"):
        batch_for_month(settings, "2020-01")
    with pytest.raises(BatchNotFoundError, match="batch file nope.csv does not exist"):
        batch_for_month(settings, "2026-10", "nope.csv")


def test_preparing_the_same_run_twice_keeps_one_row(settings, small_months):
    from prospect.pipeline import get_state, load_plan

    config = load_campaign_config()
    plan, created = prepare_run(
        small_months["parquet"], "2026-10", config, "m-1", settings=settings, n_partitions=4
    )
    again, created_again = prepare_run(
        small_months["parquet"], "2026-10", config, "m-1", settings=settings, n_partitions=2
    )
    assert (created, created_again) == (True, False)
    assert again == plan == load_plan(settings, plan.run_id)
    assert again.n_partitions == 4
    assert plan.as_of.isoformat() == "2026-11-01"
    state = get_state(settings, plan.run_id)
    assert state is not None and state.status == "queued"
    with pytest.raises(ValueError, match="month must be YYYY-MM; got '2026-13'"):
        prepare_run(small_months["parquet"], "2026-13", config, "m-1", settings=settings)


# --- whole runs with a small trained bundle ------------------------------------------------


def _campaigns(settings) -> list:
    from sqlalchemy import select

    from prospect.store import Campaign, make_engine, session_scope

    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        rows = list(session.scalars(select(Campaign)))
    engine.dispose()
    return rows


def _targets(settings, campaign_id: int) -> pd.DataFrame:
    from prospect.store import make_engine

    engine = make_engine(settings.db_url)
    frame = pd.read_sql(
        f"SELECT user_id, rank, is_control FROM targets WHERE campaign_id = {campaign_id} "
        "ORDER BY rank",
        engine,
    )
    engine.dispose()
    return frame


def test_run_month_stores_one_draft_campaign_and_reruns_change_nothing(ready, tmp_path):
    from prospect.pipeline import run_month
    from tests.worker.helpers import write_month

    batch = write_month(tmp_path / "in", seed=21)
    result = run_month(batch, "2026-10", settings=ready, n_partitions=3)
    assert result.state.status == "draft" and result.state.failure_reason is None
    assert result.state.dq_report_id is not None
    assert set(result.state.timings) == {
        "validate",
        "partition",
        "score",
        "score_slowest_partition",
        "bound",
        "select",
        "publish",
    }
    [campaign] = _campaigns(ready)
    targets = _targets(ready, campaign.id)
    assert (campaign.id, campaign.run_id, campaign.status) == (
        result.campaign_id,
        result.state.run_id,
        "draft",
    )
    assert campaign.summary["n_scored"] == 3000 and len(targets) == campaign.n_targets > 0
    assert targets["user_id"].is_unique and targets["rank"].tolist() == list(
        range(1, len(targets) + 1)
    )
    report = ready.reports_dir / "campaigns" / result.state.run_id / "summary.html"
    assert report.is_file() and "Persona mix" in report.read_text(encoding="utf-8")
    _assert_stability_report(ready, result.state.run_id, campaign.summary["stability"], "stable")
    again = run_month(batch, "2026-10", settings=ready, n_partitions=3)
    assert (again.state.run_id, again.campaign_id) == (result.state.run_id, result.campaign_id)
    assert len(_campaigns(ready)) == 1 and len(_targets(ready, campaign.id)) == len(targets)


def _merge_nodes(settings, run_id: str) -> dict[str, int]:
    """Merge-tree nodes built for ``run_id``, counted per level folder."""
    from prospect.pipeline import run_dir

    root = run_dir(settings, run_id) / "merge"
    return {p.name: len(list(p.glob("*.parquet"))) for p in sorted(root.glob("level-*"))}


# (partitions, fan-in, contacts): no merge tree (selection reads the 4 shortlists), a tree of
# three levels (5 shortlists -> 3 nodes -> 2 nodes, which selection reads), and that tree with
# a budget small enough beside the month for the pruning bound to pay.
TREES = [
    (4, 16, {}, 400),
    (5, 2, {"level-1": 3, "level-2": 2}, 400),
    (5, 2, {"level-1": 3, "level-2": 2}, 60),
]


@pytest.mark.parametrize(("n_partitions", "fan_in", "nodes", "budget"), TREES)
def test_merged_partition_shortlists_select_the_single_machine_list(
    ready, tmp_path, monkeypatch, n_partitions, fan_in, nodes, budget
):
    from datetime import date, datetime

    from prospect.pipeline import load_plan, merge_tree, run_dir, run_month
    from prospect.pipeline.shortlists import row_count
    from prospect.store import add_suppression, insert_contacts, make_engine, session_scope
    from prospect.targeting import bound, build_campaign
    from prospect.targeting.config import Budget
    from tests.worker.helpers import write_month

    monkeypatch.setattr(bound, "SAMPLE_ROWS", 300)  # far below the pool, as on a large month
    batch = write_month(tmp_path / "in", seed=22)
    ids = read_batch(batch, SPEC)["user_id"].tolist()
    engine = make_engine(ready.db_url)
    with session_scope(engine) as session:
        add_suppression(session, ids[:60], reason="opt-out", source="test", actor="t")
        at = datetime(2026, 10, 20, tzinfo=UTC)
        insert_contacts(session, None, [(u, at, "sms") for u in ids[60:120]])
    engine.dispose()
    config = load_campaign_config().model_copy(update={"budget": Budget(contacts=budget)})
    ready = ready.model_copy(update={"selection_fan_in": fan_in})
    result = run_month(batch, "2026-10", config, settings=ready, n_partitions=n_partitions)
    assert _merge_nodes(ready, result.state.run_id) == nodes
    run_id = result.state.run_id
    priced = json.loads(merge_tree.bound_path(ready, run_id).read_text())["bound"]
    assert (priced is not None) == (budget == 60)
    plan = load_plan(ready, run_id)
    level_0 = sum(
        row_count(merge_tree.node_path(ready, run_id, (0, i))) for i in range(plan.n_partitions)
    )
    top = sum(row_count(merge_tree.node_path(ready, run_id, n)) for n in merge_tree.top_nodes(plan))
    # Each top node carries its subtree's sample; beside it, the bound leaves a band near the
    # list (the dominance alone left more than twice the list here).
    carried = len(merge_tree.top_nodes(plan)) * bound.SAMPLE_ROWS
    assert priced is None or top - carried < 2 * config.max_list_size < level_0
    scored = pd.concat(
        [
            pd.read_parquet(p)
            for p in sorted((run_dir(ready, result.state.run_id) / "scored").iterdir())
        ]
    )
    contacts = pd.DataFrame({"user_id": ids[60:120], "contacted_at": date(2026, 10, 20)})
    single = build_campaign(
        scored,
        config,
        campaign_key=result.state.run_id,
        rules=SPEC.eligibility.rules,
        suppressed=set(ids[:60]),
        contacts=contacts,
        as_of=date(2026, 11, 1),
    )
    stored = _targets(ready, result.campaign_id)
    assert len(scored) == 3000 and int((stored["is_control"] == 0).sum()) == budget  # + control
    assert stored["user_id"].tolist() == single.targets["user_id"].tolist()
    assert stored["is_control"].tolist() == single.targets["is_control"].tolist()
    [campaign] = _campaigns(ready)
    stored_summary = {k: v for k, v in campaign.summary.items() if k != "stability"}
    assert stored_summary == json.loads(json.dumps(single.summary))
    assert campaign.summary["stability"]["n_current"] == 3000  # the partitions' counts summed
    assert campaign.summary["exclusions"]["suppressed"] > 0
    assert campaign.summary["exclusions"]["contacted_recently"] > 0
    assert not set(stored["user_id"]) & set(ids[:120])


@pytest.mark.parametrize("fan_in", [16, 2])
def test_every_target_carries_the_words_full_scoring_gives_it(ready, tmp_path, fan_in):
    """Partitions are scored without drivers and reasons and only shortlisted rows are worded:
    each stored target still has exactly the drivers and reasons of scoring the whole batch
    with its words (through the merge tree too), and the scored partitions keep none."""
    from prospect.pipeline import run_dir, run_month
    from prospect.pipeline.scoring import active_model_version, load_scorer
    from prospect.store import make_engine
    from tests.worker.helpers import write_month

    batch = write_month(tmp_path / "in", seed=23)
    ready = ready.model_copy(update={"selection_fan_in": fan_in})
    result = run_month(batch, "2026-10", settings=ready, n_partitions=3)
    assert bool(_merge_nodes(ready, result.state.run_id)) == (fan_in < 3)
    engine = make_engine(ready.db_url)
    stored = pd.read_sql(f"SELECT user_id, why FROM targets WHERE campaign_id = "
                         f"{result.campaign_id}", engine)  # fmt: skip
    engine.dispose()
    why = stored.set_index("user_id")["why"].map(lambda w: json.loads(w) if isinstance(w, str)
                                                 else w)  # fmt: skip
    bundle = load_scorer(ready, active_model_version(ready))
    frame = read_batch(batch, SPEC, month="2026-10")
    full = bundle.score(frame).set_index("user_id").loc[why.index]
    assert len(why) > 50 and full["drivers"].map(len).eq(3).all()
    assert why.map(lambda w: w["drivers"]).tolist() == full["drivers"].tolist()
    assert why.map(lambda w: w["reasons"]).tolist() == full["reasons"].tolist()
    scored = pd.concat([pd.read_parquet(p) for p in
                        (run_dir(ready, result.state.run_id) / "scored").iterdir()])  # fmt: skip
    assert scored["drivers"].isna().all() and len(scored) == len(frame)


def test_a_batch_the_gate_rejects_ends_quarantined_with_its_report(ready, tmp_path):
    from sqlalchemy import select

    from prospect.pipeline import run_month
    from prospect.store import DQReport, make_engine, session_scope
    from tests.worker.helpers import write_month

    frame = pd.read_parquet(write_month(tmp_path / "in", seed=23))
    frame.loc[frame.index[:300], "bill_amount"] = -50.0  # 10% negative bills
    ready.landing_dir.mkdir(parents=True)
    batch = ready.landing_dir / "subscribers_2026-10.parquet"
    frame.to_parquet(batch, index=False)
    result = run_month(batch.name, "2026-10", settings=ready, n_partitions=2)
    assert result.state.status == "quarantined" and result.campaign_id is None
    assert "bill_amount" in result.state.failure_reason
    engine = make_engine(ready.db_url)
    with session_scope(engine) as session:
        report = session.scalar(select(DQReport).where(DQReport.id == result.state.dq_report_id))
        assert report is not None and report.outcome == "quarantine"
        assert Path(report.html_path).is_file()
    engine.dispose()
    assert _campaigns(ready) == [] and not batch.exists()
    assert [p.name for p in ready.quarantine_dir.iterdir()] == [f"{report.id}_{batch.name}"]


def test_a_run_that_cannot_select_is_failed_with_the_reason(ready, tmp_path):
    from prospect.pipeline import get_state, run_month
    from prospect.targeting import InfeasibleCampaign
    from prospect.targeting.config import Budget
    from tests.worker.helpers import write_month

    batch = write_month(tmp_path / "in", seed=24)
    config = load_campaign_config().model_copy(
        update={"budget": Budget(contacts=5000), "min_contacts": 4000}
    )
    with pytest.raises(InfeasibleCampaign, match="min_contacts"):
        run_month(batch, "2026-10", config, settings=ready, n_partitions=2)
    [state] = [get_state(ready, p.name) for p in (ready.artifacts_dir / "runs").iterdir()]
    assert state is not None and state.status == "failed"
    assert state.failure_reason.startswith("InfeasibleCampaign: campaign infeasible (min_contacts)")
    assert _campaigns(ready) == []


def _run_audit(settings, run_id: str) -> list[str]:
    from prospect.store import audit_trail, make_engine, session_scope

    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        actions = [e.action for e in audit_trail(session, "runs", run_id)]
    engine.dispose()
    return actions


def _n_reports(settings) -> int:
    from sqlalchemy import func, select

    from prospect.store import DQReport, make_engine, session_scope

    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        count = session.scalar(select(func.count()).select_from(DQReport))
    engine.dispose()
    return int(count or 0)


@pytest.mark.parametrize(
    ("crashing", "audit"),
    [
        ("score_step", ["run.validating", "run.scoring", "run.failed"]),
        ("publish_step", ["run.validating", "run.scoring", "run.selecting", "run.failed"]),
    ],
)
def test_a_failed_month_asked_again_is_restarted_and_redoes_only_unfinished_work(
    ready, tmp_path, monkeypatch, crashing, audit
):
    from prospect.pipeline import admit, get_state, run_month, steps
    from tests.worker.helpers import write_month

    batch = write_month(tmp_path / "in", seed=25)
    real = getattr(steps, crashing)

    def crash_once(run_id, *args):
        if crashing == "publish_step" or args[0] == 1:  # publishing, or partition 1 of 3
            raise RuntimeError("worker lost")
        return real(run_id, *args)

    monkeypatch.setattr(steps, crashing, crash_once)
    with pytest.raises(RuntimeError, match="worker lost"):
        run_month(batch, "2026-10", settings=ready, n_partitions=3)
    [run_id] = [p.name for p in (ready.artifacts_dir / "runs").iterdir()]
    assert _run_audit(ready, run_id) == audit and _campaigns(ready) == []
    assert get_state(ready, run_id).finished_at is not None
    scored = steps.shortlist_marker(ready, run_id, 0)
    first_scoring = scored.stat().st_mtime_ns
    monkeypatch.setattr(steps, crashing, real)  # the crash is over; the month is asked again
    assert admit(ready, run_id) == "restart"  # what asking again does first
    restarting = get_state(ready, run_id)
    assert (restarting.status, restarting.finished_at) == ("queued", None)
    again = run_month(batch, "2026-10", settings=ready, n_partitions=3)
    assert again.state.run_id == run_id
    assert (again.state.status, again.state.failure_reason) == ("draft", None)
    restarted = ["run.queued", "run.validating", "run.scoring", "run.selecting", "run.draft"]
    assert _run_audit(ready, run_id) == audit + restarted
    [campaign] = _campaigns(ready)
    assert campaign.id == again.campaign_id and campaign.n_targets > 0
    assert scored.stat().st_mtime_ns == first_scoring  # partition 0 was not scored again
    assert _n_reports(ready) == 1  # the gate's verdict on the same bytes was kept
    # Once ended, asking again changes nothing.
    assert run_month(batch, "2026-10", settings=ready, n_partitions=3) == again
    assert _run_audit(ready, run_id) == audit + restarted


def test_a_rejected_list_reruns_as_a_new_attempt_that_honours_new_opt_outs(ready, tmp_path):
    from prospect.pipeline import run_month
    from prospect.store import add_suppression, make_engine, review_campaign, session_scope
    from tests.worker.helpers import write_month

    batch = write_month(tmp_path / "in", seed=22)
    first = run_month(batch, "2026-10", settings=ready, n_partitions=2)
    opted_out = _targets(ready, first.campaign_id)["user_id"].head(5).tolist()
    engine = make_engine(ready.db_url)
    with session_scope(engine) as session:
        review_campaign(
            session, first.campaign_id, decision="rejected", actor="rita", comment="too broad"
        )
        add_suppression(session, opted_out, reason="opt-out", source="sms", actor="ops")
    engine.dispose()
    second = run_month(batch, "2026-10", settings=ready, n_partitions=2)
    assert second.state.run_id == f"{first.state.run_id}-2"
    assert second.state.status == "draft" and second.campaign_id != first.campaign_id
    assert not set(opted_out) & set(_targets(ready, second.campaign_id)["user_id"])
    third = run_month(batch, "2026-10", settings=ready, n_partitions=2)
    assert (third.state.run_id, third.campaign_id) == (second.state.run_id, second.campaign_id)


# --- scorecard stability against the bundle's training data ---------------------------------


def _assert_stability_report(settings, run_id: str, headline: dict, status: str) -> dict:
    """The run's report files exist and the summary's headline is their top five."""
    from prospect.pipeline.stability import report_paths

    paths = report_paths(settings, run_id)
    full = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert headline["status"] == full["status"] == status
    top = [{k: f[k] for k in ("variable", "psi", "status")} for f in full["features"][:5]]
    assert headline["top_features"] == top and len(full["features"]) > 5
    assert sum(b["current"] for b in full["score_bins"]) == pytest.approx(1.0)
    psis = [f["psi"] for f in full["features"]]
    assert psis == sorted(psis, reverse=True)
    assert (full["n_reference"], full["n_current"]) == (
        5995,
        3000,
    )  # labelled training rows, rows scored
    page = paths["html"].read_text("utf-8")
    assert f'data-testid="status">{status}</span>' in page and "<script" not in page.lower()
    assert f"<td>{full['features'][0]['variable']}</td>" in page
    assert printed_bars(page, "bins-score") == expected_bars(full["score_bins"])
    charted = re.findall(r'data-testid="bins-(\w+)"', page)[1:]
    flagged = [f["variable"] for f in full["features"] if f["status"] != "stable"]
    assert charted == [f["variable"] for f in full["features"][: max(5, len(flagged))]]
    for feature in full["features"][:5]:
        bars = printed_bars(page, f"bins-{feature['variable']}")
        assert bars == expected_bars(feature["bins"])
    return full


def printed_bars(page: str, testid: str) -> list[str]:
    """The percentages printed beside the paired bars of the page's section ``testid``."""
    section = page[page.index(f'data-testid="{testid}"') :]
    section = section[: section.index("</section>")]
    return re.findall(r'<text class="value"[^>]*>([^<]*)</text>', section)


def expected_bars(bins: list[dict]) -> list[str]:
    """Training then this month's share of every bin, as the page prints them."""
    return [f"{100 * b[side]:.1f}%" for b in bins for side in ("reference", "current")]


def test_a_month_with_a_shifted_scorecard_feature_reports_it_and_the_score(ready, tmp_path):
    from prospect.pipeline import run_month
    from prospect.pipeline.stability import report_paths
    from tests.worker.helpers import write_month

    frame = pd.read_parquet(write_month(tmp_path / "in", seed=21))
    frame["months_since_last_payment"] += 4  # everyone four months later with their bill
    batch = tmp_path / "shifted" / "subscribers_2026-10.parquet"
    batch.parent.mkdir()
    frame.to_parquet(batch, index=False)
    result = run_month(batch, "2026-10", settings=ready, n_partitions=2)
    [campaign] = _campaigns(ready)
    headline = campaign.summary["stability"]
    full = _assert_stability_report(ready, result.state.run_id, headline, "shifted")
    assert headline["score_psi"] >= 0.25
    assert full["features"][0]["variable"] == "months_since_last_payment"
    assert full["features"][0]["status"] == "shifted" and full["features"][1]["status"] == "stable"
    page = report_paths(ready, result.state.run_id)["html"].read_text("utf-8")
    moved = printed_bars(page, "bins-months_since_last_payment")
    assert full["features"][0]["bins"][3]["bin"] == ">= 2" and "&gt;= 2<title>" in page
    assert moved[6:8] == ["10.6%", "100.0%"]  # bin ">= 2": training share, this month's


def test_the_stability_page_escapes_labels_and_reads_without_a_score():
    from prospect.pipeline.plan import RunPlan
    from prospect.pipeline.stability import full_report, render_html
    from risk import StabilityProfile

    label = "<script>alert(1)</script>"
    ref = pd.DataFrame({"region": ["a", "a", label, "b"], "n": [1, 2, 3, 4]})
    profile = StabilityProfile.build(ref, ["region", "n"])
    current = profile.count(pd.DataFrame({"region": [label] * 3 + ["zz"], "n": [1] * 4}))
    plan = RunPlan(run_id="r-1", month="2026-11", batch_path="/b.parquet", batch_checksum="x",
                   model_version="m-1", config={}, config_hash="c", n_partitions=1)  # fmt: skip
    page = render_html(full_report(profile.report(current), plan, profile, current))
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<span class="badge">no score</span>' in page and "bins-score" not in page
    # bins: the label, a, b, other (zz), missing; training then this month
    assert printed_bars(page, "bins-region") == [
        "25.0%", "75.0%", "50.0%", "0.0%", "25.0%", "0.0%", "0.0%", "25.0%", "0.0%", "0.0%"
    ]  # fmt: skip


def test_a_bundle_without_a_stability_profile_runs_without_a_report(ready, tmp_path, caplog):
    from prospect import registry
    from prospect.pipeline import run_month
    from prospect.pipeline.stability import report_paths
    from prospect.training.storage import MANIFEST_FILE, PROFILE_FILE
    from tests.worker.helpers import install_bundle, write_month

    old = tmp_path / "m-old"
    shutil.copytree(registry.bundle_dir(ready, registry.active_version(ready)), old)
    manifest = json.loads((old / MANIFEST_FILE).read_text(encoding="utf-8"))
    del manifest["stability_profile_sha256"]
    (old / MANIFEST_FILE).write_text(json.dumps({**manifest, "version": "m-old"}), "utf-8")
    (old / PROFILE_FILE).unlink()
    install_bundle(old, ready)
    with caplog.at_level("INFO", logger="prospect"):
        result = run_month(write_month(tmp_path / "in", seed=21), "2026-10", settings=ready)
    assert result.state.status == "draft" and "stability" not in _campaigns(ready)[0].summary
    assert not report_paths(ready, result.state.run_id)["json"].exists()
    assert "model bundle m-old has no stability profile; no stability report" in caplog.text


def test_a_changed_stability_profile_is_refused_with_the_bundle(ready):
    from prospect import registry
    from prospect.training.exceptions import BundleIntegrityError
    from prospect.training.storage import PROFILE_FILE, load_bundle_dir

    directory = registry.bundle_dir(ready, registry.active_version(ready))
    profile = load_bundle_dir(directory).stability_profile
    assert profile is not None and profile.names[0] == "score"
    (directory / PROFILE_FILE).write_text('{"variables": []}', encoding="utf-8")
    with pytest.raises(BundleIntegrityError, match="stability_profile.json is missing or does"):
        load_bundle_dir(directory)


def _as_parts(batch: Path, folder: Path) -> Path:
    """The month ``batch`` delivered as a Hive-style folder: two Parquet parts and a CSV part,
    with Spark's ``_SUCCESS`` beside them."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pq.read_table(batch)
    third = table.num_rows // 3
    for i, province in enumerate(["gd", "js"]):
        (folder / f"province={province}").mkdir(parents=True)
        pq.write_table(table.slice(i * third, third), folder / f"province={province}/p-0.parquet")
    pacsv.write_csv(table.slice(2 * third), folder / "zj.csv")
    (folder / "_SUCCESS").write_text("")
    return folder


def test_a_folder_of_parts_reads_and_buckets_like_the_one_file(small_months, tmp_path):
    from prospect.io import file_checksum
    from prospect.io.parts import delivery_parts

    batch = small_months["parquet"]
    folder = _as_parts(batch, tmp_path / "month")
    assert [p.relative_to(folder).as_posix() for p in delivery_parts(folder)] == [
        "province=gd/p-0.parquet", "province=js/p-0.parquet", "zj.csv",
    ]  # fmt: skip
    whole = read_batch(batch, SPEC).set_index("user_id").sort_index()
    pd.testing.assert_frame_equal(read_batch(folder, SPEC).set_index("user_id").sort_index(), whole)
    buckets = partition_batch(folder, SPEC, tmp_path / "b", 3)
    one_file = partition_batch(batch, SPEC, tmp_path / "one", 3)
    for bucket, single in zip(buckets, one_file, strict=True):
        names = sorted(p.name for p in bucket.iterdir() if p.suffix == ".parquet")
        assert names == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
        ids = read_batch(bucket, SPEC)["user_id"]
        assert ids.is_unique and set(ids) == set(read_batch(single, SPEC)["user_id"])
    merged = pd.concat(read_batch(b, SPEC) for b in buckets).set_index("user_id").sort_index()
    pd.testing.assert_frame_equal(merged, whole)
    before = file_checksum(folder)
    (folder / "zj.csv").rename(folder / "zj2.csv")
    assert file_checksum(folder) != before  # a part renamed, added or changed is another month
    (folder / "zj2.csv").rename(folder / "zj.csv")
    (folder / "_SUCCESS").write_text("written by spark")
    assert file_checksum(folder) == before  # markers are not data


def test_a_cut_part_is_refused_naming_its_file_and_line_and_leaves_no_bucket_file(
    small_months, tmp_path
):
    from prospect.exceptions import DataReadError
    from prospect.pipeline.partitions import ingest_part, part_marker

    folder = _as_parts(small_months["parquet"], tmp_path / "month")
    text = (folder / "zj.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    text[5] = ",".join(text[5].split(",")[:3]) + "\n"  # line 6 cut after three fields
    (folder / "zj.csv").write_text("".join(text), encoding="utf-8")
    with pytest.raises(DataReadError, match=r"zj\.csv: line 6: 3 field\(s\) where the header"):
        ingest_part(folder / "zj.csv", 2, SPEC, tmp_path / "b", 2)
    assert not part_marker(tmp_path / "b", 2).exists()
    assert not [p for p in (tmp_path / "b").rglob("*") if p.is_file()]


def test_a_month_delivered_as_parts_selects_the_list_of_the_one_file(ready, tmp_path):
    from prospect.pipeline import run_month
    from tests.worker.helpers import write_month

    batch = write_month(tmp_path / "in", seed=27)
    one = run_month(batch, "2026-10", settings=ready, n_partitions=3)
    folder = _as_parts(batch, tmp_path / "subscribers_2026-10")
    parts = run_month(folder, "2026-10", settings=ready, n_partitions=3)
    assert parts.state.status == "draft" and parts.state.run_id != one.state.run_id
    [first, second] = sorted(_campaigns(ready), key=lambda c: c.id)
    assert first.summary["n_scored"] == second.summary["n_scored"] == 3000
    # the same users in the same order (the control draw is keyed by the run id, so differs)
    assert (
        _targets(ready, second.id)["user_id"].tolist()
        == _targets(ready, first.id)["user_id"].tolist()
    )
    ingested = ready.artifacts_dir / "runs" / parts.state.run_id / "partitions" / "ingested"
    assert sorted(p.name for p in ingested.iterdir()) == [f"part-{i:05d}.json" for i in range(3)]


def test_a_folder_with_a_cut_part_is_quarantined_naming_the_part_and_line(ready, tmp_path):
    from prospect.pipeline import run_month
    from tests.worker.helpers import write_month

    folder = _as_parts(write_month(tmp_path / "in", seed=28), tmp_path / "subscribers_2026-10")
    text = (folder / "zj.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    text[9] = text[9].rstrip("\n") + ",extra\n"  # line 10 has one field too many
    (folder / "zj.csv").write_text("".join(text), encoding="utf-8")
    result = run_month(folder, "2026-10", settings=ready, n_partitions=2)
    assert result.state.status == "quarantined" and result.campaign_id is None
    assert re.search(r"zj\.csv: line 10: \d+ field\(s\)", result.state.failure_reason)
    assert not folder.exists() and len(list(ready.quarantine_dir.iterdir())) == 1
