"""Early warning for new cardholders: rules config, monthly alerts, the model on disk."""

from prospect.alerts.config import AlertConfig, Rule, load_alert_config
from prospect.alerts.monthly import AlertsSummary, alerts_step, monthly_alerts
from prospect.alerts.rules import evaluate_rules

__all__ = [
    "AlertConfig", "AlertsSummary", "Rule", "alerts_step", "evaluate_rules", "load_alert_config",
    "monthly_alerts",
]  # fmt: skip
