"""``prospect users``, ``prospect keys`` and ``prospect db`` against the settings' database."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from prospect.cli import app
from prospect.store import authenticate_api_key, make_engine, session_scope, verify_password

runner = CliRunner()
KEY = re.compile(r"psk_[0-9a-f]{8}_\S+")


def _invoke(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_db_upgrade_creates_the_database_file(bare_settings):
    assert not (bare_settings.data_dir / "prospect.db").exists()
    result = _invoke("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert (bare_settings.data_dir / "prospect.db").exists()
    assert "up to date" in result.stdout


def test_users_create_reads_the_password_from_stdin(settings):
    result = _invoke(
        "users", "create", "rita", "--role", "reviewer", "--password-stdin", stdin="pa55-word!\n"
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        assert verify_password(session, "rita", "pa55-word!").role == "reviewer"
    engine.dispose()
    again = _invoke(
        "users", "create", "rita", "--role", "viewer", "--password-stdin", stdin="x" * 9
    )
    assert again.exit_code == 2 and "user 'rita' already exists" in again.stderr


def test_keys_create_prints_the_key_once_then_list_and_revoke(settings):
    created = _invoke("keys", "create", "--role", "viewer", "--name", "crm-sync", "--pii")
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]  # log lines (stdout handler) may precede it
    assert KEY.fullmatch(key) and created.stdout.count("psk_") == 1
    assert "cannot be shown again" in created.stderr
    listed = _invoke("keys", "list")
    assert "crm-sync" in listed.stdout and key.split("_")[1] in listed.stdout
    assert key.split("_", 2)[2][:12] not in listed.stdout
    assert _invoke("keys", "revoke", "1").exit_code == 0
    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        assert authenticate_api_key(session, key) is None
    engine.dispose()
    missing = _invoke("keys", "revoke", "42")
    assert missing.exit_code == 2 and "no API key with id 42" in missing.stderr


def test_bad_role_is_refused_with_the_allowed_roles(settings):
    result = _invoke("keys", "create", "--role", "root", "--name", "x")
    assert result.exit_code == 2
    assert "role must be one of 'viewer', 'reviewer', 'admin'; got 'root'." in result.stderr
