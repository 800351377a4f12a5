"""The fitted model bundle: personas, card demand and credit risk for every subscriber.

This is what the pipeline and the workers call per partition; every step is vectorised, so a
million rows score in seconds rather than minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from prospect.model import PropensityModel
from prospect.model.uplift import UpliftModel
from prospect.risk_filter import risk_filter_of
from prospect.riskmodel import reason_labels
from prospect.spec import DatasetSpec
from prospect.training.exceptions import ScorecardOnlyError
from prospect.training.scoring import gc_paused
from risk import Scorecard, StabilityProfile
from segmentation import PersonaSegmenter

PROSPECTS, SCORECARD_ONLY = "prospects", "scorecard"


@dataclass
class ModelBundle:
    """A trained segmenter, propensity model and scorecard, with the spec they were fitted on.

    Attributes
    ----------
    version : the bundle version (``m-<YYYYMM>-<hash8>``).
    spec : the dataset spec of the training data; scored frames must be in its canonical form.
    manifest : the bundle's ``manifest.json`` (library versions, data checksum, metrics ...).
    stability_profile : bins and counts of the scorecard's training population (score and
        features), which each run's stability report compares with; None in older bundles.
    uplift : the uplift model learnt from campaign history; None when there was none (selection
        then ranks by propensity; the manifest's ``uplift`` section says why).
    scorecard : None when the training table had no risk label: rows then score no PD, points,
        grade or reasons, and lists are built without a risk filter (:attr:`risk_filter`).
    """

    version: str
    spec: DatasetSpec
    segmenter: PersonaSegmenter | None
    propensity: PropensityModel | None
    scorecard: Scorecard | None
    manifest: dict[str, Any] = field(default_factory=dict)
    stability_profile: StabilityProfile | None = None
    uplift: UpliftModel | None = None

    @property
    def kind(self) -> str:
        """``"prospects"`` (selects lists), or ``"scorecard"`` for a bundle trained on a table
        with a risk label only: it scores no demand and serves ``--scorecard-from``."""
        return SCORECARD_ONLY if self.propensity is None else PROSPECTS

    @property
    def risk_filter(self) -> str:
        """``"scorecard"``, or ``"none"`` for a bundle without a risk model."""
        return risk_filter_of(self.scorecard)

    def prospect_models(self) -> tuple[PersonaSegmenter, PropensityModel]:
        """The segmenter and propensity model; ScorecardOnlyError for a scorecard only (the
        one refusal ``prospect promote`` and scoring share)."""
        if self.segmenter is None or self.propensity is None:
            raise ScorecardOnlyError(
                f"model bundle {self.version} is a scorecard only (its table has no demand "
                "label): it selects no list; train with `prospect train --scorecard-from "
                f"{self.version}` on a table with a demand label to use it."
            )
        return self.segmenter, self.propensity

    def assign_personas(self, df: pd.DataFrame) -> pd.DataFrame:
        """Id, ``persona`` (int id) and ``persona_name`` of every row, indexed like ``df``."""
        segmenter = self.prospect_models()[0]
        ids = segmenter.predict(df)
        names = pd.Series(segmenter.names_).reindex(ids).to_numpy(dtype=object)
        return pd.DataFrame(
            {self.spec.id_column: df[self.spec.id_column].to_numpy(), "persona": ids,
             "persona_name": names},
            index=df.index,
        )  # fmt: skip

    def score(
        self, df: pd.DataFrame, *, n_drivers: int = 3, n_reasons: int = 4, explain: bool = True
    ) -> pd.DataFrame:
        """Personas, card demand and risk of every row of a canonical frame.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``df``: id, ``persona``, ``persona_name``, ``p_demand`` (calibrated),
            ``drivers`` (list of str, what pushed towards a card, in the spec's words),
            ``pd``, ``score_points``, ``grade`` (A best), ``reasons`` (list of str, what cost
            points) and ``points_<dimension>`` sub-scores with ``points_base`` (they sum to
            the score);
            with an uplift model also ``uplift``, the change in the chance of taking a card
            if contacted (in [-1, 1]). Without a scorecard ``pd``, ``score_points`` and
            ``grade`` are missing and ``reasons`` empty on every row. ``explain=False``
            leaves ``drivers`` and ``reasons`` None, for the rows no list can reach: wording
            them costs twice what the scores do; :meth:`explain` words the rest, and every
            other column is the same either way.
        """
        out = self.assign_personas(df)
        features = df[self.spec.feature_columns]
        out["p_demand"] = self.prospect_models()[1].predict_proba(features)[:, 1]
        words = self.explain(df, n_drivers=n_drivers, n_reasons=None) if explain else None
        out["drivers"] = None if words is None else words["drivers"]
        if self.uplift is not None:
            out["uplift"] = np.clip(self.uplift.predict(df[self.spec.feature_columns]), -1.0, 1.0)
        risk = self._risk(df, n_reasons if explain else 0)
        return pd.concat([out, risk], axis=1)

    def explain(
        self, df: pd.DataFrame, *, n_drivers: int = 3, n_reasons: int | None = 4
    ) -> pd.DataFrame:
        """``drivers`` (the propensity model's fast attribution) and ``reasons`` (the
        scorecard's, ``n_reasons`` None: not worded) of the rows of ``df``, in the spec's
        titles as :meth:`score` words them."""
        propensity = self.prospect_models()[1]
        with gc_paused():
            drivers = (
                propensity.explain(df, n_drivers, approximate=True, labels=reason_labels(self.spec))
                .to_numpy()
                .tolist()
            )
        out = pd.DataFrame({"drivers": drivers}, index=df.index)
        if n_reasons is not None:
            out["reasons"] = self._risk(df, n_reasons)["reasons"].to_numpy()
        return out

    def _risk(self, df: pd.DataFrame, n_reasons: int) -> pd.DataFrame:
        """The scorecard's own scoring path (``Scorecard.assess``), worded from the spec."""
        if self.scorecard is None:
            unknown = {"pd": np.nan, "score_points": np.nan, "grade": None}
            reasons: list[list[str]] | None = None if n_reasons == 0 else [[] for _ in df.index]
            return pd.DataFrame({**unknown, "reasons": reasons}, index=df.index)
        with gc_paused():
            return self.scorecard.assess(df, n_reasons=n_reasons,
                                         labels=reason_labels(self.spec))  # fmt: skip
