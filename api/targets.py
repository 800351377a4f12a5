"""Target rows as the API serves them: field selection, pii masking and the paging cursor.

The cursor is an opaque token for the last row served, ``(rank, id)``, so a page is a range
scan on the campaign's rank index and stays stable while other clients read.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, literal, select, tuple_

from api.problems import Problem
from prospect import policy
from prospect.store import Target

TARGET_FIELDS = policy.TARGET_COLUMNS
DEFAULT_FIELDS = TARGET_FIELDS
MAX_CURSOR_INT = 2**63 - 1


def parse_fields(fields: str | None) -> tuple[str, ...]:
    """The requested columns in table order; 422 naming any unknown one."""
    if fields is None or not fields.strip():
        return DEFAULT_FIELDS
    asked = {f.strip() for f in fields.split(",") if f.strip()}
    unknown = sorted(asked - set(TARGET_FIELDS))
    if unknown:
        raise Problem(422, f"fields may list {', '.join(TARGET_FIELDS)}; got unknown {unknown}.",
                      slug="validation-error")  # fmt: skip
    return tuple(f for f in TARGET_FIELDS if f in asked)


def encode_cursor(campaign_id: int, rank: int, row_id: int) -> str:
    raw = json.dumps([campaign_id, rank, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, campaign_id: int) -> tuple[int, int]:
    """``(rank, id)`` of the last row served; 400 for a token not issued for this campaign."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cid, rank, row_id = json.loads(raw)
        valid = all(type(v) is int and 0 <= v <= MAX_CURSOR_INT for v in (cid, rank, row_id))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        valid = False
    if not valid or cid != campaign_id:
        raise Problem(400, "cursor is not a next_cursor issued for this campaign's targets.",
                      slug="invalid-cursor")  # fmt: skip
    return rank, row_id


def target_query(campaign_id: int, fields: Sequence[str], *, include_control: bool) -> Select[Any]:
    """Rows of one campaign in rank order, selecting ``fields`` plus the cursor columns."""
    names = dict.fromkeys(("id", "rank", *fields))
    stmt = select(*(getattr(Target, n) for n in names)).where(Target.campaign_id == campaign_id)
    if not include_control:
        stmt = stmt.where(Target.is_control.is_(False))
    return stmt.order_by(Target.rank, Target.id)


def after(stmt: Select[Any], rank: int, row_id: int) -> Select[Any]:
    return stmt.where(tuple_(Target.rank, Target.id) > tuple_(literal(rank), literal(row_id)))


def row_values(
    row: Any, fields: Sequence[str], *, sees_pii: bool, personal: frozenset[str]
) -> dict[str, Any]:
    """The selected values of a result row, ``personal`` columns masked unless ``sees_pii``."""
    mapping = row._mapping
    values = {f: mapping[f] for f in fields}
    if not sees_pii:
        for name in personal.intersection(values):
            values[name] = policy.mask(values[name])
    return values
