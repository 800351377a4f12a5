"""Scoring a partition with a registered model bundle, and the frame targeting selects from.

A worker process loads each model version once (checked against the registry's checksum) and
keeps it for the partitions that follow; a run always scores with the version it was planned
with, even if another version was promoted meanwhile.
"""

from __future__ import annotations

import logging
from typing import Protocol

import pandas as pd

from prospect import registry
from prospect.exceptions import SpecError
from prospect.settings import Settings
from prospect.spec import DatasetSpec, load_spec
from prospect.targeting.eligibility import OPT_OUT_COLUMN
from risk import StabilityProfile

logger = logging.getLogger(__name__)

SCORE_COLUMNS = ("persona", "persona_name", "p_demand", "drivers", "pd", "score_points", "reasons")
OPTIONAL_SCORE_COLUMNS = ("uplift",)  # only bundles with an uplift model score it
CONTACT_COLUMN = "msisdn"  # the number a channel dials; missing when the table has none
_LOADED: dict[tuple[str, str], Scorer] = {}
_KEEP = 2  # model versions kept in memory per process


class Scorer(Protocol):
    """What a run needs of a model bundle: its version and per-subscriber scores."""

    version: str
    stability_profile: StabilityProfile | None

    @property
    def risk_filter(self) -> str:
        """``"scorecard"``, or ``"none"`` for a bundle without a risk model."""
        ...

    def score(self, df: pd.DataFrame, *, explain: bool = True) -> pd.DataFrame: ...

    def explain(self, df: pd.DataFrame) -> pd.DataFrame:
        """``drivers`` and ``reasons`` of these rows (those ``score(explain=False)`` left
        None)."""
        ...


def active_model_version(settings: Settings) -> str:
    """Version of the promoted bundle, which a new run scores with (NoActiveModelError when
    none is promoted)."""
    return registry.active_version(settings)


def load_scorer(settings: Settings, model_version: str) -> Scorer:
    """The bundle of ``model_version``, loaded once per process and database."""
    key = (settings.db_url, model_version)
    if key not in _LOADED:
        logger.info("loading model bundle %s", model_version)
        while len(_LOADED) >= _KEEP:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = registry.load_bundle(settings, model_version)
    return _LOADED[key]


def run_spec(scorer: Scorer, fallback: str) -> DatasetSpec:
    """The spec a run reads its batch with: the one recorded in the model bundle it scores
    with, so a bundle trained on a bank's table runs on that table's batches; ``fallback``
    (the plan's spec name) only for a scorer that records none."""
    spec = getattr(scorer, "spec", None)
    return spec if isinstance(spec, DatasetSpec) else load_spec(fallback)


def check_run_spec(settings: Settings, spec: str) -> None:
    """Refuse to run with ``spec`` (a built-in name or YAML path) unless it is the spec the
    promoted bundle was trained on: a run reads its batch with the bundle's spec, so another
    spec means the batch and the model do not belong together."""
    wanted = load_spec(spec)
    version = active_model_version(settings)
    recorded = run_spec(load_scorer(settings, version), wanted.name)
    if wanted != recorded:
        differs = "is another table" if wanted.name != recorded.name else "was edited since"
        raise SpecError(
            f"--spec {spec} (spec {wanted.name!r}) {differs}: the promoted model {version} "
            f"was trained on spec {recorded.name!r}, which a run reads its batch with; train "
            f"and promote a model on this spec first (prospect train --spec {spec} --promote)."
        )


def scored_frame(
    scorer: Scorer, frame: pd.DataFrame, spec: DatasetSpec, *, explain: bool = True
) -> pd.DataFrame:
    """One row per subscriber, in ``frame``'s order: id, contact number, the columns the spec's
    eligibility rules read, the opt-out key and the bundle's scores (``explain=False``:
    without drivers and reasons, see :func:`explained_rows`)."""
    scores = scorer.score(frame, explain=explain)
    missing = [c for c in SCORE_COLUMNS if c not in scores.columns]
    if missing:
        raise ValueError(f"the model bundle's scores lack column(s) {missing}.")
    out = pd.DataFrame({"user_id": frame[spec.id_column].astype(str).to_numpy()})
    contact = spec.contact_source
    out[CONTACT_COLUMN] = (
        frame[contact].to_numpy() if contact in frame.columns else float("nan")
    )  # the spec's contact column, under the one name targets keep it
    for col in spec.eligibility_columns:
        out[col] = frame[col].to_numpy() if col in frame.columns else float("nan")
    out[OPT_OUT_COLUMN] = frame[spec.opt_out_key].astype(str).to_numpy()
    for col in (*SCORE_COLUMNS, *(c for c in OPTIONAL_SCORE_COLUMNS if c in scores.columns)):
        out[col] = scores[col].to_numpy()
    return out


def explained_rows(rows: pd.DataFrame, scorer: Scorer, frame: pd.DataFrame) -> pd.DataFrame:
    """``rows`` of a frame scored with ``explain=False`` (their index: positions in ``frame``,
    the batch rows they were scored from), with their drivers and reasons."""
    if rows.empty:
        return rows.assign(drivers=[], reasons=[])
    words = scorer.explain(frame.iloc[rows.index.to_numpy()])
    return rows.assign(drivers=words["drivers"].to_numpy(), reasons=words["reasons"].to_numpy())
