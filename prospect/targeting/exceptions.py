"""Domain errors of campaign targeting."""

from __future__ import annotations

from prospect.exceptions import ProspectError


class InfeasibleCampaign(ProspectError):
    """No list satisfies the campaign's constraints; ``constraint`` names the one that fails.

    Parameters
    ----------
    constraint : str
        Machine-readable name of the constraint that cannot be met, e.g.
        ``"quota:young_digital.min_share"``, ``"max_expected_default_rate"``, ``"min_contacts"``.
    message : str
        What cannot be met and why, for a marketing-ops reader.
    """

    def __init__(self, constraint: str, message: str) -> None:
        super().__init__(f"campaign infeasible ({constraint}): {message}")
        self.constraint = constraint


class SelectionTimeout(ProspectError):
    """The solver's time limit ran out before it found any list meeting the constraints (a
    list found in time is returned with the bound proven so far, never this error)."""
