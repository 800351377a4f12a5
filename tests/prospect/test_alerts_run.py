"""Alerts in the monthly run (inline): the generated world's cardholders are scored with the
early-warning model and the rules, alerts are raised once per cardholder and cause across
months and re-runs, and with a bank webhook configured each new alert gets a signed delivery."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from prospect.store import make_engine, session_scope

USERS, MONTHS, END = 4000, 9, "2026-10"


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory):
    from tests.worker.helpers import train_small_bundle

    return train_small_bundle(tmp_path_factory.mktemp("bundle"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from prospect.alerts.world import write_world

    return write_world(tmp_path_factory.mktemp("world"), USERS, MONTHS, seed=4, end_month=END)


def alerts_frame(settings) -> pd.DataFrame:
    engine = make_engine(settings.db_url)
    frame = pd.read_sql("SELECT id, user_id, cause, status, month, run_id, pd, reasons FROM alerts",
                        engine)  # fmt: skip
    engine.dispose()
    return frame


def test_two_months_raise_each_open_cause_once_with_model_reasons(settings, small_bundle, world,
                                                                    monkeypatch):  # fmt: skip
    from prospect.alerts.world import prepare_cardholders, train_on_world
    from prospect.pipeline import run_month
    from prospect.pipeline.alerts import panel_path
    from prospect.settings import get_settings
    from prospect.store.models import WebhookDelivery
    from tests.worker.helpers import install_bundle

    monkeypatch.setenv("PROSPECT_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    monkeypatch.setenv("PROSPECT_WEBHOOK_SECRET", "s3cret")
    get_settings.cache_clear()
    settings = get_settings()
    install_bundle(small_bundle, settings)
    paths, panel = world
    n = prepare_cardholders(settings, panel, paths[-2].stem[-7:], watch_months=12)
    train_on_world(settings, users=4000, months=14, seed=9, end_month="2025-12")
    assert n > 100
    first = run_month(paths[-2], paths[-2].stem[-7:], settings=settings)
    assert first.state.status == "draft"
    after_first = alerts_frame(settings)
    assert len(after_first) > 0 and set(after_first["month"]) == {"2026-09"}
    assert after_first["reasons"].map(len).gt(0).any()  # the model's reasons, scorecard words
    assert after_first["pd"].notna().all()
    assert panel_path(settings, "2026-09").is_file()

    second = run_month(paths[-1], "2026-10", settings=settings)
    assert second.state.status == "draft"
    again = run_month(paths[-1], "2026-10", settings=settings)  # the same run: nothing new
    assert again.state.run_id == second.state.run_id
    alerts = alerts_frame(settings)
    open_alerts = alerts[alerts["status"] != "closed"]
    assert not open_alerts.duplicated(["user_id", "cause"]).any()
    assert (alerts["month"] == "2026-10").any()
    # A cause still present in October was raised in September and not again.
    repeat = alerts.groupby(["user_id", "cause"]).size()
    assert (repeat == 1).all()
    engine = make_engine(settings.db_url)
    with session_scope(engine) as s:
        deliveries = s.scalar(select(func.count()).select_from(WebhookDelivery))
    engine.dispose()
    assert deliveries == len(alerts)


def test_without_cardholders_the_run_raises_nothing(settings, small_bundle, world):
    from prospect.pipeline import run_month
    from tests.worker.helpers import install_bundle

    install_bundle(small_bundle, settings)
    paths, _ = world
    result = run_month(paths[-1], "2026-10", settings=settings)
    assert result.state.status == "draft" and alerts_frame(settings).empty
