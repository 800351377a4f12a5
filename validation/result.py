"""What a validation found: failures, the drift table and the outcome they add up to."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Outcome = Literal["pass", "warn", "quarantine"]
_RANK = {"pass": 0, "warn": 1, "quarantine": 2}


@dataclass(frozen=True)
class Failure:
    """One broken check, in the words a data engineer searches for.

    ``check`` is the great-expectations expectation type or ``cross_field:<rule>`` /
    ``drift`` / ``missing_share``; ``examples`` holds up to 20 ids of offending rows.
    """

    check: str
    column: str | None
    severity: Literal["warn", "quarantine"]
    cause: str
    observed: Any = None
    count: int | None = None
    share: float | None = None
    examples: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DriftRow:
    """Drift of one column against the reference month."""

    column: str
    kind: str
    psi: float | None
    missing_share: float
    reference_missing_share: float | None
    status: Outcome


@dataclass
class ValidationResult:
    """The gate's verdict on one batch; ``ge_results`` keeps great-expectations' own JSON."""

    month: str | None
    failures: list[Failure]
    drift: list[DriftRow]
    stats: dict[str, Any]
    ge_results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        levels = [f.severity for f in self.failures]
        if not levels:
            return "pass"
        return max(levels, key=_RANK.__getitem__)

    def summary(self) -> dict[str, Any]:
        """The JSON summary: outcome, each failure with its column and examples, drift."""
        return {
            "outcome": self.outcome,
            "month": self.month,
            "failures": [asdict(f) for f in self.failures],
            "drift": [asdict(d) for d in self.drift],
            "stats": self.stats,
        }
