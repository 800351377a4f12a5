"""Training flow: fit personas, propensity and scorecard by time, write a versioned bundle."""

from prospect.training.bundle import ModelBundle
from prospect.training.config import TrainingConfig, bundle_version
from prospect.training.exceptions import (
    BundleError,
    BundleIntegrityError,
    BundleNotFoundError,
    LibraryVersionWarning,
    NoActiveModelError,
    TrainingDataError,
)
from prospect.training.flow import STEPS, TrainResult, train

__all__ = [
    "STEPS", "BundleError", "BundleIntegrityError", "BundleNotFoundError",
    "LibraryVersionWarning", "ModelBundle", "NoActiveModelError", "TrainResult",
    "TrainingConfig", "TrainingDataError", "bundle_version", "train",
]  # fmt: skip
