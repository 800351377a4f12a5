"""A model bundle on disk: ``bundle.joblib`` beside a ``manifest.json`` that vouches for it.

The manifest records the libraries that wrote the pickle and its SHA-256; loading refuses a
bundle whose bytes changed (a pickle runs code when loaded) and warns when the installed
libraries differ from the ones that fitted it.
"""

from __future__ import annotations

import json
import logging
import warnings
from importlib import import_module
from pathlib import Path
from typing import Any

import joblib
import yaml

from prospect.io import file_checksum
from prospect.spec import BUNDLE_SPEC_FILE, DatasetSpec
from prospect.training.bundle import ModelBundle
from prospect.training.exceptions import (
    BundleIntegrityError,
    BundleNotFoundError,
    LibraryVersionWarning,
)
from risk import StabilityProfile

logger = logging.getLogger(__name__)

BUNDLE_FILE = "bundle.joblib"
MANIFEST_FILE = "manifest.json"
PROFILE_FILE = "stability_profile.json"
SPEC_FILE = BUNDLE_SPEC_FILE  # the spec as trained on, readable without unpickling
# distribution name -> module carrying __version__ (xgboost ships as xgboost or xgboost-cpu)
LIBRARIES = {
    "scikit-learn": "sklearn", "xgboost": "xgboost", "kmodes": "kmodes",
    "imbalanced-learn": "imblearn", "pandas": "pandas", "numpy": "numpy",
}  # fmt: skip


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries whose objects are pickled in a bundle."""
    return {name: str(import_module(module).__version__) for name, module in LIBRARIES.items()}


def write_bundle(directory: Path, bundle: ModelBundle, spec_text: str, manifest: dict) -> Path:
    """Pickle the fitted parts into ``directory`` and write the manifest with their checksum."""
    directory.mkdir(parents=True, exist_ok=True)
    payload = {
        "segmenter": bundle.segmenter, "propensity": bundle.propensity,
        "scorecard": bundle.scorecard, "spec_name": bundle.spec.name, "spec_yaml": spec_text,
        "uplift": bundle.uplift,
    }  # fmt: skip
    joblib.dump(payload, directory / BUNDLE_FILE, compress=3)
    (directory / SPEC_FILE).write_text(spec_text, encoding="utf-8")
    manifest = {**manifest, "libraries": library_versions(),
                "bundle_sha256": file_checksum(directory / BUNDLE_FILE),
                "spec_sha256": file_checksum(directory / SPEC_FILE)}  # fmt: skip
    if bundle.stability_profile is not None:
        write_json(directory / PROFILE_FILE, bundle.stability_profile.to_dict())
        manifest["stability_profile_sha256"] = file_checksum(directory / PROFILE_FILE)
    write_json(directory / MANIFEST_FILE, manifest)
    return directory


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2, default=str, allow_nan=False), encoding="utf-8")
    return path


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of the bundle in ``directory``; BundleNotFoundError when there is none."""
    path = Path(directory) / MANIFEST_FILE
    if not path.is_file():
        raise BundleNotFoundError(f"no model bundle in {directory} ({MANIFEST_FILE} missing).")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_bundle_dir(directory: Path, *, expected_sha256: str | None = None) -> ModelBundle:
    """Verify and load the bundle in ``directory``.

    Raises
    ------
    BundleIntegrityError
        ``bundle.joblib`` does not match the manifest's (or ``expected_sha256``) checksum.
    """
    manifest = read_manifest(directory)
    version = str(manifest.get("version", Path(directory).name))
    actual = file_checksum(Path(directory) / BUNDLE_FILE)
    for source, wanted in (("manifest", manifest.get("bundle_sha256")),
                           ("registry", expected_sha256)):  # fmt: skip
        if wanted is not None and wanted != actual:
            raise BundleIntegrityError(
                f"model bundle {version} refused: {BUNDLE_FILE} has SHA-256 {actual[:12]}... but "
                f"the {source} recorded {str(wanted)[:12]}...; the file was changed or corrupted."
            )
    warn_library_versions(version, manifest.get("libraries", {}))
    profile = read_profile(directory, manifest)
    payload = joblib.load(Path(directory) / BUNDLE_FILE)
    spec = DatasetSpec.model_validate(yaml.safe_load(payload["spec_yaml"]))
    return ModelBundle(version, spec, payload["segmenter"], payload["propensity"],
                       payload["scorecard"], manifest, profile,
                       uplift=payload.get("uplift"))  # fmt: skip


def read_profile(directory: Path, manifest: dict[str, Any]) -> StabilityProfile | None:
    """The bundle's stability profile, checked against the manifest; None for a bundle written
    before profiles existed (its runs then have no stability report)."""
    wanted = manifest.get("stability_profile_sha256")
    if wanted is None:
        logger.info("model bundle %s has no stability profile; its runs get no stability "
                    "report", manifest.get("version"))  # fmt: skip
        return None
    path = Path(directory) / PROFILE_FILE
    if not path.is_file() or file_checksum(path) != wanted:
        raise BundleIntegrityError(
            f"model bundle {manifest.get('version')} refused: {PROFILE_FILE} is missing or does "
            "not match the SHA-256 its manifest recorded."
        )
    return StabilityProfile.from_dict(json.loads(path.read_text(encoding="utf-8")))


def warn_library_versions(version: str, recorded: dict[str, str]) -> list[str]:
    """Warn once per library whose installed version differs from the bundle's; return them."""
    installed = library_versions()
    differing = [name for name, v in recorded.items() if name in installed and installed[name] != v]
    for name in differing:
        warnings.warn(
            f"model bundle {version} was written with {name} {recorded[name]} but {name} "
            f"{installed[name]} is installed; its predictions may differ or loading may fail. "
            "Retrain the bundle with the installed libraries.",
            LibraryVersionWarning,
            stacklevel=3,
        )
    return differing
