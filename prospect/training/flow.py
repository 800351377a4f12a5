"""``prospect train``: read the months, fit the three models, evaluate by time, write a bundle.

The challenger is fitted beside the scorecard and evaluated with it, but only its figures reach
the model card: the bundle (and so scoring) holds the three models alone.
The version is derived from the data checksum, the spec and the parameters before anything is
fitted, so training the same inputs again finds the bundle and does nothing.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from prospect import modelcard
from prospect.risk_filter import NO_RISK_MODEL, risk_filter_of, risk_section
from prospect.riskmodel import labelled, stability_profile
from prospect.settings import Settings, get_settings
from prospect.spec import DatasetSpec, load_spec
from prospect.training import card as cards
from prospect.training import reject_inference
from prospect.training import uplift as uplift_fit
from prospect.training.borrow import BorrowedScorecard, borrowed_scorecard
from prospect.training.bundle import ModelBundle
from prospect.training.champion import credit_risk_section
from prospect.training.config import TrainingConfig, bundle_version
from prospect.training.data import TrainingData, load_training_data
from prospect.training.evaluate import by_month
from prospect.training.exceptions import BundleError
from prospect.training.fit import fit_challenger, fit_propensity, fit_scorecard, fit_segmenter
from prospect.training.storage import (
    MANIFEST_FILE,
    library_versions,
    read_manifest,
    write_bundle,
    write_json,
)
from risk import Challenger
from segmentation import write_persona_report

logger = logging.getLogger(__name__)

SCORECARD_ONLY_REASON = "the training table has no demand label: the bundle is a scorecard only"
PERSONAS_JSON = "personas.json"
PERSONAS_HTML = "personas.html"
PERSONA_REPORT_ROWS = 5_000
STEPS = (
    "read data", "personas", "propensity", "scorecard", "reject inference", "challenger",
    "uplift", "time folds", "model card", "write",
)  # fmt: skip


@dataclass(frozen=True)
class TrainResult:
    """Where the bundle is, and whether this call created it (False: same inputs, no-op)."""

    version: str
    directory: Path
    created: bool
    manifest: dict[str, Any]


class StepClock:
    """Forwards step names to a progress callback and records how long each step took."""

    def __init__(self, on_step: Callable[[str], None] | None = None) -> None:
        self.on_step = on_step
        self.seconds: dict[str, float] = {}
        self._current: tuple[str, float] | None = None

    def __call__(self, name: str) -> None:
        self._stop()
        self._current = (name, time.perf_counter())
        if self.on_step is not None:
            self.on_step(name)

    def _stop(self) -> None:
        if self._current is not None:
            name, started = self._current
            self.seconds[name] = round(time.perf_counter() - started, 2)


def spec_text(spec: DatasetSpec) -> str:
    """The spec as canonical YAML: stored in the bundle and hashed into its version."""
    return yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def train(
    data_dir: Path,
    spec_name: str = "subscriber_5g",
    *,
    config: TrainingConfig | None = None,
    settings: Settings | None = None,
    on_step: Callable[[str], None] | None = None,
) -> TrainResult:
    """Fit personas, propensity and scorecard on all months but the latest; write the bundle.

    A challenger is fitted on the scorecard's rows and reported beside it in the model card.

    ``on_step`` is called with each step's name from :data:`STEPS` as it starts (progress).
    """
    from prospect import registry  # registry imports the bundle; keep module loading one-way

    config, settings = config or TrainingConfig(), settings or get_settings()
    step = StepClock(on_step)
    spec = load_spec(spec_name)
    config = config.resolved(spec)
    config.check(spec)
    borrowed = None
    if config.scorecard_from:  # refused before anything is read or fitted
        borrowed = borrowed_scorecard(config.scorecard_from, spec, settings)
        config = replace(config, scorecard_from=borrowed.version)
    step("read data")
    data = load_training_data(Path(data_dir), spec)
    cards.check_folds(config, data.months)
    text = spec_text(spec)
    history = uplift_fit.training_history(Path(data_dir), data.months, settings)
    history_digest = history.checksum
    checksum = data.checksum if history_digest is None else f"{data.checksum}+{history_digest}"
    version = bundle_version(config, checksum, text, data.test_month)
    directory = settings.models_dir / version
    if (directory / MANIFEST_FILE).is_file():
        registry.register(settings, directory)
        logger.info("model bundle %s already exists; nothing to train", version)
        return TrainResult(version, directory, False, read_manifest(directory))
    previous = _previous_segmenter(settings, spec)
    bundle, challenger, rejects = _fit(data, spec, config, version, step, previous, Path(data_dir),
                                       borrowed)  # fmt: skip
    step("uplift")
    if config.has_demand_label:
        bundle.uplift, uplift = uplift_fit.fit_uplift(
            data.train(str(spec.month_column)), history.rows, spec, config
        )
    else:
        uplift = {"learner": None, "reason": SCORECARD_ONLY_REASON}
    uplift.update(history_checksum=history_digest, history_source=history.source)
    _write(bundle, challenger, data, config, text, Path(data_dir), directory, step, rejects,
           (history.rows, uplift))  # fmt: skip
    registry.register(settings, directory)
    return TrainResult(version, directory, True, read_manifest(directory))


def _previous_segmenter(settings: Settings, spec: DatasetSpec) -> Any | None:
    """The promoted bundle's segmenter for the same spec: personas keep their ids across
    retrainings by matching to it (None when nothing is promoted yet)."""
    from prospect import registry

    try:
        previous = registry.load_active_bundle(settings)
    except (LookupError, BundleError):
        return None
    return previous.segmenter if previous.spec.name == spec.name else None


def _fit(
    data: TrainingData, spec: DatasetSpec, config: TrainingConfig, version: str,
    step: Callable[[str], None], previous_segmenter: Any | None = None,
    data_dir: Path | None = None, borrowed: BorrowedScorecard | None = None,
) -> tuple[ModelBundle, Challenger | None, dict[str, Any]]:  # fmt: skip
    """The bundle's models and the challenger; a table without a risk label gets no scorecard
    (or the ``borrowed`` one), no challenger and no reject inference (the card says so)."""
    train_rows = data.train(str(spec.month_column))
    segmenter = propensity = None
    if config.has_demand_label:  # else a scorecard only, for --scorecard-from elsewhere
        step("personas")
        segmenter = fit_segmenter(train_rows, spec, config)
        if previous_segmenter is not None:
            segmenter.match_to(previous_segmenter)
            logger.info("personas matched to the promoted bundle's; new: %s",
                        segmenter.new_personas_)  # fmt: skip
        step("propensity")
        propensity = fit_propensity(train_rows, spec, config)
    bundle = ModelBundle(version, spec, segmenter, propensity, None)
    if borrowed is not None:  # scored with another table's scorecard, profiled on these rows
        bundle.scorecard = borrowed.scorecard
        bundle.stability_profile = stability_profile(borrowed.scorecard, train_rows, spec)
    if not config.has_risk_label:  # without a scorecard the bundle's lists carry a warning
        if borrowed is None:
            logger.warning("spec %r names no risk label: the bundle has no risk model", spec.name)
        return bundle, None, {"available": False, "reason": NO_RISK_MODEL}
    step("scorecard")
    scorecard = fit_scorecard(train_rows, spec, config)
    step("reject inference")
    rejects, chosen = reject_inference.compare(train_rows, data.test(str(spec.month_column)),
                                               spec, config, data_dir or Path("."))  # fmt: skip
    bundle.scorecard = chosen if chosen is not None else scorecard
    reference = labelled(train_rows, spec, config.risk_label)[0]
    bundle.stability_profile = stability_profile(bundle.scorecard, reference, spec)
    step("challenger")
    return bundle, fit_challenger(train_rows, spec, config), rejects


def _write(
    bundle: ModelBundle, challenger: Challenger | None, data: TrainingData, config: TrainingConfig,
    text: str, data_dir: Path, directory: Path, step: StepClock, rejects: dict[str, Any],
    uplift: tuple[Any, dict[str, Any]],
) -> None:  # fmt: skip
    """Build everything in a temporary folder beside the target, then rename it into place.

    ``uplift`` is the campaign history and the uplift section of the manifest."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        card = _card(bundle, challenger, data, config, data_dir, work, step)
        card["reject_inference"] = rejects
        history, section = uplift
        test_rows = data.test(str(bundle.spec.month_column))
        card["uplift"] = None
        if bundle.propensity is not None:
            card["uplift"] = uplift_fit.uplift_card(
                bundle.uplift, section, test_rows, history, bundle.spec, work
            )
        step("write")
        write_json(work / PERSONAS_JSON, cards.persona_records(bundle.segmenter))
        if bundle.segmenter is not None:
            sample = data.train(str(bundle.spec.month_column))
            sample = sample.sample(min(len(sample), PERSONA_REPORT_ROWS), random_state=config.seed)
            write_persona_report(bundle.segmenter, sample, work / PERSONAS_HTML)
        modelcard.write_model_card(card, work)
        write_bundle(work, bundle, text, {**_manifest(card, config), "uplift": section})
        work.rename(directory)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    logger.info("wrote model bundle %s", directory)


def _card(
    bundle: ModelBundle, challenger: Challenger | None, data: TrainingData, config: TrainingConfig,
    data_dir: Path, work: Path, step: StepClock,
) -> dict[str, Any]:  # fmt: skip
    spec = bundle.spec
    models = cards.CardModels(bundle.propensity, bundle.scorecard, challenger)
    step("time folds")
    folds = cards.time_folds(models, data, spec, config)
    step("model card")
    test_month = cards.test_month_card(models, data, spec, config, data_dir, work)
    return {
        "version": bundle.version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "spec": spec.name,
        "params": config.to_dict(),
        "kind": bundle.kind,
        "calibration_choice": None
        if bundle.propensity is None
        else bundle.propensity.calibration_report_,
        "data": cards.data_section(data, spec, config),
        **test_month,
        "risk_model": {
            **risk_section(risk_filter_of(bundle.scorecard)),
            "scorecard_from": config.scorecard_from or None,
        },
        "credit_risk": None
        if bundle.scorecard is None or challenger is None
        else credit_risk_section(
            challenger, bundle.scorecard, test_month["metrics"], folds, data.test_month
        ),
        "folds": folds,
        "by_month": by_month(bundle, data.frame, spec, config, data.test_month),
        "personas": cards.persona_records(bundle.segmenter),
        "libraries": library_versions(),
        "step_seconds": step.seconds,
    }


def _manifest(card: dict[str, Any], config: TrainingConfig) -> dict[str, Any]:
    oracle = card["metrics"]["oracle"]
    return {
        "version": card["version"], "created_at": card["created_at"], "spec": card["spec"],
        "kind": card["kind"],
        "data_checksum": card["data"]["checksum"], "seed": config.seed,
        "training_months": card["data"]["train_months"], "test_month": card["data"]["test_month"],
        "params": config.to_dict(), "calibration_choice": card["calibration_choice"],
        "risk_model": card["risk_model"],
        "metrics": {
            "propensity": card["metrics"]["propensity"],
            "scorecard": card["metrics"]["scorecard"],
            "challenger": card["metrics"]["challenger"],
            "oracle_pr_auc_ratio": oracle["propensity"]["ratio"] if oracle else None,
        },
    }  # fmt: skip
