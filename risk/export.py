"""The deployable scorecard: the points table (CSV, Excel) and the points as SQL.

The SQL is one ``CASE`` expression per feature and their sum, written so that a database
gives exactly the Python points: missing values (``NULL``) and special values are tested
before the intervals, intervals are ``[lo, hi)`` as in :meth:`FeatureBins.assign`, every
number is a ``CAST(<shortest round-trip repr> AS DOUBLE PRECISION)`` (read back bit for bit),
a value never seen in training scores 0, and the sum adds base and features left to right
in the order :meth:`PointsLookup.total` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from risk.feature_bins import FeatureBins

TABLE_COLUMNS = ["feature", "label", "bin", "count", "event_rate", "woe", "points"]
BASE = "(base points)"


def deployment_table(
    points_table: pd.DataFrame, base_points: float, labels: Mapping[str, str]
) -> pd.DataFrame:
    """Base points as the first row, then one row per feature and bin with its label."""
    rows = points_table.assign(label=points_table["feature"].map(labels))
    base = pd.DataFrame([{"feature": BASE, "label": BASE, "bin": "", "count": int(
        rows.groupby("feature")["count"].sum().max()), "event_rate": np.nan, "woe": np.nan,
        "points": base_points}])  # fmt: skip
    return pd.concat([base, rows[TABLE_COLUMNS]], ignore_index=True)[TABLE_COLUMNS]


def write_points_table(table: pd.DataFrame, path: str | Path) -> None:
    """CSV for ``.csv``, Excel (openpyxl) for ``.xlsx``; written whole or not at all."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"path must end in .csv or .xlsx; got {str(path)!r}.")
    partial = target.with_name(f".{target.name}.partial")
    try:
        if suffix == ".csv":
            table.to_csv(partial, index=False, float_format="%.17g")
        else:
            table.to_excel(partial, index=False, sheet_name="points", engine="openpyxl")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def sql_number(value: float) -> str:
    return f"CAST({float(value)!r} AS DOUBLE PRECISION)"


def sql_identifier(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def sql_string(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def case_expression(bins: FeatureBins, points: np.ndarray) -> str:
    """``CASE`` giving one feature's points for a raw column value."""
    col = sql_identifier(bins.name)
    missing = points[-1] if bins.counts[-1] > 0 else 0.0
    lines = [f"WHEN {col} IS NULL THEN {sql_number(missing)}"]
    if bins.splits is not None:
        for j, special in enumerate(bins.specials):
            lines.append(f"WHEN {col} = {sql_number(special)} THEN "
                         f"{sql_number(points[bins.n_regular + j])}")  # fmt: skip
        for j, split in enumerate(bins.splits):
            lines.append(f"WHEN {col} < {sql_number(split)} THEN {sql_number(points[j])}")
        last = points[len(bins.splits)] if bins.n_regular > 0 else 0.0
        lines.append(f"ELSE {sql_number(last)}")
    else:
        text = f"CAST({col} AS VARCHAR)"
        for j in range(bins.n_regular):
            cats = sorted(c for c, i in (bins.categories or {}).items() if i == j)
            if cats:
                values = ", ".join(sql_string(c) for c in cats)
                lines.append(f"WHEN {text} IN ({values}) THEN {sql_number(points[j])}")
        lines.append(f"ELSE {sql_number(0.0)}")
    return "CASE " + " ".join(lines) + " END"


def sql_points(
    bins: Mapping[str, FeatureBins], bin_points: Mapping[str, np.ndarray], base_points: float,
    *, table: str | None = None,
) -> str:  # fmt: skip
    """The total points expression; with ``table``, a ``SELECT`` of every feature's points
    (``points_<feature>``) and the total (``score_points``) from that table."""
    cases = {f: case_expression(bins[f], np.asarray(p, float)) for f, p in bin_points.items()}
    total = " + ".join([sql_number(base_points), *(f"({c})" for c in cases.values())])
    if table is None:
        return total
    columns = [f"({c}) AS {sql_identifier('points_' + f)}" for f, c in cases.items()]
    select = ",\n  ".join([*columns, f"{total} AS score_points"])
    return f"SELECT\n  {select}\nFROM {sql_identifier(table)}"
