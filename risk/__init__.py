"""Credit-risk library: WOE binning, points scorecard, reason codes, grades, challenger,
score regression and PSI monitoring. Takes DataFrames and column lists; knows nothing of
the ``prospect`` application.
"""

from risk.challenger import Challenger
from risk.exceptions import RiskError, ScorecardError
from risk.monitoring import (
    StabilityProfile,
    psi,
    stability_report,
    sum_counts,
)
from risk.regression import ScoreRegressor
from risk.scaling import PDOScaling
from risk.scorecard import Scorecard
from risk.stepwise_regression import StepwiseLogisticRegression
from risk.woe_binner import WOEBinner

__all__ = [
    "Challenger",
    "PDOScaling",
    "RiskError",
    "ScoreRegressor",
    "Scorecard",
    "ScorecardError",
    "StabilityProfile",
    "StepwiseLogisticRegression",
    "WOEBinner",
    "psi",
    "stability_report",
    "sum_counts",
]
