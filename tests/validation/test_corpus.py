"""Every broken batch of the corpus ends in the right outcome with a report naming the cause."""

from __future__ import annotations

import json

import pytest

from tests.validation.corpus import CASES, Case


@pytest.fixture(scope="module")
def profile(months, spec):
    from prospect.quality import table_rules
    from validation import ReferenceProfile

    return ReferenceProfile.from_frame(months[0], table_rules(spec))


def _names_cause(summary: dict, case: Case) -> bool:
    for failure in summary["failures"]:
        columns = (failure["column"] or "").split(",")
        if case.column is not None and case.column not in columns:
            continue
        if case.cause.lower() in failure["cause"].lower():
            return True
    return False


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_batch_gets_its_outcome_and_named_cause(case, months, spec, profile, settings):
    from prospect.quality import gate_batch

    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    source = months[0] if case.source == "reference" else months[1]
    path = case.build(source, settings.landing_dir / case.name)
    gate = gate_batch(path, spec, month="2026-10", reference=profile, settings=settings)
    summary = json.loads(gate.report.json.read_text(encoding="utf-8"))
    assert (gate.outcome, summary["outcome"]) == (case.outcome, case.outcome), summary["failures"]
    if case.outcome != "pass":
        assert _names_cause(summary, case), summary["failures"]
    assert gate.report.html.is_file()
    assert path.exists() == (case.outcome != "quarantine")
