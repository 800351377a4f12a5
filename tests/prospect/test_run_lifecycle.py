"""The run lifecycle's rules as a table: statuses, allowed moves and what asking again does
(whole runs restarted through it are in test_pipeline.py and tests/worker)."""

from __future__ import annotations

from typing import get_args

import pytest

from prospect.pipeline.lifecycle import (
    ORDER,
    TRANSITIONS,
    TransitionError,
    admission,
    check_transition,
)


def test_the_lifecycle_covers_the_stored_and_served_statuses_exactly():
    from api.schemas import RunStatus
    from prospect.store.models import RUN_STATUSES

    assert set(TRANSITIONS) == set(RUN_STATUSES) == set(get_args(RunStatus))


def test_every_status_is_reachable_from_queued_and_the_happy_path_is_allowed():
    seen, frontier = {"queued"}, ["queued"]
    while frontier:
        for new in TRANSITIONS[frontier.pop()] - seen:
            seen.add(new)
            frontier.append(new)
    assert seen == set(TRANSITIONS)
    for old, new in zip(ORDER, ORDER[1:], strict=False):
        check_transition("r", old, new)


@pytest.mark.parametrize(
    ("status", "decision"),
    [
        (None, "resume"),
        ("queued", "resume"),
        ("validating", "resume"),
        ("scoring", "resume"),
        ("selecting", "resume"),
        ("failed", "restart"),
        ("draft", "ended"),
        ("approved", "ended"),
        ("rejected", "ended"),
        ("quarantined", "ended"),
    ],
)
def test_asking_again_resumes_restarts_or_leaves_a_run(status, decision):
    assert admission(status) == decision


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("quarantined", "queued"),  # the same bytes would be refused again
        ("draft", "failed"),  # a late failure never undoes a stored list
        ("approved", "queued"),
        ("failed", "validating"),  # a failed run restarts through queued only
        ("scoring", "draft"),  # selection is never skipped
        ("queued", "scoring"),  # nor the gate
    ],
)
def test_moves_outside_the_lifecycle_are_refused_naming_the_run_and_both_statuses(old, new):
    with pytest.raises(TransitionError, match=rf"run r-1: cannot move from '{old}' to '{new}'"):
        check_transition("r-1", old, new)


def test_marking_a_move_the_lifecycle_refuses_changes_nothing(settings):
    from prospect.pipeline import get_state, mark
    from prospect.store import get_or_create_run, make_engine, session_scope, upgrade

    upgrade(settings.db_url)
    engine = make_engine(settings.db_url)
    fields = {"month": "2026-10", "batch_path": "b", "batch_checksum": "c",
              "model_version": "m", "config_hash": "h"}  # fmt: skip
    with session_scope(engine) as session:
        get_or_create_run(session, "r-2", fields)
    engine.dispose()
    with pytest.raises(TransitionError, match="'queued' to 'draft'"):
        mark(settings, "r-2", "draft")
    state = get_state(settings, "r-2")
    assert state is not None and state.status == "queued" and state.finished_at is None
