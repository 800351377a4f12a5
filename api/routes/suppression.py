"""Opt-outs and other do-not-contact entries; every list built afterwards leaves them out."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from api.deps import AdminDep, SessionDep
from api.schemas import SuppressionRequest, SuppressionResult, problem_responses
from prospect.store import add_suppression

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/suppression", tags=["suppression"])
_ERRORS = problem_responses(401, 403, 413, 422)


@router.post("", status_code=201, response_model=SuppressionResult, responses=_ERRORS)
def add_opt_outs(
    body: SuppressionRequest, session: SessionDep, caller: AdminDep
) -> SuppressionResult:
    """Suppress ``user_ids`` with a reason; an id already listed keeps its first record and the
    request is added to its history (audited with the calling key)."""
    added = add_suppression(
        session, body.user_ids, reason=body.reason, source=body.source, actor=caller.actor
    )
    logger.info("key %s suppressed %d new user ids (source %s)", caller.prefix, added, body.source)
    return SuppressionResult(added=added, recorded=len(set(body.user_ids)))
