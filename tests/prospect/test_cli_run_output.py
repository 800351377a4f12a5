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
