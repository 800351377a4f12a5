"""What `prospect run` prints after a run: the scorecard stability headline from its report."""

from __future__ import annotations

import json

from prospect.cli.app import console
from prospect.cli.run_commands import _show_stability
from prospect.pipeline.stability import report_paths


def _printed(run_id: str) -> str:
    with console.capture() as captured:
        _show_stability(run_id)
    return " ".join(captured.get().split())


def test_the_stability_headline_names_score_psi_status_and_the_most_shifted_feature(settings):
    path = report_paths(settings, "run-2026-10-abc")["json"]
    path.parent.mkdir(parents=True)
    features = [{"variable": "months_since_last_payment", "psi": 0.4123, "status": "shifted"},
                {"variable": "bill", "psi": 0.01, "status": "stable"}]  # fmt: skip
    path.write_text(json.dumps({"score_psi": 0.2671, "status": "shifted", "features": features}))
    printed = _printed("run-2026-10-abc")
    assert "scorecard stability: score PSI 0.267 (shifted)" in printed
    assert "most shifted feature months_since_last_payment PSI 0.412" in printed
    assert "stability.html" in printed


def test_a_run_without_a_stability_report_prints_nothing_about_it(settings):
    assert _printed("run-2026-10-none") == ""


def test_piped_output_is_never_wrapped_or_cut_whatever_the_terminal_width(monkeypatch):
    """The root of a flaky CLI test: rich wrapped "file is / empty" at a width left over."""
    import io

    from rich.table import Table

    from prospect.logging_setup import PipeConsole

    monkeypatch.setenv("COLUMNS", "20")
    out = io.StringIO()
    piped = PipeConsole(file=out)
    cause = "batch could not be read: /data/landing/subscribers_2026-10.csv: file is empty"
    table = Table(title="failures")
    table.add_column("cause", overflow="fold")
    table.add_row(cause)
    piped.print(table)
    piped.print("outcome: quarantine  report: /data/reports/data_quality/1/report.html")
    assert cause in out.getvalue()
    assert "outcome: quarantine  report: /data/reports/data_quality/1/report.html" in out.getvalue()


def test_log_lines_piped_are_plain_single_lines(capfd):
    import logging

    from prospect.logging_setup import configure_logging

    configure_logging("INFO")
    message = "batch " + "x" * 300 + ": quarantine (report 1)"
    logging.getLogger("prospect.test").info(message)
    err = capfd.readouterr().err
    assert message in err and err.count("\n") == 1
