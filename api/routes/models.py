"""Model versions and their model cards (metrics, data, intended use, limits)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from api.bundles import CARD_HTML, CARD_JSON, bundle_file, model_version
from api.deps import ReviewerDep, SessionDep, SettingsDep
from api.files import artifact_page, read_json
from api.schemas import ModelCard, ModelOut, problem_responses
from prospect.store import ModelVersion

router = APIRouter(prefix="/models", tags=["models"])
_ERRORS = problem_responses(401, 403, 404)


@router.get("", response_model=list[ModelOut], responses=_ERRORS)
def list_models(session: SessionDep, caller: ReviewerDep) -> list[ModelOut]:
    """Every registered model version, newest first; ``is_active`` marks the one in use."""
    stmt = select(ModelVersion).order_by(ModelVersion.created_at.desc(), ModelVersion.version)
    return [ModelOut.model_validate(r) for r in session.scalars(stmt)]


@router.get("/{version}", response_model=ModelCard, responses=_ERRORS)
def get_model(
    version: str, session: SessionDep, settings: SettingsDep, caller: ReviewerDep
) -> ModelCard:
    """The model card of one version, as JSON."""
    row = model_version(session, version)
    card = read_json(bundle_file(row, CARD_JSON, settings.models_dir), "model card")
    return ModelCard(version=row.version, is_active=row.is_active, card=card)


@router.get(
    "/{version}/card", response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}, **_ERRORS},
)  # fmt: skip
def get_model_card_html(
    version: str, session: SessionDep, settings: SettingsDep, caller: ReviewerDep
) -> HTMLResponse:
    """The model card as an HTML page."""
    row = model_version(session, version)
    return artifact_page(bundle_file(row, CARD_HTML, settings.models_dir))
