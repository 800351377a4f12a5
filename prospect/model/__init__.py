"""Card-demand propensity model: calibrated XGBoost on imbalanced data, with drivers."""

from prospect.model.propensity import DEFAULT_XGB_PARAMS, PropensityModel
from prospect.model.splits import time_split

__all__ = ["DEFAULT_XGB_PARAMS", "PropensityModel", "time_split"]
