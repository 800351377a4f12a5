"""A run's life: its statuses, the moves between them, and what asking for a run again does.

The one place for these rules: the store only records a status (its column accepts
:data:`STATUSES`), and the worker tasks, the CLI and the API ask here. Pure functions of a
status; :mod:`prospect.pipeline.state` applies them to the ``runs`` table.

Statuses move ``queued -> validating -> scoring -> selecting -> draft``; a reviewer then
``approved`` or ``rejected`` the draft (:mod:`prospect.store.review`). A run may instead end
``quarantined`` (the gate refused the batch: final, the same bytes would be refused again) or
``failed`` (with the reason) from any step. :data:`TRANSITIONS` lists every allowed move;
:func:`check_transition` refuses any other.

Asking for a run again (same batch, model and config, so the same run id; :func:`admission`):

- ``ended``: a run that finished (draft, approved, rejected, quarantined) is not run again;
  its outcome is the answer for those inputs (a rejected list is re-run under a new attempt
  id, see :func:`prospect.pipeline.plan.current_attempt`);
- ``restart``: a failed run goes back to ``queued`` and its steps run again, each one
  reusing what an earlier attempt finished (the gate's verdict on the same bytes, the split,
  scored partitions, the selection), so only the unfinished work is redone;
- ``resume``: a run in progress (or just created) gets its first step queued again, which is
  harmless since every step skips finished work, and rescues a run whose messages were lost.
"""

from __future__ import annotations

from typing import Literal

from prospect.pipeline.exceptions import RunError
from prospect.store.models import RUN_STATUSES

ORDER = ("queued", "validating", "scoring", "selecting", "draft")
REVIEWED = ("approved", "rejected")
FINISHED = ("draft", *REVIEWED, "quarantined")  # never run again
STOPPED = ("failed", "quarantined")  # a late or duplicate task of such a run does nothing
ENDED = (*FINISHED, "failed")  # someone following the run stops waiting
RESTARTABLE = ("failed",)
STATUSES = RUN_STATUSES  # the column's choices (the schema) are the store's

# status -> the statuses it may move to (a redelivered validate re-enters ``validating``)
TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"validating", "failed"}),
    "validating": frozenset({"validating", "scoring", "quarantined", "failed"}),
    "scoring": frozenset({"selecting", "failed"}),
    "selecting": frozenset({"draft", "failed"}),
    "draft": frozenset(REVIEWED),
    "failed": frozenset({"queued"}),  # the restart
    "quarantined": frozenset(),
    "approved": frozenset(),
    "rejected": frozenset(),
}

Admission = Literal["ended", "restart", "resume"]


class TransitionError(RunError):
    """A status change the lifecycle does not allow (names the run and both statuses)."""


def check_transition(run_id: str, old: str, new: str) -> None:
    """TransitionError unless a run may move from ``old`` to ``new``."""
    allowed = TRANSITIONS.get(old)
    if allowed is None or new not in allowed:
        to = ", ".join(sorted(allowed)) if allowed else "nothing (it has ended)"
        raise TransitionError(f"run {run_id}: cannot move from {old!r} to {new!r}; {old!r} "
                              f"may move to {to}.")  # fmt: skip


def reached(status: str, step: str) -> bool:
    """Whether a run in ``status`` is at or past ``step`` of :data:`ORDER` on the happy path."""
    if status in REVIEWED:
        return True
    return status in ORDER and ORDER.index(status) >= ORDER.index(step)


def admission(status: str | None) -> Admission:
    """What asking for a run in ``status`` (None: just created) again does; see the module."""
    if status in FINISHED:
        return "ended"
    if status in RESTARTABLE:
        return "restart"
    return "resume"
