"""``Idempotency-Key`` for POSTs that write batches: a repeat gets the first answer again.

The key's row is inserted before the work, in the request's transaction: a concurrent repeat
blocks on the key's unique index until the first commits, then replays its answer (or, if
the first failed and rolled back, does the work itself). A different request reusing a key
(another body or path) is refused with 409. Keys are scoped by API key, so two callers never
see each other's answers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.deps import Caller
from api.problems import Problem
from prospect.store.models import IdempotentRequest

REPLAYED_HEADER = "Idempotent-Replayed"
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
        description="Client-chosen key (printable ASCII, at most 128): a repeat of the same "
        "request with it replays the first answer; another request with it is refused (409).",
    ),
]  # fmt: skip


def fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 of the request's method, path and canonical JSON body."""
    text = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_once(
    session: Session, caller: Caller, key: str | None, request_hash: str,
    work: Callable[[], dict[str, Any]],
) -> JSONResponse:  # fmt: skip
    """``work()``'s answer (200), run at most once per ``(caller, key)``; without a key, run."""
    if key is None:
        return JSONResponse(work())
    scope = f"api-key:{caller.key_id}"
    try:
        with session.begin_nested():
            row = IdempotentRequest(
                scope=scope, idempotency_key=key, request_hash=request_hash, status_code=0,
                response={},
            )  # fmt: skip
            session.add(row)
    except IntegrityError:
        stored = session.scalar(
            select(IdempotentRequest).where(
                IdempotentRequest.scope == scope, IdempotentRequest.idempotency_key == key
            )
        )
        if stored is None:  # the first holder rolled back after our insert failed: rare
            raise Problem(409, "a request with this Idempotency-Key was in flight; retry.",
                          slug="idempotency-in-flight") from None  # fmt: skip
        if stored.request_hash != request_hash:
            detail = f"Idempotency-Key {key!r} was used for a different request; use a new key."
            raise Problem(409, detail, slug="idempotency-key-reused") from None
        return JSONResponse(stored.response, status_code=stored.status_code,
                            headers={REPLAYED_HEADER: "true"})  # fmt: skip
    answer = work()
    row.status_code = 200
    row.response = answer
    session.flush()
    return JSONResponse(answer)
