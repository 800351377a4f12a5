"""The gate wired to the spec: rules, quarantine moves, database records and the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner


def test_rules_from_the_spec_follow_the_canonical_frame(spec):
    from prospect.quality import table_rules

    rules = table_rules(spec)
    assert rules.column("fee_sensitivity").allowed == ("0", "1", "2", "3", "4", "5")
    assert rules.column("is_student").allowed == (0.0, 1.0)
    assert rules.column("is_student").drift == "categorical"
    assert (rules.column("msisdn").free_text, rules.column("month").free_text) == (True, False)
    assert rules.column("age").kind == "number" and rules.column("has_card").drift is None
    names = [r.name for r in rules.cross_field_rules]
    assert names == [
        "bill_non_negative",
        "avg_spend_consistent_with_bill",
        "min_age_16",
        "tenure_within_age",
    ]


def _write(frame, settings, name):
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    path = settings.landing_dir / name
    frame.to_parquet(path, index=False)
    return path


def test_quarantine_moves_the_file_untouched_and_records_the_report(months, spec, settings):
    from prospect.quality import gate_batch
    from prospect.store import DQReport, make_engine, session_scope

    bad = months[1].copy()
    bad.loc[bad.index[:100], "age"] = 250.0
    path = _write(bad, settings, "subscribers_2026-10.parquet")
    original = path.read_bytes()
    gate = gate_batch(path, spec, reference=months[0], settings=settings)
    assert gate.outcome == "quarantine" and gate.frame is None and not path.exists()
    assert gate.quarantined_path.parent == settings.quarantine_dir
    assert gate.quarantined_path.read_bytes() == original
    assert gate.report.directory == settings.reports_dir / "data_quality" / str(gate.report_id)
    with session_scope(make_engine(settings.db_url)) as session:
        row = session.get(DQReport, gate.report_id)
        assert (row.outcome, row.month, row.spec_name) == ("quarantine", "2026-10", "subscriber_5g")
        assert row.html_path == str(gate.report.html)
        assert any(f["column"] == "age" for f in row.summary["failures"])


def test_passing_batch_stays_and_comes_back_typed(months, spec, settings):
    from prospect.quality import gate_batch

    path = _write(months[1], settings, "ok.parquet")
    gate = gate_batch(path, spec, month="2026-10", reference=months[0], settings=settings)
    assert (gate.outcome, gate.quarantined_path) == ("pass", None)
    assert path.exists() and len(gate.frame) == len(months[1])


@pytest.mark.parametrize(("change", "code"), [("none", 0), ("one_age", 1), ("many_ages", 2)])
def test_cli_exit_code_is_the_outcome(change, code, months, spec, settings):
    from prospect.cli import app

    frame = months[1].copy()
    rows = {"none": 0, "one_age": 1, "many_ages": 50}[change]
    frame.loc[frame.index[:rows], "age"] = 300.0
    ref = _write(months[0], settings, "ref.parquet")
    path = _write(frame, settings, "batch.parquet")
    result = CliRunner().invoke(app, ["validate", str(path), "--reference", str(ref)])
    assert result.exit_code == code, result.output
    assert ("age" in result.output) == (rows > 0)


def test_cli_unreadable_file_exits_2_and_is_quarantined_with_a_report(settings):
    from prospect.cli import app

    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    path = settings.landing_dir / "empty.csv"
    path.write_bytes(b"")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "file is empty" in result.output
    (moved,) = settings.quarantine_dir.iterdir()
    (report,) = (settings.reports_dir / "data_quality").glob("*/summary.json")
    assert moved.name.endswith("empty.csv")
    assert json.loads(report.read_text())["failures"][0]["check"] == "read_error"
