"""A whole monthly run in one process: the same steps the workers run, one after the other.

:func:`run_month` is what ``prospect run --inline`` and the tests call; its only effects are
the database rows and files keyed by the run id, so calling it twice gives the same result and
writes it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from prospect.pipeline import steps
from prospect.pipeline.alerts import alerts_step
from prospect.pipeline.landing import batch_for_month
from prospect.pipeline.plan import (
    DEFAULT_PARTITIONS,
    RunPlan,
    check_month,
    load_plan,
    prepare_run,
)
from prospect.pipeline.scoring import active_model_version
from prospect.pipeline.state import RunState, admit, fail, get_state, run_session
from prospect.settings import Settings, get_settings
from prospect.store import Campaign
from prospect.targeting import CampaignConfig, load_campaign_config

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """How a run ended: its state, and the draft campaign's id when it produced one."""

    state: RunState
    campaign_id: int | None


def plan_month(
    month: str,
    batch: str | Path | None = None,
    campaign_config: CampaignConfig | str | Path | None = None,
    *,
    settings: Settings | None = None,
    n_partitions: int = DEFAULT_PARTITIONS,
    requested_by: str | None = None,
) -> tuple[RunPlan, bool]:
    """Resolve the batch, config and model of a month's run and create its ``runs`` row.

    Returns the plan and whether the run is new. Raises BatchNotFoundError, ConfigError or
    NoActiveModelError (from the registry) (never worth retrying).
    """
    settings = settings or get_settings()
    check_month(month)
    path = batch_for_month(settings, month, batch)
    config = (
        campaign_config
        if isinstance(campaign_config, CampaignConfig)
        else load_campaign_config(campaign_config)
    )
    version = active_model_version(settings)
    return prepare_run(
        path,
        month,
        config,
        version,
        settings=settings,
        n_partitions=n_partitions,
        requested_by=requested_by,
    )


def execute(run_id: str, settings: Settings) -> RunResult:
    """Run every step of a prepared run in this process; a failure marks the run failed.

    The run is first admitted like a queued one (:func:`~prospect.pipeline.state.admit`): an
    ended run is not run again, a failed one is restarted.
    """
    if admit(settings, run_id) != "ended":
        try:
            if steps.validate_step(run_id, settings) != "quarantine":
                plan = load_plan(settings, run_id)
                for index in range(plan.n_partitions):
                    steps.score_step(run_id, index, settings)
                steps.select_step(run_id, settings)
                steps.publish_step(run_id, settings)
        except Exception as exc:
            fail(settings, run_id, exc)
            raise
    if result_of(settings, run_id).state.status == "draft":
        alerts_step(run_id, settings)  # webhooks wait for a worker or `prospect alerts deliver`
    return result_of(settings, run_id)


def result_of(settings: Settings, run_id: str) -> RunResult:
    """The run's state and its campaign id (None before publishing or after quarantine)."""
    state = get_state(settings, run_id)
    if state is None:
        raise LookupError(f"no run with id {run_id!r}.")
    with run_session(settings) as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.run_id == run_id))
    return RunResult(state=state, campaign_id=campaign_id)


def run_month(
    batch: str | Path,
    month: str,
    campaign_config: CampaignConfig | str | Path | None = None,
    *,
    settings: Settings | None = None,
    n_partitions: int = 1,
    requested_by: str | None = None,
) -> RunResult:
    """Read, validate (stop on quarantine), assign personas, score demand and risk, select,
    store the draft campaign and write its reports — in this process, without Celery.

    Parameters
    ----------
    batch : the month's batch file (CSV or Parquet; a bare name is looked up in the landing
        folder).
    month : ``YYYY-MM``.
    campaign_config : a config, a YAML path, or None for the packaged default.
    settings : database and folders; by default :func:`~prospect.settings.get_settings`.
    n_partitions : split the batch like the workers do (the list is the same for any count).
    requested_by : recorded on the run.
    """
    settings = settings or get_settings()
    plan, _ = plan_month(
        month,
        batch,
        campaign_config,
        settings=settings,
        n_partitions=n_partitions,
        requested_by=requested_by,
    )
    logger.info("run %s for %s on %s", plan.run_id, month, plan.batch_path)
    return execute(plan.run_id, settings)
