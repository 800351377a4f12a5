"""Campaign summary: counts by exclusion reason, persona mix, expected yield and risk,
score distributions; as a JSON-ready dict and as JSON + HTML files for reviewers.

Expected figures cover the contacted part of the list (targets minus control), since only
they can respond; the control group is reported by size alone.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from jinja2 import Environment, select_autoescape

from prospect.targeting.charts import distribution_png
from prospect.targeting.config import CampaignConfig

if TYPE_CHECKING:
    from prospect.targeting.campaign import CampaignList

DISTRIBUTIONS = {"p_demand": (0.0, 1.0), "pd": (0.0, 1.0), "score_points": None}
BINS = 10


def _histogram(values: pd.Series, value_range: tuple[float, float] | None) -> dict[str, list]:
    data = values.to_numpy(dtype=float)
    if value_range is None:
        value_range = (float(data.min()), float(data.max())) if len(data) else (0.0, 1.0)
    if value_range[0] == value_range[1]:
        value_range = (value_range[0] - 0.5, value_range[1] + 0.5)
    counts, edges = np.histogram(data, bins=BINS, range=value_range)
    return {"edges": [round(float(e), 6) for e in edges], "counts": counts.tolist()}


def _persona_mix(targets: pd.DataFrame) -> dict[str, dict[str, Any]]:
    total = max(len(targets), 1)
    mix = {}
    for name, group in targets.groupby("persona", sort=True):
        mix[str(name)] = {
            "selected": len(group),
            "control": int(group["is_control"].sum()),
            "share": round(len(group) / total, 6),
        }
    return mix


def campaign_summary(
    targets: pd.DataFrame,
    config: CampaignConfig,
    *,
    exclusions: dict[str, int],
    n_scored: int,
    n_eligible: int,
    campaign_key: str,
    as_of: date,
) -> dict[str, Any]:
    """JSON-serialisable summary of a selected list."""
    contacted = targets.loc[~targets["is_control"]]
    responses = float(contacted["p_demand"].sum())
    defaults = float((contacted["p_demand"] * contacted["pd"]).sum())
    return {
        "campaign_key": campaign_key,
        "config_name": config.name,
        "channel": config.channel,
        "as_of": as_of.isoformat(),
        "budget_contacts": config.max_contacts,
        "n_scored": n_scored,
        "n_excluded": sum(exclusions.values()),
        "exclusions": dict(exclusions),
        "n_eligible": n_eligible,
        "n_selected": len(targets),
        "n_contacted": len(contacted),
        "n_control": int(targets["is_control"].sum()),
        "persona_mix": _persona_mix(targets),
        "expected_responses": round(responses, 6),
        "expected_defaults": round(defaults, 6),
        "expected_default_rate": round(defaults / responses, 6) if responses else None,
        "expected_value": round(float(contacted["expected_value"].sum()), 6),
        "contact_cost": round(len(contacted) * config.contact_cost, 6),
        "distributions": {col: _histogram(targets[col], rng) for col, rng in DISTRIBUTIONS.items()},
    }


TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Campaign {{ s.campaign_key }}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}</style></head><body>
<h1>Campaign {{ s.campaign_key }}</h1>
<p>{{ s.config_name }} &middot; channel {{ s.channel }} &middot; as of {{ s.as_of }}</p>
<h2>Yield and risk</h2><table>
{% for k in ["n_scored", "n_excluded", "n_eligible", "n_selected", "n_contacted", "n_control",
  "expected_responses", "expected_defaults", "expected_default_rate", "expected_value",
  "contact_cost"] %}<tr><th>{{ k }}</th><td>{{ s[k] }}</td></tr>{% endfor %}</table>
<h2>Exclusions by reason</h2><table>
{% for k, v in s.exclusions.items() %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}
</table>
<h2>Persona mix</h2><table><tr><th>persona</th><th>selected</th><th>control</th>
<th>share</th></tr>{% for k, v in s.persona_mix.items() %}<tr><td>{{ k }}</td>
<td>{{ v.selected }}</td><td>{{ v.control }}</td><td>{{ v.share }}</td></tr>{% endfor %}
</table>
<h2>Score distributions of the list</h2>
{% for name, png in charts.items() %}<figure><img alt="{{ name }} histogram"
 src="data:image/png;base64,{{ png }}"><figcaption>{{ name }}</figcaption></figure>{% endfor %}
</body></html>
"""


def write_campaign_summary(campaign_list: CampaignList, out_dir: str | Path) -> dict[str, Path]:
    """Write ``summary.json`` and ``summary.html`` (charts embedded) into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = campaign_list.summary
    charts = {name: distribution_png(name, h) for name, h in summary["distributions"].items()}
    env = Environment(autoescape=select_autoescape(default=True))
    html = env.from_string(TEMPLATE).render(s=summary, charts=charts)
    paths = {"json": out / "summary.json", "html": out / "summary.html"}
    paths["json"].write_text(json.dumps(summary, indent=2, sort_keys=True), encoding="utf-8")
    paths["html"].write_text(html, encoding="utf-8")
    return paths
