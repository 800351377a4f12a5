"""Domain errors of the risk library; messages name the feature or parameter involved."""


class RiskError(Exception):
    """Base class for errors a caller of the risk library can act on."""


class ScorecardError(RiskError):
    """A scorecard cannot be built as configured (e.g. no feature passes selection)."""
