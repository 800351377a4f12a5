"""Whether a list was filtered by credit risk: the one place for the words a user reads.

A bundle trained on a table without a risk label has no scorecard. Its lists are still built,
but no PD is known: no PD ceiling or portfolio ceiling can be applied, and a contact's value
leaves out the loss on default (:func:`prospect.targeting.value.expected_value`). Everything a
person sees of such a list (model card, campaign summary, review page, API, CSV export) carries
:data:`NO_RISK_WARNING`, so nobody contacts it believing it was risk-checked.
"""

from __future__ import annotations

from typing import Any

SCORECARD, NONE = "scorecard", "none"
NO_RISK_MODEL = "the training table has no risk label, so the bundle has no scorecard"
NO_RISK_WARNING = (
    "No risk filter: this list was selected without a credit-risk model (the training table "
    "has no risk label). No PD ceiling or portfolio default ceiling was applied and values "
    "leave out losses on default; check every name against the bank's credit policy before "
    "anyone is contacted."
)


def risk_filter_of(scorecard: object | None) -> str:
    """``"scorecard"`` when a scorecard scores the list, ``"none"`` without one."""
    return NONE if scorecard is None else SCORECARD


def filters_by_risk(risk_filter: str) -> bool:
    """True for ``"scorecard"``, False for ``"none"``; any other value is refused."""
    if risk_filter not in (SCORECARD, NONE):
        raise ValueError(f"risk_filter must be {SCORECARD!r} or {NONE!r}; got {risk_filter!r}")
    return risk_filter == SCORECARD


def risk_section(risk_filter: str) -> dict[str, Any]:
    """``risk_filter`` and, without one, the warning: the fields a summary or card carries."""
    warning = None if filters_by_risk(risk_filter) else NO_RISK_WARNING
    return {"risk_filter": risk_filter, "risk_warning": warning}
