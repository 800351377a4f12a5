"""Training parameters: one frozen object, hashed into the bundle version.

Same data, same parameters and same seed give the same version, so training twice is a no-op.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from prospect.spec import DatasetSpec


@dataclass(frozen=True)
class TrainingConfig:
    """What ``prospect train`` fits and how.

    Parameters
    ----------
    seed : seed of every random step (segmenter sample and init, boosting, calibration folds).
    n_folds : time folds reported in the model card; fold ``i`` tests month ``-i`` on models
        trained on the months before it (the last fold is the bundle's own test month).
    segment_sample : rows the persona segmenter is fitted on.
    n_personas : fixed number of personas; ``None`` lets the segmenter choose k in ``k_range``.
    demand_label, risk_label : label columns of the propensity model and of the scorecard;
        empty (the default) takes them from the spec's ``labels:`` (:meth:`resolved`). A table
        without a risk label trains no scorecard: its bundle has no risk model
        (:attr:`has_risk_label`), and its lists are selected without a risk filter.
    strategy, calibration, calibration_cv, xgb_params : passed to the propensity model
        (``calibration="auto"``: none, sigmoid or isotonic, whichever wins on held-out rows). The
        defaults (2 calibration folds, 150 trees) keep training the demo size (20k users x 6
        months) near a minute on 2 cores at the same PR-AUC against the oracle (0.978 vs 0.972
        with the model's own 3 folds and 250 trees; bench/bench_training.py).
    n_grades : risk grades of the scorecard.
    scorecard_from : for a table without a risk label, the bundle (registered version or
        folder) whose scorecard this bundle scores risk with; its features must be this
        table's. Its version is hashed into this bundle's, so a new source is a new bundle.
    """

    seed: int = 0
    n_folds: int = 2
    segment_sample: int = 20_000
    n_personas: int | None = None
    k_range: tuple[int, int] = (3, 8)
    demand_label: str = ""
    risk_label: str = ""
    strategy: str = "none"
    calibration: str | None = "auto"
    calibration_cv: int = 2
    xgb_params: dict[str, Any] = field(default_factory=lambda: {"n_estimators": 150})
    n_grades: int = 5
    scorecard_from: str = ""

    def resolved(self, spec: DatasetSpec) -> TrainingConfig:
        """These parameters with the labels the spec names (``labels.demand``, ``labels.risk``)
        where none was given, so the bundle's version records the labels it learned."""
        return replace(
            self,
            demand_label=self.demand_label or spec.labels.demand or "",
            risk_label=self.risk_label or spec.labels.risk or "",
        )

    @property
    def has_demand_label(self) -> bool:
        """Whether personas and a propensity model are fitted: without one the bundle is a
        scorecard only (it selects no list; ``--scorecard-from`` takes it to another table)."""
        return bool(self.demand_label)

    @property
    def has_risk_label(self) -> bool:
        """Whether a scorecard (and its challenger) is fitted and measured on this table."""
        return bool(self.risk_label)

    def check(self, spec: DatasetSpec) -> None:
        """Refuse parameters the spec or the estimators cannot honour, naming the parameter."""
        if not self.demand_label and not self.risk_label:
            raise ValueError(
                f"spec {spec.name!r} names no label: add `labels: {{demand: <column>}}` (who "
                f"took the offer) and/or `labels: {{risk: <column>}}` (who defaulted), naming "
                f"columns of {spec.label_columns}."
            )
        if self.scorecard_from and not self.demand_label:
            raise ValueError(
                f"--scorecard-from {self.scorecard_from}: spec {spec.name!r} names no demand "
                "label, so there is nothing to score risk for."
            )
        for name in ("demand_label", "risk_label"):
            label = getattr(self, name)
            if label and label not in spec.label_columns:
                raise ValueError(f"{name} must be one of {spec.label_columns}; got {label!r}.")
        if self.scorecard_from and self.has_risk_label:
            raise ValueError(
                f"--scorecard-from {self.scorecard_from}: spec {spec.name!r} names a risk label "
                f"({self.risk_label!r}), so its scorecard is trained on this table; take the "
                "scorecard of another bundle only for a table without one."
            )
        if isinstance(self.n_folds, bool) or not isinstance(self.n_folds, int) or self.n_folds < 1:
            raise ValueError(f"n_folds must be an int >= 1; got {self.n_folds!r}.")
        if self.segment_sample < 100:
            raise ValueError(f"segment_sample must be at least 100; got {self.segment_sample}.")

    def to_dict(self) -> dict[str, Any]:
        """The parameters as JSON; ``scorecard_from`` only when set, so bundles trained
        without it keep the versions they had before the option existed."""
        out = asdict(self)
        out["k_range"] = list(self.k_range)
        if not self.scorecard_from:
            del out["scorecard_from"]
        return out

    def digest(self, data_checksum: str, spec_text: str) -> str:
        """SHA-256 of the data checksum, the spec's text and these parameters."""
        payload = {"data": data_checksum, "spec": spec_text, "params": self.to_dict()}
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def bundle_version(config: TrainingConfig, data_checksum: str, spec_text: str, month: str) -> str:
    """``m-<YYYYMM of the test month>-<hash8>``: deterministic, sortable by data month."""
    return f"m-{month.replace('-', '')}-{config.digest(data_checksum, spec_text)[:8]}"
