"""What the CRM sends back after a campaign: contacts sent and responses, and the take-up.

``POST /campaigns/{id}/contacts`` and ``POST /campaigns/{id}/responses`` need the reviewer
role (a CRM integration key) and go through :mod:`prospect.outcomes`, as the CLI does; each is
audited (who, which campaign, how many received, accepted, written and refused). Both are
idempotent: by natural key (a campaign's subscriber) and, with an ``Idempotency-Key`` header,
by replaying the first answer. ``GET /campaigns/{id}/take-up`` is the measured take-up of
contacted subscribers against the control.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, model_validator

from api.deps import ReviewerDep, SessionDep, ViewerDep
from api.idempotency import IdempotencyKey, fingerprint, run_once
from api.problems import Problem
from api.routes.campaigns import visible_campaign
from api.schemas import RecordId, UserId, problem_responses
from prospect.outcomes import (
    BatchConflictError,
    CampaignNotFoundError,
    CampaignStateError,
    record_contacts,
    record_responses,
    require_unique_ids,
    take_up_report,
)
from prospect.targeting import ContactRow, ResponseRow

router = APIRouter(prefix="/campaigns", tags=["outcomes"])
_ERRORS = problem_responses(401, 403, 404, 409, 422)
MAX_BATCH = 50_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactIn(_Strict):
    user_id: UserId
    sent_at: AwareDatetime = Field(description="When it was sent, with a UTC offset.")
    channel: str = Field(min_length=1, max_length=32, description="e.g. sms, app, email.")


class ResponseIn(_Strict):
    user_id: UserId
    took_card: StrictBool
    taken_on: date | None = Field(None, description="Day the card was taken (takers only).")

    @model_validator(mode="after")
    def _day_only_for_takers(self) -> ResponseIn:
        if self.taken_on is not None and not self.took_card:
            raise ValueError("taken_on is only for subscribers who took a card")
        return self


class ContactBatch(_Strict):
    contacts: list[ContactIn] = Field(min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _unique(self) -> ContactBatch:
        require_unique_ids([c.user_id for c in self.contacts], "contacts")
        return self


class ResponseBatch(_Strict):
    responses: list[ResponseIn] = Field(min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _unique(self) -> ResponseBatch:
        require_unique_ids([r.user_id for r in self.responses], "responses")
        return self


class BatchResult(BaseModel):
    campaign_id: int
    received: int
    accepted: int
    refused: int = Field(description="Subscribers refused: not on the list (or, for "
                         "contacts, in its control group).")  # fmt: skip
    refused_ids: list[str] = Field(description="The first 100 refused ids, sorted.")


def _guarded(work: Any) -> Any:
    def run() -> dict[str, Any]:
        try:
            answer: dict[str, Any] = work()
        except CampaignNotFoundError as exc:
            raise Problem(404, str(exc)) from exc
        except CampaignStateError as exc:
            raise Problem(409, str(exc)) from exc
        except BatchConflictError as exc:
            raise Problem(409, str(exc), slug="batch-conflict") from exc
        return BatchResult.model_validate(answer).model_dump()

    return run


@router.post("/{campaign_id}/contacts", response_model=BatchResult, responses=_ERRORS)
def post_contacts(
    campaign_id: RecordId, batch: ContactBatch, request: Request, session: SessionDep,
    caller: ReviewerDep, idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    """Contacts the CRM sent for an approved campaign (control-group ids are refused)."""
    rows = [ContactRow(c.user_id, c.sent_at, c.channel) for c in batch.contacts]
    digest = fingerprint("POST", request.url.path, batch.model_dump(mode="json"))
    work = _guarded(lambda: record_contacts(session, campaign_id, rows, actor=caller.actor))
    return run_once(session, caller, idempotency_key, digest, work)


@router.post("/{campaign_id}/responses", response_model=BatchResult, responses=_ERRORS)
def post_responses(
    campaign_id: RecordId, batch: ResponseBatch, request: Request, session: SessionDep,
    caller: ReviewerDep, idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    """Who took a card after a sent campaign (ids not on the list or its control are refused)."""
    rows = [ResponseRow(r.user_id, r.took_card, r.taken_on) for r in batch.responses]
    digest = fingerprint("POST", request.url.path, batch.model_dump(mode="json"))
    work = _guarded(lambda: record_responses(session, campaign_id, rows, actor=caller.actor))
    return run_once(session, caller, idempotency_key, digest, work)


@router.get("/{campaign_id}/take-up", responses=_ERRORS)
def get_take_up(
    campaign_id: RecordId, session: SessionDep, caller: ViewerDep,
    confidence: Annotated[float, Query(gt=0, lt=1)] = 0.95,
) -> dict[str, Any]:  # fmt: skip
    """Take-up of contacted subscribers vs the control (Wilson intervals), the difference
    (Newcombe interval) and the incremental cardholders it means."""
    visible_campaign(session, campaign_id, caller)
    return take_up_report(session, campaign_id, confidence=confidence)
