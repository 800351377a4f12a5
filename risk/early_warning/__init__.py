"""Early warning on a monthly panel: history features and a model of default within k months."""

from risk.early_warning.history import history_features, month_index
from risk.early_warning.model import EarlyWarningModel

__all__ = ["EarlyWarningModel", "history_features", "month_index"]
