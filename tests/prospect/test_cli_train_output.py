"""What `prospect train` prints after training: both risk models' figures side by side."""

from __future__ import annotations

from prospect.cli.app import console
from prospect.cli.model_commands import _print_metrics

PROPENSITY = {"pr_auc": 0.4012, "roc_auc": 0.8123}
SCORECARD = {"roc_auc": 0.7764, "ks": 0.4446}


def _printed(metrics: dict) -> str:
    with console.capture() as captured:
        _print_metrics(metrics)
    return " ".join(captured.get().split())


def test_the_challenger_is_printed_beside_the_scorecard():
    challenger = {"roc_auc": 0.7763, "ks": 0.4391}
    printed = _printed({"propensity": PROPENSITY, "scorecard": SCORECARD,
                        "challenger": challenger, "oracle_pr_auc_ratio": 0.978})  # fmt: skip
    assert "scorecard ROC-AUC 0.776, KS 0.445" in printed
    assert "challenger (monotone XGBoost) ROC-AUC 0.776, KS 0.439" in printed
    assert "propensity PR-AUC / oracle PR-AUC: 0.978" in printed


def test_a_manifest_from_before_the_challenger_still_prints():
    printed = _printed({"propensity": PROPENSITY, "scorecard": SCORECARD})
    assert "scorecard ROC-AUC 0.776" in printed and "challenger" not in printed
