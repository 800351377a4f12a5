"""Campaign lists for CRM and channel systems: summaries, paged targets and the CSV export.

The rules are :mod:`prospect.policy`'s: viewers see approved campaigns only (any other is a
404 to them); reviewers and admins see all; only an approved list can be exported, whoever
asks; msisdn is in full only for keys granted personal data. Every export, and every page of
targets that shows personal data in full, is audited with who, which list and how many rows.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.csv_export import stream_targets_csv
from api.deps import Caller, EngineDep, SessionDep, ViewerDep
from api.paging import LimitQuery, MonthQuery, OffsetQuery, offset_page
from api.problems import Problem
from api.schemas import (
    CampaignDetail,
    CampaignOut,
    CampaignPage,
    CampaignStatus,
    RecordId,
    TargetOut,
    TargetPage,
    problem_responses,
)
from api.targets import after, decode_cursor, encode_cursor, parse_fields, row_values, target_query
from prospect import policy
from prospect.store import Campaign, record_audit
from prospect.store.audit import CAMPAIGN_ENTITY

logger = logging.getLogger(__name__)
RISK_WARNING_HEADER = "Prospect-Risk-Warning"

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)
FieldsQuery = Annotated[
    str | None,
    Query(description="Comma-separated columns, e.g. `user_id,rank,p_demand`; default all."),
]
ControlQuery = Annotated[bool, Query(description="Include the control group (not contacted).")]


def visible_campaign(session: Session, campaign_id: int, caller: Caller) -> Campaign:
    """The campaign if ``caller`` may see it; viewers get 404 for anything not approved."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not policy.may_see_campaign(caller.role, campaign.status):
        raise Problem(404, f"no campaign with id {campaign_id}.")
    return campaign


@router.get("", response_model=CampaignPage, responses=_ERRORS)
def list_campaigns(
    session: SessionDep, caller: ViewerDep,
    status: CampaignStatus | None = None,
    month: MonthQuery = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> CampaignPage:  # fmt: skip
    """Campaigns, newest first (viewers: approved ones only)."""
    stmt = select(Campaign)
    if not policy.may_see_drafts(caller.role):
        stmt = stmt.where(Campaign.status == policy.EXPORTABLE_STATUS)
    if status is not None:
        stmt = stmt.where(Campaign.status == status)
    if month is not None:
        stmt = stmt.where(Campaign.month == month)
    total, rows = offset_page(session, stmt, [Campaign.id.desc()], limit, offset)
    items = [CampaignOut.model_validate(r) for r in rows]
    return CampaignPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{campaign_id}", response_model=CampaignDetail, responses=_ERRORS)
def get_campaign(campaign_id: RecordId, session: SessionDep, caller: ViewerDep) -> CampaignDetail:
    """One campaign with its summary: persona mix, expected yield and risk, exclusions."""
    return CampaignDetail.model_validate(visible_campaign(session, campaign_id, caller))


@router.get(
    "/{campaign_id}/targets",
    response_model=TargetPage, response_model_exclude_unset=True, responses=_ERRORS,
)  # fmt: skip
def list_targets(
    campaign_id: RecordId, session: SessionDep, caller: ViewerDep,
    fields: FieldsQuery = None, include_control: ControlQuery = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> TargetPage:  # fmt: skip
    """One page of targets in rank order; follow ``next_cursor`` for the next page."""
    campaign = visible_campaign(session, campaign_id, caller)
    columns = parse_fields(fields)
    personal = policy.campaign_personal_columns(session, campaign)
    stmt = target_query(campaign_id, columns, include_control=include_control)
    if cursor:
        stmt = after(stmt, *decode_cursor(cursor, campaign_id))
    rows = session.execute(stmt.limit(limit + 1)).all()
    more, rows = len(rows) > limit, rows[:limit]
    shown = sorted(personal.intersection(columns)) if caller.sees_pii else []
    if shown and rows:
        record_audit(session, caller.actor, "campaign.pii_read", CAMPAIGN_ENTITY, campaign_id,
                     {"rows": len(rows), "columns": shown, "key_id": caller.key_id})  # fmt: skip
    items = [TargetOut(**row_values(r, columns, sees_pii=caller.sees_pii, personal=personal))
             for r in rows]  # fmt: skip
    last = rows[-1] if rows else None
    next_cursor = encode_cursor(campaign_id, last.rank, last.id) if more and last else None
    return TargetPage(campaign_id=campaign_id, items=items, next_cursor=next_cursor, limit=limit)


@router.get(
    "/{campaign_id}/targets.csv",
    response_class=StreamingResponse, responses={
        200: {"content": {"text/csv": {}}, "description": "The whole list as CSV."}, **_ERRORS,
    },
)  # fmt: skip
def export_targets(
    campaign_id: RecordId, session: SessionDep, engine: EngineDep, caller: ViewerDep,
    fields: FieldsQuery = None, include_control: ControlQuery = False,
) -> StreamingResponse:  # fmt: skip
    """The whole target list as CSV, streamed; only approved campaigns can be exported.

    A list selected without a risk model carries a ``risk_filter`` column (``none`` on every
    row, so the file says it wherever it goes) and the warning in a ``Prospect-Risk-Warning``
    header."""
    campaign = visible_campaign(session, campaign_id, caller)
    if not policy.may_export(campaign.status):
        raise Problem(409, f"campaign {campaign_id} is {campaign.status!r}; only an approved "
                      "campaign can be exported.", slug="campaign-not-approved")  # fmt: skip
    columns = parse_fields(fields)
    personal = policy.campaign_personal_columns(session, campaign)
    rows = campaign.n_targets - (0 if include_control else campaign.n_control)
    shown = sorted(personal.intersection(columns)) if caller.sees_pii else []
    detail = {"rows": rows, "columns": list(columns), "pii_columns": shown,
              "include_control": include_control, "key_id": caller.key_id}  # fmt: skip
    record_audit(session, caller.actor, "campaign.exported", CAMPAIGN_ENTITY, campaign_id, detail)
    session.commit()  # the export is on record before the first byte leaves
    logger.info("key %s exports campaign %s", caller.prefix, campaign_id)
    constant = {} if campaign.risk_warning is None else {"risk_filter": campaign.risk_filter}
    body = stream_targets_csv(engine, campaign_id, columns, include_control=include_control,
                              sees_pii=caller.sees_pii, personal=personal,
                              constant=constant)  # fmt: skip
    name = f"campaign-{campaign_id}-{campaign.month}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if campaign.risk_warning is not None:  # the file carries a risk_filter column too
        headers[RISK_WARNING_HEADER] = campaign.risk_warning
    return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers=headers)
