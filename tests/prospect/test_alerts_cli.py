"""``prospect cardholders`` and ``prospect alerts``: card-issue files read with errors naming
the line, exit codes automation can trust, and the saved model refused when its bytes change."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from prospect.cardholders import read_card_issues
from prospect.exceptions import DataReadError


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("user_id\nu1\n", r"lacks column\(s\) \['issued_on'\]"),
        ("user_id,issued_on\nu1,2026-01-05\nu2,05/01/2026\n", "line 3: issued_on '05/01/2026'"),
        ("user_id,issued_on\n,2026-01-05\n", "line 2: user_id is empty"),
        ("user_id,issued_on\nu1,2026-01-05\nu1,2026-02-05\n", "user_id 'u1' is listed twice"),
        ("user_id,issued_on,took_card\nu1,2026-01-05,yes\n", "line 2: took_card must be 0 or 1"),
    ],
)
def test_bad_card_issue_files_name_the_line_and_column(tmp_path, text, match):
    path = tmp_path / "issues.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataReadError, match=match):
        read_card_issues(path)


def test_rows_that_did_not_take_the_card_are_skipped(tmp_path):
    path = tmp_path / "issues.csv"
    path.write_text("user_id,issued_on,took_card\nu1,2026-01-05,1\nu2,2026-01-06,0\n", "utf-8")
    assert read_card_issues(path) == [("u1", date(2026, 1, 5))]


def test_cli_registers_then_fails_with_exit_2_and_writes_nothing_on_a_bad_file(settings, tmp_path):
    from prospect.cli import app
    from prospect.store import make_engine, session_scope
    from prospect.store.cardholders import watched_on

    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("user_id,issued_on\nu1,2026-01-05\nu2,2026-02-01\n", encoding="utf-8")
    bad.write_text("user_id,issued_on\nu3,2026-01-05\nu4,not-a-date\n", encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(app, ["cardholders", str(good), "--watch-months", "6"])
    assert ok.exit_code == 0 and "registered 2 cardholders, each watched 6 months" in ok.output
    failed = runner.invoke(app, ["cardholders", str(bad)])
    assert failed.exit_code == 2 and "line 3" in failed.output
    unknown = runner.invoke(app, ["cardholders", str(good), "--campaign", "42"])
    assert unknown.exit_code == 2 and "no campaign with id 42" in unknown.output
    engine = make_engine(settings.db_url)
    with session_scope(engine) as s:
        assert sorted(watched_on(s, date(2026, 3, 1))) == ["u1", "u2"]
    engine.dispose()
    listed = runner.invoke(app, ["alerts", "list"])
    assert listed.exit_code == 0 and "0 alerts match" in listed.output


def test_a_saved_model_with_changed_bytes_is_refused(settings):
    from prospect.alerts.model_store import MODEL_FILE, load_model, model_dir, save_model
    from prospect.training.exceptions import BundleIntegrityError
    from risk.early_warning import EarlyWarningModel

    assert load_model(settings) is None
    rng = np.random.default_rng(0)
    panel = pd.DataFrame({"id": np.repeat([f"a{i}" for i in range(200)], 6),
                          "month": np.tile(np.arange(6), 200),
                          "x": rng.normal(size=1200)})  # fmt: skip
    panel["d"] = ((panel["month"] == 4) & (panel["x"] > 1.0)).astype(float)
    model = EarlyWarningModel(default_column="d", indicators=["x"]).fit(panel)
    save_model(settings, model, {"source": "test"})
    assert isinstance(load_model(settings), EarlyWarningModel)
    path = model_dir(settings) / MODEL_FILE
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(BundleIntegrityError, match="refused"):
        load_model(settings)
