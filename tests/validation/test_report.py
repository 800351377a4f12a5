"""Reports: the JSON summary a data engineer reads, the HTML page and the drift chart."""

from __future__ import annotations

import json

from tests.validation.conftest import small_frame
from validation import validate, write_report


def test_report_files_name_the_failed_column_and_show_the_drift_chart(small_rules, tmp_path):
    df = small_frame()
    df.loc[3, "age"] = 200.0
    result = validate(df, small_rules, month="2026-10", reference=small_frame(seed=1))
    paths = write_report(result, tmp_path / "r1", context={"batch_path": "b.csv"})
    summary = json.loads(paths.json.read_text(encoding="utf-8"))
    assert summary["outcome"] == "warn"
    assert summary["context"] == {"batch_path": "b.csv"}
    (failure,) = summary["failures"]
    assert (failure["column"], failure["count"], failure["examples"]) == ("age", 1, ["u3"])
    assert {d["column"] for d in summary["drift"]} == set(df.columns)
    html = paths.html.read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in html and "values outside the allowed range" in html
    assert paths.chart is not None and paths.chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ge = json.loads(paths.ge_json.read_text(encoding="utf-8"))
    # 22 expectations less the not-null checks of the 5 columns without a missing value and
    # the id's uniqueness (the gate's own check, on the id hashes)
    assert sum(r["statistics"]["evaluated_expectations"] for r in ge) == 16


def test_report_without_reference_has_no_chart_and_says_why(small_rules, tmp_path):
    result = validate(small_frame(), small_rules, month="2026-10")
    paths = write_report(result, tmp_path / "r2")
    assert paths.chart is None
    assert "No reference month" in paths.html.read_text(encoding="utf-8")


def test_html_escapes_hostile_values(small_rules, tmp_path):
    df = small_frame()
    df.loc[0, "region"] = "<script>alert(1)</script>"
    paths = write_report(validate(df, small_rules, month="2026-10"), tmp_path / "r3")
    html = paths.html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
