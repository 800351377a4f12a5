"""The fitted early-warning model on disk: a joblib file beside a manifest with its SHA-256 and
the library versions that wrote it (a pickle runs code when loaded, so changed bytes are
refused)."""

from __future__ import annotations

from pathlib import Path

import joblib

from prospect.io.checksum import file_checksum
from prospect.settings import Settings
from prospect.training.exceptions import BundleIntegrityError
from prospect.training.storage import (
    library_versions,
    read_manifest,
    warn_library_versions,
    write_json,
)
from risk.early_warning import EarlyWarningModel

MODEL_FILE = "early_warning.joblib"


def model_dir(settings: Settings) -> Path:
    return settings.models_dir / "early_warning"


def save_model(settings: Settings, model: EarlyWarningModel, info: dict) -> Path:
    """Write the fitted model and its manifest (``info`` plus checksum and versions)."""
    directory = model_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, directory / MODEL_FILE, compress=3)
    manifest = {**info, "libraries": library_versions(),
                "sha256": file_checksum(directory / MODEL_FILE)}  # fmt: skip
    write_json(directory / "manifest.json", manifest)
    return directory


def load_model(settings: Settings) -> EarlyWarningModel | None:
    """The saved model, or None when none was trained (the run then applies the rules alone)."""
    directory = model_dir(settings)
    if not (directory / MODEL_FILE).is_file():
        return None
    manifest = read_manifest(directory)
    actual = file_checksum(directory / MODEL_FILE)
    if manifest.get("sha256") != actual:
        raise BundleIntegrityError(
            f"early-warning model refused: {directory / MODEL_FILE} has SHA-256 "
            f"{actual[:12]}... but its manifest differs."
        )
    warn_library_versions("early_warning", manifest.get("libraries", {}))
    model = joblib.load(directory / MODEL_FILE)
    if not isinstance(model, EarlyWarningModel):
        raise BundleIntegrityError(f"{directory / MODEL_FILE} holds no EarlyWarningModel.")
    return model
