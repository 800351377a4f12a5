"""The validate step hands the gate the reference month as a profile, read before the batch."""

from __future__ import annotations

from prospect.spec import load_spec

SPEC = load_spec("subscriber_5g")


def test_the_reference_month_reaches_the_gate_as_the_profile_of_its_file(settings, tmp_path):
    from prospect.pipeline import inputs
    from prospect.pipeline.plan import prepare_run
    from prospect.pipeline.state import run_session
    from prospect.quality import gate_batch
    from prospect.store import set_run_status
    from prospect.synth import write_months
    from prospect.targeting import load_campaign_config

    old, new = write_months(tmp_path / "in", 600, 2, seed=5)
    config = load_campaign_config()
    first, _ = prepare_run(old, "2026-09", config, "m-1", settings=settings)
    plan, _ = prepare_run(new, "2026-10", config, "m-1", settings=settings)
    assert inputs.reference_profile(settings, plan, SPEC) is None  # September has not passed
    with run_session(settings) as session:
        set_run_status(session, first.run_id, "draft")

    profile = inputs.reference_profile(settings, plan, SPEC)
    by_profile = gate_batch(new, SPEC, month="2026-10", reference=profile, settings=settings)
    by_file = gate_batch(new, SPEC, month="2026-10", reference=old, settings=settings)
    assert profile is not None and profile.row_count == 600
    assert by_profile.result.drift == by_file.result.drift
    assert by_profile.result.failures == by_file.result.failures
    assert sum(row.psi is not None for row in by_profile.result.drift) > 20  # drift measured
