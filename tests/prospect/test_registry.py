"""Registry: bundles recorded in the store, promotion, integrity and library-version checks."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from prospect import registry
from prospect.cli import app
from prospect.cli.app import EXIT_BAD_INPUT
from prospect.settings import Settings
from prospect.spec import load_spec
from prospect.startup import prepare_database
from prospect.synth import write_months
from prospect.training import (
    BundleIntegrityError,
    BundleNotFoundError,
    LibraryVersionWarning,
    ModelBundle,
    NoActiveModelError,
    TrainingConfig,
    bundle_version,
    train,
)
from prospect.training.data import load_training_data
from prospect.training.flow import spec_text

FAST = TrainingConfig(
    seed=1, n_folds=1, segment_sample=1_000, n_personas=3, calibration_cv=2,
    xgb_params={"n_estimators": 20},
)  # fmt: skip


@pytest.fixture(scope="module")
def months_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("months")
    write_months(out, 1_500, 2, seed=5, end_month="2026-10")
    return out


@pytest.fixture(scope="module")
def trained_dir(months_dir, tmp_path_factory):
    settings = prepare_database(
        Settings(data_dir=tmp_path_factory.mktemp("var"), environment="test")
    )
    return train(months_dir, config=FAST, settings=settings).directory


def _install(settings: Settings, source, version: str):
    """Copy a trained bundle into ``settings.models_dir`` as ``version`` and register it."""
    target = settings.models_dir / version
    shutil.copytree(source, target)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["version"] = version
    (target / "manifest.json").write_text(json.dumps(manifest))
    assert registry.register(settings, target)
    return target


def _edit_manifest(directory, **changes):
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text())
    for key, value in changes.items():
        if isinstance(value, dict):
            manifest[key] = {**manifest[key], **value}
        else:
            manifest[key] = value
    path.write_text(json.dumps(manifest))


def test_promote_makes_exactly_one_version_active(settings, trained_dir):
    _install(settings, trained_dir, "m-a")
    _install(settings, trained_dir, "m-b")
    with pytest.raises(NoActiveModelError):
        registry.active_version(settings)
    registry.promote("m-a", settings)
    registry.promote("m-b", settings)
    active = {r["version"]: r["is_active"] for r in registry.list_versions(settings)}
    assert active == {"m-a": False, "m-b": True}
    assert registry.active_version(settings) == "m-b"
    bundle = registry.load_active_bundle(settings)
    assert isinstance(bundle, ModelBundle) and bundle.version == "m-b"


def test_no_active_model_is_a_lookup_error_naming_the_fix(settings):
    with pytest.raises(LookupError, match="prospect promote"):
        registry.load_active_bundle(settings)


def test_register_twice_records_once(settings, trained_dir):
    target = _install(settings, trained_dir, "m-a")
    assert registry.register(settings, target) is False
    assert [r["version"] for r in registry.list_versions(settings)] == ["m-a"]


def test_unknown_version_names_the_registered_ones(settings, trained_dir):
    _install(settings, trained_dir, "m-a")
    with pytest.raises(BundleNotFoundError, match=r"'m-zz'; registered: \['m-a'\]"):
        registry.promote("m-zz", settings)


def test_other_library_version_warns_with_names_and_versions(settings, trained_dir):
    target = _install(settings, trained_dir, "m-a")
    _edit_manifest(target, libraries={"pandas": "0.0.1"})
    with pytest.warns(LibraryVersionWarning, match=r"m-a was written with pandas 0\.0\.1 but "
                      r"pandas 2\.\d+\.\d+ is installed"):  # fmt: skip
        bundle = registry.load_bundle(settings, "m-a")
    assert bundle.version == "m-a"


def test_tampered_bundle_is_refused_and_not_promoted(settings, trained_dir):
    target = _install(settings, trained_dir, "m-a")
    with open(target / "bundle.joblib", "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(BundleIntegrityError, match="m-a refused: bundle.joblib has SHA-256"):
        registry.load_bundle(settings, "m-a")
    with pytest.raises(BundleIntegrityError):
        registry.promote("m-a", settings)
    assert not registry.list_versions(settings)[0]["is_active"]


def test_rewritten_manifest_checksum_is_caught_by_the_registry(settings, trained_dir):
    target = _install(settings, trained_dir, "m-a")
    with open(target / "bundle.joblib", "ab") as handle:
        handle.write(b"\0")
    _edit_manifest(target, bundle_sha256="0" * 64)
    with pytest.raises(BundleIntegrityError, match="manifest recorded"):
        registry.load_bundle(settings, "m-a")


def test_cli_models_and_promote(settings, trained_dir):
    _install(settings, trained_dir, "m-a")
    runner = CliRunner()
    promoted = runner.invoke(app, ["promote", "m-a"])
    assert promoted.exit_code == 0 and "promoted m-a" in promoted.output
    listed = runner.invoke(app, ["models"])
    assert listed.exit_code == 0
    row = next(line for line in listed.output.splitlines() if "m-a" in line)
    assert "*" in row
    missing = runner.invoke(app, ["promote", "m-zz"])
    assert missing.exit_code == EXIT_BAD_INPUT
    assert "no registered model version 'm-zz'" in missing.output


def test_cli_train_on_inputs_already_trained_does_nothing(settings, trained_dir, months_dir):
    spec = load_spec("subscriber_5g")
    data = load_training_data(months_dir, spec)
    config = TrainingConfig(n_folds=1).resolved(spec)  # what train() hashes: labels from the spec
    version = bundle_version(config, data.checksum, spec_text(spec), data.test_month)
    _install(settings, trained_dir, version)
    args = ["train", "--data", str(months_dir), "--folds", "1", "--promote"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"model bundle {version} already exists" in result.output
    assert "nothing trained" in result.output and f"promoted {version}" in result.output
    assert registry.active_version(settings) == version


def test_cli_train_refuses_a_single_month(settings, tmp_path):
    write_months(tmp_path, 100, 1, seed=0)
    result = CliRunner().invoke(app, ["train", "--data", str(tmp_path)])
    assert result.exit_code == EXIT_BAD_INPUT and "at least two" in result.output


def test_promotion_is_audited_with_who_and_what_it_replaced(settings, trained_dir):
    from prospect.store import AuditEvent, make_engine, session_scope

    _install(settings, trained_dir, "m-a")
    _install(settings, trained_dir, "m-b")
    registry.promote("m-a", settings, actor="cli:ana")
    registry.promote("m-b", settings, actor="cli:bo")
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            rows = session.query(AuditEvent).filter(AuditEvent.action == "model.promoted").all()
            seen = [(e.actor, e.entity_id, e.detail["previous"]) for e in rows]
    finally:
        engine.dispose()
    assert seen == [("cli:ana", "m-a", None), ("cli:bo", "m-b", "m-a")]
