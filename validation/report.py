"""Reports: JSON summary, great-expectations result JSON, drift chart and an HTML page.

The HTML is rendered with Jinja2 from great-expectations' validation-result JSON (kept
beside it as ``expectations.json``) rather than by GE's Data Docs site builder: the gate's
GE result is merged from up to three runs (the batch, its columns holding missing values,
the rerun of failed expectations in detail; see :mod:`validation.expect`), and Data Docs has
no place for the drift table and chart a reader needs on the same page. Rendering reads
only the result, never the data, so it costs the same for 1,000 or 1,000,000 rows.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from validation.chart import drift_chart
from validation.result import ValidationResult
from validation.rules import DriftThresholds

_ENV = Environment(
    loader=PackageLoader("validation", "templates"), autoescape=select_autoescape(["html", "j2"])
)


@dataclass(frozen=True)
class ReportPaths:
    """Where one validation's report files were written."""

    directory: Path
    html: Path
    json: Path
    ge_json: Path
    chart: Path | None


def write_report(
    result: ValidationResult,
    out_dir: Path,
    *,
    context: dict[str, Any] | None = None,
    thresholds: DriftThresholds | None = None,
) -> ReportPaths:
    """Write ``summary.json``, ``expectations.json``, ``drift.png`` and ``report.html``.

    ``context`` (batch path, checksum, a read error...) is stored in the summary as is.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    limits = thresholds or DriftThresholds()
    summary = {**result.summary(), "context": context or {}}
    json_path = out_dir / "summary.json"
    json_path.write_text(json.dumps(summary, indent=2, default=_jsonable), encoding="utf-8")
    ge_path = out_dir / "expectations.json"
    ge_path.write_text(json.dumps(result.ge_results, default=_jsonable), encoding="utf-8")
    chart = drift_chart(result.drift, out_dir / "drift.png", warn=limits.warn, fail=limits.fail)
    html = _ENV.get_template("report.html.j2").render(
        summary=summary,
        expectations=_expectation_rows(result.ge_results),
        chart=_data_uri(chart) if chart else None,
    )
    html_path = out_dir / "report.html"
    html_path.write_text(html, encoding="utf-8")
    return ReportPaths(out_dir, html_path, json_path, ge_path, chart)


def _data_uri(png: Path) -> str:
    """The chart inlined, so the HTML page stands alone wherever it is served or mailed."""
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def _expectation_rows(ge_results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for suite in ge_results:
        for res in suite.get("results", []):
            config, detail = res["expectation_config"], res.get("result") or {}
            kwargs = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
            rows.append(
                {
                    "type": config["type"],
                    "kwargs": kwargs,
                    "success": res["success"],
                    "unexpected": detail.get("unexpected_count"),
                    "observed": detail.get("observed_value"),
                }
            )
    return rows


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
