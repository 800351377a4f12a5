"""A generated world's cardholders made ready for the monthly run: months written with risk
trajectories, card issues registered, earlier months' panel kept, the model fitted.

Used by ``prospect demo`` and by tests; the card issue date is the first day of the month the
subscriber took the card.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from prospect.alerts.training import spec_indicators, train_early_warning
from prospect.pipeline.alerts import panel_path
from prospect.pipeline.plan import write_parquet_atomic
from prospect.settings import Settings
from prospect.store import make_engine, session_scope
from prospect.store.cardholders import register_cardholders
from prospect.synth.trajectories import generate_cardholder_months
from prospect.synth.uplift import LegacyPolicy, generate_campaign_months
from prospect.synth.writer import write_month


def write_world(
    out_dir: Path, users: int, months: int, *, seed: int, end_month: str,
    campaigns: LegacyPolicy | None = None,
) -> tuple[list[Path], pd.DataFrame]:  # fmt: skip
    """Write the months (with trajectories) as Parquet; returns the paths and the cardholder
    panel (every cardholder-month row with its events). With a ``campaigns`` policy the months
    have organic take-up and that legacy campaign, whose contacts go to ``campaigns/``."""
    paths, rows = [], []
    source = None if campaigns is None else generate_campaign_months(
        users, months, seed=seed, end_month=end_month, policy=campaigns)  # fmt: skip
    for month, events in generate_cardholder_months(
        users,
        months,
        seed=seed,
        end_month=end_month,
        months=source,  # type: ignore[arg-type]
    ):
        paths.append(write_month(month, out_dir))
        keep = month.frame[month.frame["user_id"].isin(events["user_id"])]
        rows.append(keep.merge(events, on=["user_id", "month"], validate="one_to_one"))
    return paths, pd.concat(rows, ignore_index=True)


def prepare_cardholders(
    settings: Settings, panel: pd.DataFrame, run_month: str, *, watch_months: int
) -> int:
    """Register the panel's cardholders issued before ``run_month`` and keep their earlier
    months as the run's history; returns how many cardholders were registered."""
    before = panel[panel["month"] < run_month]
    issued = before.drop_duplicates("user_id")[["user_id", "issued_month"]]
    issues = [(u, date.fromisoformat(f"{m}-01")) for u, m in issued.itertuples(index=False)]
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            register_cardholders(session, issues, watch_months=watch_months, actor="demo")
    finally:
        engine.dispose()
    columns = ["user_id", "month", *spec_indicators()]
    for month, rows in before.groupby("month"):
        write_parquet_atomic(
            rows[columns].assign(pd=float("nan")), panel_path(settings, str(month))
        )
    return len(issues)


def train_on_world(
    settings: Settings, *, users: int, months: int, seed: int, end_month: str
) -> int:
    """Fit and save the early-warning model on a generated world of its own (``months``
    months ending at ``end_month``, a different seed from the demo's): a few months of one
    world hold too few defaults with a known outcome. Returns the training rows."""
    rows = []
    for month, events in generate_cardholder_months(users, months, seed=seed, end_month=end_month):
        keep = month.frame[month.frame["user_id"].isin(events["user_id"])]
        rows.append(keep.merge(events[["user_id", "month", "defaulted_now"]],
                               on=["user_id", "month"], validate="one_to_one"))  # fmt: skip
    panel = pd.concat(rows, ignore_index=True)
    columns = ["user_id", "month", *spec_indicators(), "defaulted_now"]
    model = train_early_warning(settings, panel[columns], default_column="defaulted_now",
                                seed=seed, source=f"generated world, seed {seed}")  # fmt: skip
    return int(model.n_training_rows_)
