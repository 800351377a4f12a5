"""Fit the early-warning model on a long panel file and save it where the monthly run finds it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from prospect.alerts.model_store import save_model
from prospect.exceptions import DataReadError
from prospect.settings import Settings
from prospect.spec import load_spec
from risk.early_warning import EarlyWarningModel


def spec_indicators(spec_name: str = "subscriber_5g") -> list[str]:
    """The spec's numeric and yes/no feature columns: what the model watches by default."""
    spec = load_spec(spec_name)
    return [c.name for c in spec.columns if c.role in ("numeric", "boolean") and c.feature]


def read_panel(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    try:
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise DataReadError(f"cannot read panel {path}: {exc}") from exc


def train_early_warning(
    settings: Settings, panel: pd.DataFrame, *, default_column: str, horizon: int = 3,
    indicators: list[str] | None = None, seed: int = 0, source: str = "",
) -> EarlyWarningModel:  # fmt: skip
    """Fit on ``panel`` (``user_id``, ``month``, indicators, 0/1 ``default_column``) and save."""
    chosen = indicators or [c for c in spec_indicators() if c in panel.columns]
    words = {c.name: c.readable for c in load_spec("subscriber_5g").columns}  # as the scorecard
    model = EarlyWarningModel(id_column="user_id", month_column="month", indicators=chosen,
                              default_column=default_column, horizon=horizon,
                              random_state=seed, indicator_labels=words)  # fmt: skip
    model.fit(panel)
    save_model(settings, model, {"source": source, "rows": len(panel), "horizon": horizon,
                                 "training_rows": model.n_training_rows_,
                                 "indicators": chosen})  # fmt: skip
    return model
