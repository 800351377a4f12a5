"""Database upgrades happen at the entry points only: the CLI commands that open the database,
the API at start (the worker at start: tests/worker). Library reads check the schema and, when
it is behind, fail with one line naming ``prospect db upgrade`` without migrating anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from prospect.cli import app as cli
from prospect.store import make_engine, upgrade
from prospect.store.db import current_revision
from prospect.store.exceptions import SchemaNotCurrentError

SPEC = "subscriber_5g"


def _head() -> str:
    from alembic.script import ScriptDirectory

    from prospect.store.db import alembic_config

    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def _library_reads(settings, batch: Path) -> dict:
    from prospect import registry
    from prospect.pipeline import find_new_batch, prepare_run
    from prospect.quality import gate_batch
    from prospect.spec import load_spec
    from prospect.targeting import load_campaign_config

    return {
        "registry": lambda: registry.list_versions(settings),
        "landing": lambda: find_new_batch(settings),
        "plan": lambda: prepare_run(
            batch, "2026-10", load_campaign_config(), "v1", settings=settings
        ),  # fmt: skip
        "gate": lambda: gate_batch(batch, load_spec(SPEC), settings=settings),
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    from prospect.synth import write_months

    return write_months(tmp_path_factory.mktemp("in"), 300, 1, seed=5, end_month="2026-10")[0]


@pytest.mark.parametrize("read", ["registry", "landing", "plan", "gate"])
def test_a_library_read_on_a_database_without_schema_names_the_command_and_creates_nothing(
    bare_settings, batch, read
):
    database = bare_settings.data_dir / "prospect.db"
    with pytest.raises(SchemaNotCurrentError) as caught:
        _library_reads(bare_settings, batch)[read]()
    message = str(caught.value)
    assert "\n" not in message and "has no schema yet: run `prospect db upgrade`" in message
    assert not database.exists() and batch.is_file()  # nothing migrated, nothing quarantined


@pytest.mark.parametrize("read", ["registry", "landing", "plan", "gate"])
def test_a_library_read_on_an_older_schema_fails_and_leaves_it_as_it_was(
    bare_settings, batch, read
):
    url = bare_settings.db_url
    upgrade(url, "0003")
    with pytest.raises(SchemaNotCurrentError, match=rf"at revision 0003, not {_head()}: run "
                       r"`prospect db upgrade`"):  # fmt: skip
        _library_reads(bare_settings, batch)[read]()
    assert current_revision(url) == "0003"


@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["runs"], ["models"], ["alerts", "list"], ["keys", "list"]]
)
def test_commands_that_open_the_database_bring_a_fresh_one_to_the_latest_schema(
    bare_settings, command
):
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output
    assert current_revision(bare_settings.db_url) == _head()


def test_validate_on_a_fresh_data_folder_upgrades_then_gates(bare_settings, batch):
    result = CliRunner().invoke(cli, ["validate", str(batch), "--spec", SPEC, "--month", "2026-10"])
    assert result.exit_code in (0, 1), result.output  # pass or warn: the gate ran and recorded
    assert current_revision(bare_settings.db_url) == _head()


def test_a_database_newer_than_the_code_is_one_line_and_exit_code_6(bare_settings):
    url = bare_settings.db_url
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    result = CliRunner().invoke(cli, ["runs"])
    assert result.exit_code == 6
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: the database ") and "at revision 9999, which this " in line
    assert "Traceback" not in result.output


def test_the_api_brings_a_fresh_database_to_the_latest_schema_when_it_starts(bare_settings):
    from fastapi.testclient import TestClient

    from api.main import create_app

    assert not (bare_settings.data_dir / "prospect.db").exists()
    with TestClient(create_app(bare_settings)):  # runs the start-up
        assert current_revision(bare_settings.db_url) == _head()
    assert current_revision(bare_settings.db_url) == _head()
