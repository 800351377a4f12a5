"""Saving a campaign and all its targets in one transaction, once per run."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from prospect.risk_filter import SCORECARD, filters_by_risk
from prospect.store.audit import CAMPAIGN_ENTITY, record_audit
from prospect.store.bulk import bulk_insert
from prospect.store.models import Campaign, Target

if TYPE_CHECKING:  # pandas is only needed by callers; keep `import prospect.store` light
    import pandas as pd

logger = logging.getLogger(__name__)

REQUIRED_TARGET_COLUMNS = (
    "user_id", "rank", "p_demand", "pd", "score_points", "expected_value", "is_control",
)  # fmt: skip
OPTIONAL_TARGET_COLUMNS = ("msisdn", "persona", "why")
CAMPAIGN_FIELDS = frozenset({"month", "name", "config", "summary", "model_version"})
_FLOATS = ("p_demand", "pd", "score_points", "expected_value")
RISK_TARGET_COLUMNS = ("pd", "score_points")  # unknown (NULL) on lists without a risk model
TARGETS_TABLE = cast(Table, Target.__table__)
TARGET_KEYS = ("campaign_id", *REQUIRED_TARGET_COLUMNS, *OPTIONAL_TARGET_COLUMNS)


def save_campaign(
    session: Session,
    run_id: str,
    campaign_fields: Mapping[str, Any],
    targets_df: pd.DataFrame,
    *,
    actor: str = "system",
    chunk_size: int = 50_000,
) -> Campaign:
    """Insert the draft campaign of ``run_id`` and every target row, or return the existing one.

    Idempotent by run id: a second call finds the campaign and writes nothing. The campaign and
    its targets go into the caller's transaction (use ``session_scope``), so a failing row
    leaves neither behind.

    Parameters
    ----------
    campaign_fields : mapping
        ``month``, ``name``, ``model_version`` and optionally ``config`` and ``summary``.
    targets_df : DataFrame
        One row per target with :data:`REQUIRED_TARGET_COLUMNS` (no missing values; ``rank``
        unique within the campaign; a list whose summary says ``risk_filter: none`` has no PD
        or points at all, stored as NULL) and optionally ``msisdn``, ``persona`` and ``why``
        (a dict; when absent it is built from ``drivers`` and ``reasons`` columns). Other
        columns are ignored.
    """
    existing = session.scalar(select(Campaign).where(Campaign.run_id == run_id))
    if existing is not None:
        logger.info("campaign for run %s exists (id %s); nothing written", run_id, existing.id)
        return existing
    _check_fields(campaign_fields)
    summary = campaign_fields.get("summary") or {}
    _check_targets(targets_df, filters_by_risk(summary.get("risk_filter", SCORECARD)))
    is_control = targets_df["is_control"].astype(bool)
    campaign = Campaign(
        run_id=run_id,
        n_targets=len(targets_df),
        n_control=int(is_control.sum()),
        **dict(campaign_fields),
    )
    session.add(campaign)
    session.flush()
    for rows in _target_rows(targets_df, campaign.id, chunk_size):
        bulk_insert(session, TARGETS_TABLE, TARGET_KEYS, rows)
    record_audit(
        session, actor, "campaign.created", CAMPAIGN_ENTITY, campaign.id, {"run_id": run_id}
    )
    logger.info("saved campaign %s with %d targets", campaign.id, len(targets_df))
    return campaign


def _check_fields(fields: Mapping[str, Any]) -> None:
    unknown = sorted(set(fields) - CAMPAIGN_FIELDS)
    missing = sorted({"month", "name", "model_version"} - set(fields))
    if unknown or missing:
        raise ValueError(
            f"campaign_fields takes {sorted(CAMPAIGN_FIELDS)}; "
            f"missing {missing}, unknown {unknown}."
        )


def _check_targets(df: pd.DataFrame, risk: bool) -> None:
    """Every required value present; without a risk model (``risk`` False) no PD or points."""
    missing = [c for c in REQUIRED_TARGET_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"targets_df is missing column(s) {missing}; got {list(df.columns)}.")
    for col in REQUIRED_TARGET_COLUMNS:
        if not risk and col in RISK_TARGET_COLUMNS:
            n_known = int(df[col].notna().sum())
            if n_known:
                raise ValueError(f"targets_df column {col!r} has {n_known} value(s) on a list "
                                 "without a risk model (risk_filter none).")  # fmt: skip
            continue
        n_missing = int(df[col].isna().sum())
        if n_missing:
            raise ValueError(f"targets_df column {col!r} has {n_missing} missing value(s).")


def _target_rows(df: pd.DataFrame, campaign_id: int, size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Plain-Python row tuples ordered as :data:`TARGET_KEYS`, ``size`` at a time, so a million
    rows never sit in memory twice."""
    for start in range(0, len(df), size):
        part = df.iloc[start : start + size]
        columns = [
            [campaign_id] * len(part),
            part["user_id"].astype(str).tolist(),
            part["rank"].astype("int64").tolist(),
            *(_floats(part[c]) for c in _FLOATS),
            part["is_control"].astype(bool).tolist(),
            *(_optional(part, c) for c in OPTIONAL_TARGET_COLUMNS),
        ]
        yield list(zip(*columns, strict=True))


def _floats(values: pd.Series) -> list[float | None]:
    """Plain floats, None for a missing one (PostgreSQL would keep a NaN as the number NaN)."""
    out: list[float | None] = values.astype("float64").tolist()
    return [None if v is not None and math.isnan(v) else v for v in out]


def _optional(part: pd.DataFrame, column: str) -> list[Any]:
    if column == "why":
        return _why(part)
    if column not in part.columns:
        return [None] * len(part)
    present = part[column].notna().tolist()
    return [str(v) if ok else None for v, ok in zip(part[column].tolist(), present, strict=True)]


def _why(part: pd.DataFrame) -> list[str | None]:
    """``why`` as JSON text; built from targeting's ``drivers``/``reasons`` when not given."""
    if "why" in part.columns:
        present = part["why"].notna().tolist()
        return [_dumps(v) if ok else None for v, ok in zip(part["why"], present, strict=True)]
    if "drivers" not in part.columns and "reasons" not in part.columns:
        return [None] * len(part)
    empty = [None] * len(part)
    drivers = part["drivers"].tolist() if "drivers" in part.columns else empty
    reasons = part["reasons"].tolist() if "reasons" in part.columns else empty
    return [
        _dumps({"drivers": _as_list(d), "reasons": _as_list(r)})
        for d, r in zip(drivers, reasons, strict=True)
    ]


def _as_list(value: Any) -> list[Any]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [value] if isinstance(value, str) else list(value)


def _dumps(value: Any) -> str:
    # numpy scalars and arrays (from pandas) serialise as their plain Python values.
    return json.dumps(value, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))
