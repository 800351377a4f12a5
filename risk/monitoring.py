"""Stability monitoring: population stability index (PSI) of the score and of each feature
between the training data and a new month, as a DataFrame and a small HTML page.

PSI = sum over bins of ``(actual share - expected share) * ln(actual share / expected share)``.
Rule of thumb used for the status: below 0.10 stable, 0.10-0.25 monitor, above 0.25 shifted.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

EPS = 1e-4
THRESHOLDS = ((0.10, "stable"), (0.25, "monitor"))


def psi_from_counts(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI of two count vectors over the same bins (shares floored at 1e-4)."""
    e = np.maximum(np.asarray(expected, float) / np.sum(expected), EPS)
    a = np.maximum(np.asarray(actual, float) / np.sum(actual), EPS)
    return float(np.sum((a - e) * np.log(a / e)))


def psi(expected: pd.Series, actual: pd.Series, *, n_bins: int = 10) -> float:
    """PSI of one variable: deciles of ``expected`` for numbers, categories otherwise;
    missing values form their own bin."""
    expected, actual = pd.Series(expected), pd.Series(actual)
    if pd.api.types.is_numeric_dtype(expected) and pd.api.types.is_numeric_dtype(actual):
        edges = np.unique(np.nanquantile(expected.to_numpy(float), np.linspace(0, 1, n_bins + 1)))
        keys_e = _numeric_keys(expected, edges[1:-1])
        keys_a = _numeric_keys(actual, edges[1:-1])
    else:
        keys_e, keys_a = expected.astype(str), actual.astype(str)
    counts = pd.concat(
        [keys_e.value_counts().rename("e"), keys_a.value_counts().rename("a")], axis=1
    ).fillna(0.0)
    return psi_from_counts(counts["e"].to_numpy(), counts["a"].to_numpy())


def _numeric_keys(values: pd.Series, cuts: np.ndarray) -> pd.Series:
    x = values.to_numpy(float)
    keys = np.searchsorted(cuts, x, side="right").astype(object)
    keys[np.isnan(x)] = "missing"
    return pd.Series(keys).astype(str)


def status(value: float) -> str:
    for limit, name in THRESHOLDS:
        if value < limit:
            return name
    return "shifted"


def stability_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    features: list[str],
    *,
    reference_score: np.ndarray | None = None,
    current_score: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per variable (``score`` first when given): PSI and status, worst first."""
    rows = []
    if reference_score is not None and current_score is not None:
        rows.append(("score", psi(pd.Series(reference_score), pd.Series(current_score))))
    rows += [(f, psi(reference[f], current[f])) for f in features]
    report = pd.DataFrame(rows, columns=["variable", "psi"])
    report["status"] = report["psi"].map(status)
    head = report[report["variable"] == "score"]
    rest = report[report["variable"] != "score"].sort_values("psi", ascending=False)
    return pd.concat([head, rest], ignore_index=True)


def stability_html(report: pd.DataFrame, *, title: str = "Scorecard stability") -> str:
    """A self-contained HTML page of :func:`stability_report` (shifted rows highlighted)."""
    rows = "".join(
        f'<tr class="{r.status}"><td>{html.escape(str(r.variable))}</td>'
        f"<td>{r.psi:.4f}</td><td>{r.status}</td></tr>"
        for r in report.itertuples()
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif}td,th{padding:2px 8px}"
        ".monitor{background:#fff3cd}.shifted{background:#f8d7da}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><table><tr><th>variable</th><th>PSI</th>"
        f"<th>status</th></tr>{rows}</table></body></html>"
    )
