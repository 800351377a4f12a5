"""Model bundles as the API reads them: the version rows in the store, files in the bundle.

A bundle folder (``ModelVersion.path``, under ``settings.models_dir``) holds
``model_card.json``, ``model_card.html`` and the segmenter's persona profiles in
``personas.json`` (a list of records: persona, name, size, share and profile columns).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.files import artifact_file
from api.problems import Problem
from api.schemas import PersonaOut
from prospect.store import ModelVersion

CARD_JSON = "model_card.json"
CARD_HTML = "model_card.html"
PERSONAS_JSON = "personas.json"
_PERSONA_KEYS = ("persona", "name", "size", "share")


def model_version(session: Session, version: str) -> ModelVersion:
    row = session.get(ModelVersion, version)
    if row is None:
        raise Problem(404, f"no model version {version!r}.")
    return row


def active_version(session: Session) -> ModelVersion:
    """The promoted bundle scoring uses now; 404 when none has been promoted yet."""
    stmt = select(ModelVersion).where(ModelVersion.is_active.is_(True))
    row = session.scalars(stmt.order_by(ModelVersion.promoted_at.desc())).first()
    if row is None:
        raise Problem(404, "no model has been promoted yet.", slug="no-active-model")
    return row


def bundle_file(row: ModelVersion, name: str, models_dir: Path) -> Path:
    return artifact_file(Path(row.path) / name, models_dir, f"{name} of model {row.version}")


def persona_profiles(path: Path) -> list[PersonaOut]:
    """Profiles from ``personas.json``: the four headline keys, the rest as ``profile``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    records: list[dict[str, Any]] = data["profiles"] if isinstance(data, dict) else data
    return [
        PersonaOut(
            persona=int(r["persona"]), name=str(r["name"]), size=int(r["size"]),
            share=float(r["share"]),
            profile={k: v for k, v in r.items() if k not in _PERSONA_KEYS},
        )
        for r in records
    ]  # fmt: skip
