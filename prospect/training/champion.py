"""The model card's credit-risk comparison: the champion scorecard beside its challenger.

The bundle scores with the scorecard; the monotone XGBoost challenger is fitted on the same
rows only to show a risk officer how much ranking the additive scorecard gives up, and which
features the challenger's trees may bend (monotone constraint 0). Nothing here is stored in
the bundle but these figures.
"""

from __future__ import annotations

from typing import Any

from risk import Challenger, Scorecard

CHAMPION, CHALLENGER = "scorecard", "challenger"
WHY_CHAMPION = {
    True: "the scorecard stays champion because it is additive and gives reason codes",
    False: "the scorecard stays champion: it ranks as well or better, is additive and gives "
    "reason codes",
}
SAME_RANKING = 0.0005  # below this ROC-AUC gap the card reports the two as ranking alike


def roc_auc_difference(scorecard: dict[str, Any], challenger: dict[str, Any]) -> float | None:
    """Challenger ROC-AUC minus scorecard ROC-AUC; None when either is undefined."""
    if scorecard["roc_auc"] is None or challenger["roc_auc"] is None:
        return None
    return float(challenger["roc_auc"] - scorecard["roc_auc"])


def reading(month: str, difference: float | None, fold_differences: list[float | None]) -> str:
    """One line for the officer, worded from the test-month gap and the folds' gaps."""
    if difference is None:
        return f"no comparison on {month}: its default labels hold one class only."
    challenger_ahead = difference >= SAME_RANKING
    if abs(difference) < SAME_RANKING:
        lead = f"challenger and scorecard rank alike on {month} (ROC-AUC {difference:+.4f})"
    else:
        better = CHALLENGER if challenger_ahead else CHAMPION
        lead = f"{better} ranks better by {abs(difference):.3f} ROC-AUC on {month}"
    known = [d for d in fold_differences if d is not None]
    ahead = sum(d >= SAME_RANKING for d in known)
    folds = f"challenger ahead in {ahead} of {len(known)} time fold{'s' * (len(known) != 1)}"
    return f"{lead}; {folds}; {WHY_CHAMPION[challenger_ahead]}."


def constraint_records(challenger: Challenger, scorecard: Scorecard) -> list[dict[str, Any]]:
    """Per binned feature: binner trend, trend consistency, the trees' constraint (+1 raises
    the PD, -1 lowers it, 0 free) and whether the scorecard kept the feature."""
    binner, kept = challenger.binner_, set(scorecard.selected_)
    return [
        {
            "feature": str(f),
            "kind": "categorical (WOE)" if f in binner.categorical_ else "numeric",
            "trend": binner.trends_[f],
            "trend_consistency": challenger.trend_consistency_.get(f),
            "constraint": int(challenger.monotone_constraints_[f]),
            "in_scorecard": f in kept,
        }
        for f in binner.features_
    ]


def credit_risk_section(
    challenger: Challenger, scorecard: Scorecard, metrics: dict[str, Any],
    folds: list[dict[str, Any]], month: str,
) -> dict[str, Any]:  # fmt: skip
    """The card's ``credit_risk`` entry: ROC-AUC gaps, the reading, the challenger's
    parameters and constraints (the metrics themselves sit under ``metrics`` and ``folds``)."""
    difference = roc_auc_difference(metrics[CHAMPION], metrics[CHALLENGER])
    by_fold = [roc_auc_difference(f[CHAMPION], f[CHALLENGER]) for f in folds]
    params = {k: v for k, v in challenger.get_params(deep=False).items() if k != "binner"}
    return {
        "champion": CHAMPION,
        "challenger": {"model": "monotone-constrained XGBoost (risk.Challenger)", "params": params},
        "roc_auc_difference": {"test_month": difference, "folds": by_fold},
        "reading": reading(month, difference, by_fold),
        "constraints": constraint_records(challenger, scorecard),
    }  # fmt: skip
