"""The run's scorecard stability report: has the scored population moved away from the one
the scorecard was trained on?

Each scored partition counts its rows into the bins of the bundle's stability profile (score
points and the scorecard's features); the counts travel in the partition's JSON, and selection
sums them, so the report never needs the training frame or all rows in one process. The report
is written as ``stability.json`` and ``stability.html`` (rendered from that JSON with
``templates/stability.html.j2``) beside the campaign summary, and its headline (score PSI,
status, worst features) goes into the campaign summary in the database, where the API and the
review page read it.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from prospect.modelcard import template_environment
from prospect.pipeline.plan import RunPlan, write_json_atomic, write_text_atomic
from prospect.riskmodel import stability_counts
from prospect.settings import Settings
from prospect.targeting import CampaignList
from risk import StabilityProfile, sum_counts
from risk.monitoring import SCORE, THRESHOLDS, Counts

logger = logging.getLogger(__name__)

SUMMARY_KEY = "stability"
TOP_FEATURES = 5
TEMPLATE = "stability.html.j2"


def report_paths(settings: Settings, run_id: str) -> dict[str, Path]:
    """Where the run's stability report lives: ``json`` and ``html``, beside its summary."""
    folder = settings.reports_dir / "campaigns" / run_id
    return {"json": folder / "stability.json", "html": folder / "stability.html"}


def partition_counts(
    profile: StabilityProfile | None, frame: pd.DataFrame, score_points: np.ndarray
) -> Counts | None:
    """A partition's counts in the profile's bins; None when the bundle has no profile."""
    return None if profile is None else stability_counts(profile, frame, score_points)


def with_stability(
    campaign: CampaignList, settings: Settings, plan: RunPlan, profile: StabilityProfile | None,
    parts: list[Counts | None],
) -> CampaignList:  # fmt: skip
    """Write the report of the summed partition counts and put its headline in the summary;
    the list is returned unchanged when the bundle (or a partition) has no counts."""
    if profile is None or any(p is None for p in parts):
        logger.info("run %s: model bundle %s has no stability profile; no stability report",
                    plan.run_id, plan.model_version)  # fmt: skip
        return campaign
    current = sum_counts(p for p in parts if p is not None)
    report = profile.report(current)
    full = full_report(report, plan, profile, current)
    page, paths = render_html(full), report_paths(settings, plan.run_id)
    write_json_atomic(paths["json"], full)
    write_text_atomic(paths["html"], page)
    logger.info("run %s: score PSI %s (%s)", plan.run_id, full["score_psi"], full["status"])
    headline = {k: full[k] for k in ("score_psi", "status", "n_reference", "n_current")}
    headline["top_features"] = [
        {k: f[k] for k in ("variable", "psi", "status")} for f in full["features"][:TOP_FEATURES]
    ]
    return dataclasses.replace(campaign, summary={**campaign.summary, SUMMARY_KEY: headline})


def render_html(full: dict[str, Any]) -> str:
    """The page a risk officer reads, from :func:`full_report`'s dict alone (so page and JSON
    never disagree): header and thresholds, the score's bins, every feature's PSI, and the
    bins of each feature to monitor or shifted and of at least the five worst."""
    features = full["features"]
    detail = [f for i, f in enumerate(features) if i < TOP_FEATURES or f["status"] != "stable"]
    template = template_environment().get_template(TEMPLATE)
    return template.render(r=full, detail=detail, top=TOP_FEATURES)


def full_report(
    report: pd.DataFrame, plan: RunPlan, profile: StabilityProfile, current: Counts
) -> dict[str, Any]:
    """The JSON report: score PSI and status (the run's status), every feature worst first,
    each with its bins' shares of the training data and of this month."""
    shares = profile.bin_shares(current)
    rows = [
        {"variable": r.variable, "psi": round(float(r.psi), 6), "status": r.status,
         "bins": shares[r.variable]}
        for r in report.itertuples()
    ]  # fmt: skip
    score = next((r for r in rows if r["variable"] == SCORE), None)
    first = profile.variables[0].name
    return {
        "run_id": plan.run_id,
        "month": plan.month,
        "model_version": plan.model_version,
        "score_psi": score["psi"] if score else None,
        "status": score["status"] if score else None,
        "score_bins": score["bins"] if score else [],
        "thresholds": {"monitor": THRESHOLDS[0][0], "shifted": THRESHOLDS[1][0]},
        "n_reference": sum(profile.counts[first]),
        "n_current": sum(current[first]),
        "features": [r for r in rows if r["variable"] != SCORE],
    }
