"""`prospect validate` and `prospect run`: 0/1/2 are the gate's outcome, operational failures
have codes of their own, one line, no traceback, and nothing is left changed."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner


def _write(frame, settings, name):
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    path = settings.landing_dir / name
    frame.to_parquet(path, index=False)
    return path


def _invoke(*args):
    from prospect.cli import app

    return CliRunner().invoke(app, list(args))


def _one_line_error(result) -> str:
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def test_an_unreadable_reference_exits_5_and_judges_nothing(months, settings, tmp_path):
    path = _write(months[1], settings, "batch.parquet")
    bad = tmp_path / "ref.csv"
    bad.write_bytes(b"user_id,month\nU1,2026-09")  # cut short: no line end
    result = _invoke("validate", str(path), "--reference", str(bad))
    assert result.exit_code == 5, result.output
    assert "reference month unreadable" in _one_line_error(result)
    assert path.exists() and not (settings.reports_dir / "data_quality").exists()


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        (OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked")), 6,
         "database unavailable or locked: database is locked"),
        (OSError(errno.ENOSPC, "No space left on device"), 7, "No space left on device"),
        (PermissionError(errno.EACCES, "Permission denied", "/data/reports"), 8,
         "Permission denied (/data/reports)"),
    ],
)  # fmt: skip
def test_operational_failures_exit_with_their_own_code_and_leave_state_unchanged(
    error, code, words, months, settings, monkeypatch
):
    from prospect.store import DQReport, make_engine, session_scope

    bad = months[1].copy()
    bad.loc[bad.index[:100], "age"] = 250.0  # would be quarantined (moved) if judged
    path = _write(bad, settings, "batch.parquet")

    def broken(*args, **kwargs):
        if len(args) > 1:  # write_report(result, out_dir): half a report, then the failure
            args[1].mkdir(parents=True, exist_ok=True)
            (args[1] / "summary.json").write_text("{")
        raise error

    target = "prospect.quality.require_schema" if code == 6 else "prospect.quality.write_report"
    monkeypatch.setattr(target, broken)
    result = _invoke("validate", str(path))
    assert result.exit_code == code, result.output
    assert words in _one_line_error(result)
    assert path.exists() and not settings.quarantine_dir.exists()
    if code != 6:
        with session_scope(make_engine(settings.db_url)) as session:
            assert session.query(DQReport).count() == 0
        assert not any((settings.reports_dir / "data_quality").glob("*/*"))


def test_a_missing_batch_file_is_bad_input_not_a_quarantine(settings, tmp_path):
    result = _invoke("validate", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2  # the gate's read error quarantines what cannot be read
    result = _invoke("validate", str(tmp_path / "nope.csv"), "--spec", "no_such_spec")
    assert result.exit_code == 4 and "unknown spec 'no_such_spec'" in _one_line_error(result)


def test_a_truncated_gzip_is_quarantined_with_a_report_not_aborted(months, settings):
    import gzip

    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    path = settings.landing_dir / "batch.csv.gz"
    data = gzip.compress(months[1].to_csv(index=False).encode("utf-8"))
    path.write_bytes(data[: len(data) // 2])
    result = _invoke("validate", str(path))
    assert result.exit_code == 2, result.output
    assert "gzip stream is corrupt or cut short" in result.output
    assert "Aborted" not in result.output and not path.exists()
    assert any((settings.reports_dir / "data_quality").glob("*/report.html"))


def test_run_exits_4_for_a_month_without_a_batch(settings):
    result = _invoke("run", "--month", "2031-01", "--inline")
    assert result.exit_code == 4, result.output
    assert "no batch for 2031-01 in the landing folder" in _one_line_error(result)
