"""Realistic synthetic 5G subscriber months with known label probabilities (the oracle)."""

from prospect.synth.months import SynthMonth, generate_months, month_range
from prospect.synth.trajectories import TrajectoryConfig, generate_cardholder_months
from prospect.synth.writer import write_month, write_months

__all__ = [
    "SynthMonth", "TrajectoryConfig", "generate_cardholder_months", "generate_months",
    "month_range", "write_month", "write_months",
]  # fmt: skip
