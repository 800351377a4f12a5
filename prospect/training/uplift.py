"""The uplift model of a bundle: campaign history in, a fitted :class:`UpliftModel` (or the
reason there is none) and its model-card section out.

Campaign history is one row per subscriber-month a past campaign touched: ``user_id``,
``month``, ``treated`` (1 contacted, 0 its random control) and ``took_card``. It comes from the
store (:func:`prospect.store.history.campaign_history`: contacts and responses posted through
the API or the CLI) whenever the store holds any for the training months; otherwise from the
``campaigns/contacts_YYYY-MM`` files beside the training months (what ``prospect synth
--campaigns`` writes and what a CRM export would hold: ``user_id, month, group, took_card`` with
group ``contacted`` or ``control``), the demo's seed before any campaign was sent. Without
history the bundle has no uplift model and selection ranks by propensity.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import inspect

from prospect.io import file_checksum
from prospect.model.uplift import FALLBACK, PREFERENCE, UpliftModel
from prospect.model.uplift_metrics import qini_coefficient, qini_curve
from prospect.settings import Settings
from prospect.spec import DatasetSpec
from prospect.store import history as store_history
from prospect.store.db import make_engine
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


def _empty_history() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=int if c in ("treated", "took_card") else str)
                         for c in HISTORY_COLUMNS})  # fmt: skip


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
        return _empty_history()
    history = pd.concat(parts, ignore_index=True)
    history = history[history["month"].isin(set(map(str, months)))]
    dup = history.duplicated(["user_id", "month"])
    if dup.any():
        first = history[dup].iloc[0]
        raise TrainingDataError(
            f"campaign history holds subscriber {first['user_id']!r} twice in {first['month']}."
        )
    return history.reset_index(drop=True)


@dataclass(frozen=True)
class TrainingHistory:
    """The campaign history a bundle trains on, where it came from and its checksum (hashed into
    the bundle version, so new history trains a new bundle; None without history)."""

    rows: pd.DataFrame
    source: str  # "store", "files" or "none"
    checksum: str | None


def stored_history(settings: Settings, months: list[str]) -> pd.DataFrame:
    """:data:`HISTORY_COLUMNS` of the campaigns the store holds for ``months`` (empty when the
    store has no contact tables yet, or no sent campaign in those months)."""
    engine = make_engine(settings.db_url)
    try:
        if not inspect(engine).has_table("contact_history"):
            return _empty_history()
        rows = store_history.campaign_history(engine, [str(m) for m in months])
    finally:
        engine.dispose()
    out = rows.loc[:, list(HISTORY_COLUMNS)].copy()
    out["treated"] = out["treated"].astype(int)
    out["took_card"] = out["took_card"].astype(int)
    return out.reset_index(drop=True)


def training_history(data_dir: Path, months: list[str], settings: Settings) -> TrainingHistory:
    """The store's history when it holds any for ``months``, else the campaign files'."""
    stored = stored_history(settings, months)
    if not stored.empty:
        canonical = stored.sort_values(["month", "user_id"], kind="stable").to_csv(index=False)
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        return TrainingHistory(stored, "store", f"store:{digest}")
    files = campaign_history(data_dir, months)
    checksum = history_checksum(data_dir)
    return TrainingHistory(files, "files" if checksum else "none", checksum)


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
        "held_out_qini": model.qini_scores_, "held_out_qini_folds": model.qini_folds_,
        "held_out": model.held_out_, "qini_gap_se": model.qini_gap_se_,
    }  # fmt: skip
    if model.learner_ == FALLBACK:
        section["reason"] = model.fallback_reason_
        return None, section
    default = sorted(model.qini_scores_, key=PREFERENCE.index)[0]
    section["reason"] = (
        f"the default learner ({default})"
        if model.learner_ == default
        else f"beat the default learner ({default}) by more than one standard error"
    ) + f" on mean held-out Qini over {len(model.held_out_)} held-out fold(s)"
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
