"""Persona profiles of the active model bundle: who the segments are, for campaign planning."""

from __future__ import annotations

from fastapi import APIRouter

from api.bundles import PERSONAS_JSON, active_version, bundle_file, persona_profiles
from api.deps import SessionDep, SettingsDep, ViewerDep
from api.schemas import PersonaList, problem_responses

router = APIRouter(prefix="/personas", tags=["personas"])
_ERRORS = problem_responses(401, 403, 404)


@router.get("", response_model=PersonaList, responses=_ERRORS)
def list_personas(session: SessionDep, settings: SettingsDep, caller: ViewerDep) -> PersonaList:
    """The personas of the model now in use, with size, share and profile."""
    row = active_version(session)
    path = bundle_file(row, PERSONAS_JSON, settings.models_dir)
    return PersonaList(model_version=row.version, personas=persona_profiles(path))
