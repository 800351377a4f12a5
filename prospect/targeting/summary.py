"""Campaign summary: counts by exclusion reason, persona mix, expected yield and risk,
score distributions, the control group's sizing and the expected incremental cardholders; as a
JSON-ready dict and as JSON + HTML files for reviewers.

Expected figures cover the contacted part of the list (targets minus control), since only
they can respond; the control group is reported by size and by how it was sized.

Incremental cardholders. With an uplift model, the list is expected to add ``sum(uplift)`` over
its contacts. The interval is where the figure measured against the control would fall if the
scores are right (95%, normal approximation): the measurement is contacted takers minus the
control's take-up rate times the contacts, whose variance is
``sum p1 (1 - p1)`` over the contacts plus ``(n_contacts / n_control)^2 sum p0 (1 - p0)`` over
the control, with ``p1 = p_demand`` and ``p0 = p_demand - uplift`` (clipped to [0, 1]); without
a control the contacts' own ``p0 (1 - p0)`` stand in. The same is reported for the list a
propensity ranking would have chosen on the same budget and constraints.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from jinja2 import Environment, select_autoescape

from prospect.control_power import detectable_uplift
from prospect.risk_filter import SCORECARD, filters_by_risk, risk_section
from prospect.targeting.charts import distribution_png
from prospect.targeting.config import CampaignConfig
from prospect.targeting.solver import Solution

if TYPE_CHECKING:
    from prospect.targeting.campaign import CampaignList

DISTRIBUTIONS = {"p_demand": (0.0, 1.0), "pd": (0.0, 1.0), "score_points": None}
BINS = 10
Z_95 = 1.959963984540054
BASIS_NOTES = {
    "uplift": "ranked by incremental value: uplift x (1 - PD) x value - uplift x PD x loss - "
    "contact cost (the bundle's uplift model)",
    "propensity": "no uplift model in the bundle (no campaign history): ranked by the chance "
    "of taking a card, as if nobody took one uncontacted",
}


def _histogram(values: pd.Series, value_range: tuple[float, float] | None) -> dict[str, list]:
    data = values.to_numpy(dtype=float)
    data = data[np.isfinite(data)]  # no PD without a risk model
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


def _bernoulli_variance(p: pd.Series) -> float:
    q = np.clip(p.to_numpy(dtype=float), 0.0, 1.0)
    return float((q * (1.0 - q)).sum())


def incremental_cardholders(ranked: pd.DataFrame) -> dict[str, Any]:
    """Expected incremental cardholders of a ranked list (columns is_control, p_demand, uplift)
    and the 95% interval of the figure measured against its control (module docstring)."""
    control = ranked["is_control"].to_numpy(dtype=bool)
    contacted, held = ranked.loc[~control], ranked.loc[control]
    expected = float(contacted["uplift"].sum())
    variance = _bernoulli_variance(contacted["p_demand"])
    if len(held):
        organic = _bernoulli_variance(held["p_demand"] - held["uplift"])
        variance += (len(contacted) / len(held)) ** 2 * organic
    else:
        variance += _bernoulli_variance(contacted["p_demand"] - contacted["uplift"])
    half = Z_95 * float(np.sqrt(variance))
    return {
        "contacts": len(contacted), "control": len(held),
        "cardholders": round(expected, 4),
        "low": round(expected - half, 4), "high": round(expected + half, 4),
    }  # fmt: skip


def optimality_section(solution: Solution, config: CampaignConfig) -> dict[str, Any]:
    """How close to the best possible list this one is proven: its value, the solver's upper
    bound on every list's value, the gap between them (currency and share of the bound) and
    whether the solver proved it within ``config.solver.max_gap`` (``solution.within_max_gap``;
    False only when the time limit stopped the proof)."""
    share = solution.gap / abs(solution.bound) if solution.bound else 0.0
    return {
        "value": round(solution.value, 2),
        "bound": round(solution.bound, 2),
        "gap": round(solution.gap, 2),
        "relative_gap": float(f"{share:.3g}"),
        "max_gap": config.solver.max_gap,
        "within_max_gap": solution.within_max_gap,
    }


def selection_section(
    ranked: pd.DataFrame,
    underpowered: bool,
    propensity_ranked: pd.DataFrame | None,
    config: CampaignConfig,
    basis: str,
    base_rate: float | None,
    optimality: dict[str, Any],
) -> dict[str, Any]:
    """How the list was chosen: value basis, how close to the best list it is proven
    (:func:`optimality_section`), control sizing (and the smallest uplift the control detects;
    ``underpowered``: the control split could not reach the power asked), incremental
    cardholders of the list and of the propensity-ranked list on the same budget (None where
    unknown)."""
    n_control = int(ranked["is_control"].sum())
    n_contacted = len(ranked) - n_control
    control = None
    if config.control is not None:
        c = config.control
        detectable = None
        if base_rate is not None and n_control and n_contacted:
            rate = min(base_rate, 1.0 - 1e-6)
            detectable = round(detectable_uplift(n_contacted, n_control, rate, alpha=c.alpha,
                                                 power=c.power), 6)  # fmt: skip
        control = {
            "size": n_control, "min_uplift": c.min_uplift, "alpha": c.alpha, "power": c.power,
            "base_rate": None if base_rate is None else round(base_rate, 6),
            "underpowered": bool(len(ranked) and underpowered),
            "detectable_uplift": detectable,
        }  # fmt: skip
    uplift = basis == "uplift"
    return {
        "value_basis": basis,
        "value_note": BASIS_NOTES[basis],
        "optimality": optimality,
        "control": control,
        "incremental": incremental_cardholders(ranked) if uplift else None,
        "incremental_propensity_ranking": (
            incremental_cardholders(propensity_ranked)
            if uplift and propensity_ranked is not None else None
        ),
    }  # fmt: skip


def campaign_summary(
    targets: pd.DataFrame,
    config: CampaignConfig,
    *,
    exclusions: dict[str, int],
    n_scored: int,
    n_eligible: int,
    campaign_key: str,
    as_of: date,
    selection: dict[str, Any] | None = None,
    risk_filter: str = SCORECARD,
) -> dict[str, Any]:
    """JSON-serialisable summary of a selected list (``selection``: :func:`selection_section`).

    Without a risk model (``risk_filter="none"``) the expected defaults are unknown (None) and
    the summary carries the no-risk-filter warning."""
    contacted = targets.loc[~targets["is_control"]]
    responses = float(contacted["p_demand"].sum())
    risk = risk_section(risk_filter)
    defaults = float((contacted["p_demand"] * contacted["pd"]).sum()) if filters_by_risk(
        risk_filter) else None  # fmt: skip
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
        **risk,
        "expected_defaults": None if defaults is None else round(defaults, 6),
        "expected_default_rate": round(defaults / responses, 6)
        if responses and defaults is not None
        else None,
        "expected_value": round(float(contacted["expected_value"].sum()), 6),
        "contact_cost": round(len(contacted) * config.contact_cost, 6),
        "distributions": {col: _histogram(targets[col], rng) for col, rng in DISTRIBUTIONS.items()},
        **(selection or {}),
    }


TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Campaign {{ s.campaign_key }}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}</style></head><body>
<h1>Campaign {{ s.campaign_key }}</h1>
<p>{{ s.config_name }} &middot; channel {{ s.channel }} &middot; as of {{ s.as_of }}</p>
{% if s.risk_warning %}<p class="risk-warning"><strong>{{ s.risk_warning }}</strong></p>{% endif %}
<h2>Yield and risk</h2><table>
{% for k in ["n_scored", "n_excluded", "n_eligible", "n_selected", "n_contacted", "n_control",
  "expected_responses", "expected_defaults", "expected_default_rate", "expected_value",
  "contact_cost"] %}<tr><th>{{ k }}</th><td>{{ s[k] }}</td></tr>{% endfor %}</table>
<p>{{ s.value_note }}</p>
{% if s.optimality %}<p>Selection: value {{ s.optimality.value }}, proven within
{{ s.optimality.gap }} ({{ s.optimality.relative_gap }} of the bound {{ s.optimality.bound }})
of the best possible list{% if not s.optimality.within_max_gap %}: <strong>the solver's time
limit stopped the proof above the allowed gap of {{ s.optimality.max_gap }}</strong>{% endif
%}.</p>{% endif %}
{% if s.incremental %}<p>Expected incremental cardholders: <strong>{{ s.incremental.cardholders
}}</strong> (95% interval {{ s.incremental.low }} to {{ s.incremental.high }}) from
{{ s.incremental.contacts }} contacts{% if s.incremental_propensity_ranking %}; a propensity
ranking on the same budget: {{ s.incremental_propensity_ranking.cardholders }}
({{ s.incremental_propensity_ranking.low }} to {{ s.incremental_propensity_ranking.high }}){%
endif %}.</p>{% endif %}
{% if s.control %}<p>Control group: {{ s.control.size }} subscribers, never contacted, on top of
the budget of {{ s.budget_contacts }} contacts: sized to detect an uplift of
{{ s.control.min_uplift }} at alpha {{ s.control.alpha }} with power {{ s.control.power }}
(base rate {{ s.control.base_rate }}){% if s.control.underpowered %}: <strong>underpowered</strong>,
the power calculation asks for more control than contacts, so the list is split in halves and
can detect an uplift of {{ s.control.detectable_uplift }}{% endif %}.</p>{% else %}
<p>No control group.</p>{% endif %}
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
