"""The uplift model of a bundle: campaign history in, a fitted :class:`UpliftModel` (or the
reason there is none) and its model-card section out.

Campaign history is one row per subscriber-month a past campaign touched: ``user_id``,
``month``, ``treated`` (1 contacted, 0 its random control) and ``took_card``. Until the system's
own stored contacts and responses feed it, it is read from the ``campaigns/contacts_YYYY-MM``
files beside the training months (what ``prospect synth --campaigns`` writes and what a CRM
export would hold: ``user_id, month, group, took_card`` with group ``contacted`` or
``control``). Without history the bundle has no uplift model and selection ranks by propensity.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from prospect.io import file_checksum
from prospect.model.uplift import FALLBACK, UpliftModel
from prospect.model.uplift_metrics import qini_coefficient, qini_curve
from prospect.spec import DatasetSpec
from prospect.training.charts import qini_chart
from prospect.training.config import TrainingConfig
from prospect.training.exceptions import TrainingDataError

logger = logging.getLogger(__name__)

HISTORY_DIR = "campaigns"
HISTORY_COLUMNS = ("user_id", "month", "treated", "took_card")
FILE_COLUMNS = ("user_id", "month", "group", "took_card")
GROUPS = {"contacted": 1, "control": 0}
N_DECILES = 10
Z_95 = 1.959963984540054
QINI_PNG = "qini.png"


def history_files(data_dir: Path) -> list[Path]:
    """The campaign files beside the training months (sorted), none when there is no folder."""
    folder = Path(data_dir) / HISTORY_DIR
    return sorted(folder.glob("contacts_*.parquet")) if folder.is_dir() else []


def history_checksum(data_dir: Path) -> str | None:
    """SHA-256 over the campaign files' names and checksums (None without history): hashed into
    the bundle version, so new history trains a new bundle."""
    files = history_files(data_dir)
    if not files:
        return None
    lines = "".join(f"{p.name}\t{file_checksum(p)}\n" for p in files)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _read_history_file(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise TrainingDataError(f"campaign history {path} cannot be read: {exc}") from exc
    missing = [c for c in FILE_COLUMNS if c not in frame.columns]
    if missing:
        raise TrainingDataError(
            f"campaign history {path} lacks column(s) {missing}; it needs {list(FILE_COLUMNS)}."
        )
    group = frame["group"].astype(str)
    bad = ~group.isin(list(GROUPS))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise TrainingDataError(
            f"campaign history {path} row {row}: group must be one of {sorted(GROUPS)}; "
            f"got {frame['group'].iloc[row]!r}."
        )
    took = pd.to_numeric(frame["took_card"], errors="coerce")
    bad = ~took.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise TrainingDataError(
            f"campaign history {path} row {row}: took_card must be 0 or 1; "
            f"got {frame['took_card'].iloc[row]!r}."
        )
    return pd.DataFrame({
        "user_id": frame["user_id"].astype(str).to_numpy(),
        "month": frame["month"].astype(str).to_numpy(),
        "treated": group.map(GROUPS).to_numpy(dtype=int),
        "took_card": took.to_numpy(dtype=int),
    })  # fmt: skip


def campaign_history(data_dir: Path, months: list[str]) -> pd.DataFrame:
    """Contacted and control rows of past campaigns in ``months``: :data:`HISTORY_COLUMNS`.

    Raises
    ------
    TrainingDataError
        A campaign file cannot be read, lacks a column, or holds a bad group or outcome (the
        message names the file, the row and the value).
    """
    parts = [_read_history_file(path) for path in history_files(data_dir)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=int if c in ("treated", "took_card") else str)
                             for c in HISTORY_COLUMNS})  # fmt: skip
    history = pd.concat(parts, ignore_index=True)
    history = history[history["month"].isin(set(map(str, months)))]
    dup = history.duplicated(["user_id", "month"])
    if dup.any():
        first = history[dup].iloc[0]
        raise TrainingDataError(
            f"campaign history holds subscriber {first['user_id']!r} twice in {first['month']}."
        )
    return history.reset_index(drop=True)


def history_rows(frame: pd.DataFrame, history: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """The training rows the history touched, with ``treated`` and the history's ``took_card``
    as ``__took__`` (rows of the history with no subscriber row are left out)."""
    month_col = str(spec.month_column)
    keys = pd.DataFrame({"user_id": frame[spec.id_column].astype(str).to_numpy(),
                         "month": frame[month_col].astype(str).to_numpy(),
                         "row": np.arange(len(frame))})  # fmt: skip
    joined = keys.merge(history, on=["user_id", "month"], how="inner").sort_values("row")
    rows = frame.iloc[joined["row"].to_numpy()].copy()
    rows["__treated__"] = joined["treated"].to_numpy()
    rows["__took__"] = joined["took_card"].to_numpy()
    return rows


def fit_uplift(
    train_rows: pd.DataFrame, history: pd.DataFrame, spec: DatasetSpec, config: TrainingConfig
) -> tuple[UpliftModel | None, dict[str, Any]]:
    """The uplift model and what the manifest says of it: the learner that won and why, or
    why the bundle ranks by propensity (no history, or too little of it)."""
    if history.empty:
        return None, {"learner": FALLBACK, "reason": "no campaign history with the training months"}
    rows = history_rows(train_rows, history, spec)
    model = UpliftModel(random_state=config.seed)
    months = rows[str(spec.month_column)].to_numpy()
    model.fit(rows[spec.feature_columns], rows["__took__"].to_numpy(),
              rows["__treated__"].to_numpy(), months=months)  # fmt: skip
    section: dict[str, Any] = {
        "learner": model.learner_, "rows": int(len(rows)),
        "contacted_rows": int(rows["__treated__"].sum()),
        "control_rows": int((rows["__treated__"] == 0).sum()),
        "months": sorted(rows[str(spec.month_column)].astype(str).unique().tolist()),
        "held_out_qini": model.qini_scores_,
    }  # fmt: skip
    if model.learner_ == FALLBACK:
        section["reason"] = model.fallback_reason_
        return None, section
    section["reason"] = (
        "the simplest learner whose held-out Qini is within one bootstrap standard error of "
        f"the best ({max(model.qini_scores_.items(), key=lambda kv: kv[1])[0]})"
    )
    return model, section


def uplift_by_decile(y: np.ndarray, t: np.ndarray, score: np.ndarray) -> list[dict[str, Any]]:
    """Measured uplift (contacted minus control take-up) per decile of predicted uplift, highest
    first, with a 95% normal interval of the difference of two proportions."""
    order = np.argsort(-score, kind="mergesort")
    out = []
    for decile, rows in enumerate(np.array_split(order, N_DECILES), start=1):
        treated, control = rows[t[rows] == 1], rows[t[rows] == 0]
        entry: dict[str, Any] = {"decile": decile, "rows": int(rows.size),
                                 "predicted": float(score[rows].mean()) if rows.size else None,
                                 "measured": None, "low": None, "high": None}  # fmt: skip
        if treated.size and control.size:
            p1, p0 = float(y[treated].mean()), float(y[control].mean())
            se = float(np.sqrt(p1 * (1 - p1) / treated.size + p0 * (1 - p0) / control.size))
            entry.update(measured=p1 - p0, low=p1 - p0 - Z_95 * se, high=p1 - p0 + Z_95 * se)
        out.append(entry)
    return out


def uplift_card(
    model: UpliftModel | None, section: dict[str, Any], test_rows: pd.DataFrame,
    history: pd.DataFrame, spec: DatasetSpec, chart_dir: Path,
) -> dict[str, Any]:  # fmt: skip
    """The model card's uplift section: the manifest's section, and on the test month's campaign
    rows the Qini coefficient and curve (chart) and uplift by decile with intervals."""
    card = dict(section)
    rows = history_rows(test_rows, history, spec) if not history.empty else test_rows.iloc[:0]
    t = rows["__treated__"].to_numpy() if len(rows) else np.zeros(0)
    if model is None or len(rows) == 0 or t.min() == t.max():
        card["test"] = None
        return card
    y = rows["__took__"].to_numpy()
    score = model.predict(rows[spec.feature_columns])
    n, gain = qini_curve(y, score, t)
    step = max(1, len(n) // 50)
    curve = [{"n": float(a), "gain": float(b)}
             for a, b in zip(n[::step], gain[::step], strict=True)]  # fmt: skip
    card["test"] = {
        "rows": int(len(rows)), "contacted": int(t.sum()), "control": int((t == 0).sum()),
        "qini": qini_coefficient(y, score, t), "qini_curve": curve,
        "deciles": uplift_by_decile(y, t, score),
        "chart": qini_chart(n.tolist(), gain.tolist(), chart_dir / QINI_PNG).name,
    }  # fmt: skip
    return card
