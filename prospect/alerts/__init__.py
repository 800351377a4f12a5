"""Early warning for new cardholders: rules config, monthly alerts, the model on disk."""

from prospect.alerts.config import AlertConfig, Rule, load_alert_config
from prospect.alerts.monthly import monthly_alerts
from prospect.alerts.rules import evaluate_rules

__all__ = [
    "AlertConfig", "Rule", "evaluate_rules", "load_alert_config", "monthly_alerts",
]  # fmt: skip
