"""Thin task wrappers around :mod:`prospect.pipeline`: they take a run id (and a partition
index), call one step and enqueue what follows.

Flow: ``validate`` (the reference month cut into buckets) -> one ``ingest`` per part file of
the delivery (a group) -> one ``gate_bucket`` per hash bucket (a group; the one that finds
every bucket measured queues the verdict) -> ``verdict`` (the month's report; a quarantine
ends the run here, before anything is scored) -> one ``score`` per partition (a group) ->
``bound`` (the pruning bound, priced on all shortlists) -> ``merge`` ×nodes of the shortlists'
merge tree (none when the partitions are at most its fan-in) -> ``select`` -> ``publish`` ->
``raise_alerts`` (cardholders' early warnings, each pushed by a ``deliver_webhook``). No chord:
each ``score``, ``bound`` or ``merge`` writes its outputs, then enqueues what
:func:`prospect.pipeline.merge_tree.following` says, so the last of a group to finish hands
over. A redelivered task finds its outputs and only repeats the hand-over, and duplicate
hand-overs are harmless because every step skips work already on disk or in the database.
Transient errors (database, broker) are retried with backoff and jitter; bad data and bad
config fail the run with the reason.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from typing import Any

from celery import Celery, Task, group
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError as DatabaseError

from prospect.pipeline import (
    admit,
    bound_step,
    claim_verdict,
    fail,
    find_new_batch,
    finish_ingest,
    gate_bucket_step,
    gate_step,
    ingest_step,
    load_plan,
    merge_step,
    merge_tree,
    n_parts,
    plan_month,
    publish_step,
    score_step,
    select_step,
    stopped,
    verdict_step,
)
from prospect.pipeline.alerts import alerts_step
from prospect.settings import Settings, get_settings
from prospect.targeting import CampaignConfig
from prospect.webhooks import attempt_delivery, backoff_seconds
from worker.celery_app import app, make_celery
from worker.config import WorkerSettings

logger = logging.getLogger(__name__)
KNOBS = WorkerSettings()
TRANSIENT = (DatabaseError, BrokerError, RedisConnectionError, TimeoutError)


class RunStepTask(Task):
    """A step of a run: late ack (all steps are idempotent), retried on transient errors only,
    and the run marked ``failed`` with the reason when it gives up."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = TRANSIENT
    retry_backoff = True
    retry_backoff_max = KNOBS.retry_backoff_max
    retry_jitter = True
    max_retries = KNOBS.max_retries

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any):
        run_id = args[0] if args else kwargs.get("run_id")
        try:
            kind = getattr(getattr(einfo, "type", None), "__name__", None)
            fail(get_settings(), run_id, exc, kind=kind)
        except Exception:  # the database may be what failed; the log still has the reason
            logger.exception("could not mark run %s failed", run_id)


@app.task(base=RunStepTask, name="worker.tasks.validate")
def validate(run_id: str) -> str:
    """Start the gate (the reference month cut into the run's buckets), then queue one ingest
    task per part of the delivery."""
    settings = get_settings()
    if stopped(settings, run_id):
        return "stopped"
    outcome = gate_step(run_id, settings)
    if outcome == "scoring":  # a redelivery after the verdict: repeat the hand-over
        _queue_scoring(run_id)
    elif outcome == "validating":
        group(ingest.si(run_id, p) for p in range(n_parts(settings, run_id))).apply_async()
    return outcome


@app.task(base=RunStepTask, name="worker.tasks.ingest")
def ingest(run_id: str, part: int) -> int:
    """Stream one part into the hash buckets; the task that finds every part in queues the
    buckets' gate (or the verdict, when a part could not be read)."""
    settings = get_settings()
    if stopped(settings, run_id):
        return 0
    rows = ingest_step(run_id, part, settings)
    following = finish_ingest(settings, run_id)
    if following == "gate":
        n = load_plan(settings, run_id).n_partitions
        group(gate_bucket.si(run_id, b) for b in range(n)).apply_async()
    elif following == "verdict":
        verdict.delay(run_id)
    return rows


@app.task(base=RunStepTask, name="worker.tasks.gate_bucket")
def gate_bucket(run_id: str, bucket: int) -> None:
    """Measure one bucket for the gate; the one task that finds every bucket measured queues
    the verdict."""
    settings = get_settings()
    if stopped(settings, run_id):
        return
    gate_bucket_step(run_id, bucket, settings)
    if claim_verdict(settings, run_id):
        verdict.delay(run_id)


@app.task(base=RunStepTask, name="worker.tasks.verdict")
def verdict(run_id: str) -> str:
    """Merge the buckets' counts into the month's report; on pass or warn queue scoring."""
    settings = get_settings()
    if stopped(settings, run_id):
        return "stopped"
    outcome = verdict_step(run_id, settings)
    if outcome != "quarantine":
        _queue_scoring(run_id)
    return outcome


def _queue_scoring(run_id: str) -> None:
    n = load_plan(get_settings(), run_id).n_partitions
    group(score.si(run_id, i) for i in range(n)).apply_async()


@app.task(base=RunStepTask, name="worker.tasks.score")
def score(run_id: str, index: int) -> int:
    """Score one partition; the task that finds all partitions done queues selection."""
    if KNOBS.test_score_delay > 0:
        time.sleep(KNOBS.test_score_delay)
    settings = get_settings()
    if stopped(settings, run_id):
        return 0
    counts = score_step(run_id, index, settings)
    _hand_over(run_id, (0, index))
    return int(counts["n_shortlisted"])


@app.task(base=RunStepTask, name="worker.tasks.merge")
def merge(run_id: str, level: int, index: int) -> int:
    """Reduce one node of the shortlists' merge tree; hand over like ``score``."""
    settings = get_settings()
    if stopped(settings, run_id):
        return 0
    rows = merge_step(run_id, (level, index), settings)
    _hand_over(run_id, (level, index))
    return rows


@app.task(base=RunStepTask, name="worker.tasks.bound")
def bound(run_id: str) -> None:
    """Price the run's pruning bound on all shortlists, then queue the first merges."""
    settings = get_settings()
    if stopped(settings, run_id):
        return
    bound_step(run_id, settings)
    _hand_over(run_id, merge_tree.BOUND)


def _hand_over(run_id: str, step: merge_tree.Step) -> None:
    settings = get_settings()
    for following in merge_tree.following(settings, load_plan(settings, run_id), step):
        if following == merge_tree.SELECT:
            select.delay(run_id)
        elif following == merge_tree.BOUND:
            bound.delay(run_id)
        else:
            assert isinstance(following, tuple)
            merge.delay(run_id, *following)


@app.task(base=RunStepTask, name="worker.tasks.select")
def select(run_id: str) -> int:
    """Select the list from the partitions' shortlists, then queue publishing."""
    if stopped(get_settings(), run_id):
        return 0
    summary = select_step(run_id, get_settings())
    publish.delay(run_id)
    return int(summary["n_selected"])


@app.task(base=RunStepTask, name="worker.tasks.publish")
def publish(run_id: str) -> int:
    """Store the draft campaign (once per run id) and mark the run ``draft``, then queue the
    month's cardholder alerts."""
    if stopped(get_settings(), run_id):
        return 0
    campaign_id = publish_step(run_id, get_settings())
    raise_alerts.delay(run_id)
    return campaign_id


@app.task(
    name="worker.tasks.raise_alerts",
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=KNOBS.max_retries,
)
def raise_alerts(run_id: str) -> int:
    """Raise the month's alerts on watched cardholders and queue their webhooks (a redelivery
    raises nothing twice: an open alert is never raised again)."""
    summary = alerts_step(run_id, get_settings())
    for delivery_id in summary.pending_deliveries:
        deliver_webhook.delay(delivery_id)
    return summary.n_alerts


@app.task(bind=True, name="worker.tasks.deliver_webhook", acks_late=True)
def deliver_webhook(self: Task, delivery_id: int) -> str:
    """POST one alert to the bank; retried with doubling backoff and jitter until delivered or,
    after ``webhook_max_attempts`` attempts, dead-lettered (every attempt is in the log)."""
    settings = get_settings()
    attempts = settings.webhook_max_attempts
    outcome = attempt_delivery(settings, delivery_id, last=self.request.retries + 1 >= attempts)
    if outcome == "retry":
        wait = backoff_seconds(settings, self.request.retries) * random.uniform(0.8, 1.2)
        raise self.retry(countdown=wait, max_retries=attempts - 1)
    return outcome


@app.task(
    name="worker.tasks.scan_landing",
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=KNOBS.max_retries,
)
def scan_landing() -> str | None:
    """Beat task: queue a run for the newest landed batch that has not been run."""
    found = find_new_batch(get_settings())
    if found is None:
        logger.info("no new batch in the landing folder")
        return None
    path, month = found
    return enqueue_run(month, str(path), "beat")


def enqueue_run(
    month: str,
    batch: str | None,
    requested_by: str,
    *,
    config: CampaignConfig | str | Path | None = None,
    partitions: int | None = None,
) -> str:
    """Create the month's run (``queued``) and queue its first step; returns the run id.

    What happens to a run asked for again is :mod:`prospect.pipeline.lifecycle`'s policy
    (ended: nothing; failed: restarted; in progress: its first step queued again).

    Raises BatchNotFoundError, ConfigError or NoActiveModelError (HTTP 422 in the API) and
    kombu's OperationalError when the broker is unreachable.
    """
    settings = get_settings()
    n = partitions or WorkerSettings().partitions  # read now: tests and the API set it late
    plan, created = plan_month(
        month, batch, config, settings=settings, n_partitions=n, requested_by=requested_by
    )
    decision = admit(settings, plan.run_id)
    if decision == "ended":
        logger.info("run %s already ended; not queued again", plan.run_id)
        return plan.run_id
    _producer_send(settings, "worker.tasks.validate", plan.run_id)
    logger.info("queued run %s for %s (%s)", plan.run_id, month, "new" if created else decision)
    return plan.run_id


_PRODUCERS: dict[str, Celery] = {}


def _producer_send(settings: Settings, task: str, run_id: str) -> None:
    """Send on the broker of ``settings``, which tests and the API may point elsewhere than the
    import-time app; one producer app per broker URL is kept."""
    _producer(settings).send_task(task, args=[run_id])


def _producer(settings: Settings) -> Celery:
    url = settings.celery_broker_url
    producer = app if app.conf.broker_url == url else _PRODUCERS.get(url)
    if producer is None:
        producer = _PRODUCERS[url] = make_celery(settings)
    return producer


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    """Queue one ``deliver_webhook`` per pending delivery (``prospect alerts deliver``, tests)."""
    producer = _producer(get_settings())
    for delivery_id in delivery_ids:
        producer.send_task("worker.tasks.deliver_webhook", args=[delivery_id])
