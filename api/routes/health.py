"""Liveness for load balancers and operators: is the database up, can work be queued?"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import EngineDep, SettingsDep
from api.probes import probe_broker, probe_database
from api.problems import problem_response
from api.schemas import PROBLEM_MEDIA_TYPE, ComponentHealth, Health, HealthProblem

router = APIRouter(prefix="/health", tags=["health"])


@router.get(
    "",
    response_model=Health,
    responses={503: {"model": HealthProblem, "content": {PROBLEM_MEDIA_TYPE: {}}}},
)
def health(request: Request, engine: EngineDep, settings: SettingsDep) -> Health | JSONResponse:
    """200 when the database and the broker both answer, 503 saying which is down otherwise.

    Needs no API key, so it reveals nothing beyond up or down and a short reason.
    """
    database = _component(probe_database(engine))
    broker = _component(probe_broker(settings.celery_broker_url))
    if database.ok and broker.ok:
        return Health(status="ok", database=database, broker=broker)
    down = [name for name, c in (("database", database), ("broker", broker)) if not c.ok]
    extra = {"database": database.model_dump(), "broker": broker.model_dump()}
    detail = f"{' and '.join(down)} unavailable."
    return problem_response(request, 503, detail, slug="service-unavailable", extra=extra)


def _component(result: tuple[bool, str]) -> ComponentHealth:
    return ComponentHealth(ok=result[0], detail=result[1])
