"""The model registry: bundles under ``models_dir/<version>/`` recorded in ``model_versions``.

A bundle is used for scoring only once promoted; exactly one version is active at a time.
The pipeline calls :func:`active_version` and :func:`load_bundle` (or
:func:`load_active_bundle`) and then ``bundle.score(frame)`` per partition.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from prospect.settings import Settings, get_settings
from prospect.store import ModelVersion, make_engine, record_audit, session_scope
from prospect.store.audit import MODEL_ENTITY
from prospect.store.db import require_schema
from prospect.store.types import utcnow
from prospect.training.bundle import ModelBundle
from prospect.training.exceptions import (
    BundleNotFoundError,
    LibraryVersionWarning,
    NoActiveModelError,
)
from prospect.training.storage import load_bundle_dir, read_manifest

logger = logging.getLogger(__name__)

__all__ = [
    "LibraryVersionWarning", "ModelBundle", "active_version", "bundle_dir", "list_versions",
    "load_active_bundle", "load_bundle", "promote", "register",
]  # fmt: skip


def _engine(settings: Settings) -> Engine:
    require_schema(settings.db_url)
    return make_engine(settings.db_url)


def bundle_dir(settings: Settings, version: str) -> Path:
    """The folder of ``version`` under ``settings.models_dir``."""
    return settings.models_dir / version


def register(settings: Settings, directory: Path) -> bool:
    """Record the bundle in ``directory`` in ``model_versions``; False if it was already there."""
    manifest = read_manifest(directory)
    engine = _engine(settings)
    try:
        with session_scope(engine, immediate=True) as session:
            if session.get(ModelVersion, manifest["version"]) is not None:
                return False
            session.add(ModelVersion(
                version=manifest["version"], path=str(Path(directory).resolve()),
                checksum=manifest["bundle_sha256"], metrics=manifest.get("metrics", {}),
            ))  # fmt: skip
    finally:
        engine.dispose()
    logger.info("registered model bundle %s", manifest["version"])
    return True


def promote(
    version: str, settings: Settings | None = None, *, actor: str = "system"
) -> dict[str, Any]:
    """Make ``version`` the bundle used for scoring; every other version is deactivated.

    The bundle is verified (checksum) before it becomes active, so a tampered bundle is never
    promoted. The change is audited as ``model.promoted`` by ``actor``, with the version it
    replaced, in the same transaction. Returns the promoted version's registry row as a dict.
    A scorecard-only bundle (no demand label) is refused with ScorecardOnlyError: it selects no
    list, so a monthly run could never score with it.
    """
    settings = settings or get_settings()
    row = _row(settings, version)
    bundle = load_bundle_dir(Path(row["path"]), expected_sha256=row["checksum"])
    bundle.prospect_models()  # raises ScorecardOnlyError for a scorecard only
    engine = _engine(settings)
    try:
        with session_scope(engine, immediate=True) as session:
            was = session.scalar(select(ModelVersion.version).where(ModelVersion.is_active))
            session.execute(update(ModelVersion).values(is_active=False))
            target = session.get(ModelVersion, version)
            target.is_active, target.promoted_at = True, utcnow()  # type: ignore[union-attr]
            session.flush()
            result = _as_dict(target)  # type: ignore[arg-type]
            detail = {"previous": was, "checksum": row["checksum"]}
            record_audit(session, actor, "model.promoted", MODEL_ENTITY, version, detail)
    finally:
        engine.dispose()
    logger.info("promoted model bundle %s", version)
    return result


def list_versions(settings: Settings | None = None) -> list[dict[str, Any]]:
    """Every registered version, newest first, with its metrics and whether it is active."""
    engine = _engine(settings or get_settings())
    try:
        with session_scope(engine) as session:
            rows = session.scalars(select(ModelVersion).order_by(ModelVersion.created_at.desc()))
            return [_as_dict(r) for r in rows]
    finally:
        engine.dispose()


def active_version(settings: Settings | None = None) -> str:
    """The promoted version; NoActiveModelError (a LookupError) when none is."""
    active = [r for r in list_versions(settings) if r["is_active"]]
    if not active:
        raise NoActiveModelError("no model bundle has been promoted; run `prospect promote`.")
    return str(active[0]["version"])


def load_bundle(settings: Settings | None, version: str) -> ModelBundle:
    """Load ``version``, checked against the checksum the registry recorded for it."""
    row = _row(settings or get_settings(), version)
    return load_bundle_dir(Path(row["path"]), expected_sha256=row["checksum"])


def load_active_bundle(settings: Settings | None = None) -> ModelBundle:
    """The promoted bundle, verified; what the pipeline scores with."""
    settings = settings or get_settings()
    return load_bundle(settings, active_version(settings))


def _row(settings: Settings, version: str) -> dict[str, Any]:
    engine = _engine(settings)
    try:
        with session_scope(engine) as session:
            row = session.get(ModelVersion, version)
            if row is None:
                known = session.scalars(select(ModelVersion.version)).all()
                raise BundleNotFoundError(
                    f"no registered model version {version!r}; registered: {sorted(known)}."
                )
            return _as_dict(row)
    finally:
        engine.dispose()


def _as_dict(row: ModelVersion) -> dict[str, Any]:
    return {
        "version": row.version, "path": row.path, "checksum": row.checksum,
        "created_at": row.created_at, "promoted_at": row.promoted_at,
        "is_active": bool(row.is_active), "metrics": dict(row.metrics or {}),
    }  # fmt: skip
