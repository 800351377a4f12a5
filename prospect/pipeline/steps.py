"""The steps of a monthly run, each a function of the run id that a worker task wraps.

Every step writes under a deterministic key in the run folder (through a temporary file and a
rename) and first looks for what an earlier delivery of the same step left, so running a step
twice does no harm. Order: :func:`validate_step` -> :func:`score_step` for each partition ->
:func:`merge_step` for each node of the shortlists' merge tree -> :func:`select_step` ->
:func:`publish_step`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.exc import IntegrityError

from prospect.exceptions import DataReadError
from prospect.io import read_batch
from prospect.io.parts import delivery_parts
from prospect.pipeline import inputs, merge_tree, reference, shortlists, stability
from prospect.pipeline.exceptions import PartitionsPendingError, RunError
from prospect.pipeline.lifecycle import TransitionError, reached
from prospect.pipeline.memory import system_arrow_pool
from prospect.pipeline.merge_tree import Node, shortlist_marker
from prospect.pipeline.partitions import (
    delivery_positions,
    ingest_part,
    part_marker,
    partition_path,
)
from prospect.pipeline.plan import (
    RunPlan,
    load_plan,
    run_dir,
    verify_batch,
    write_json_atomic,
    write_parquet_atomic,
)
from prospect.pipeline.scoring import explained_rows, load_scorer, run_spec, scored_frame
from prospect.pipeline.state import RunState, get_state, mark, move, run_session
from prospect.quality import read_failure, record_verdict, table_rules
from prospect.settings import Settings
from prospect.spec import DatasetSpec
from prospect.store import DQReport, Run, save_campaign
from prospect.targeting import (
    CampaignConfig,
    CampaignList,
    build_campaign,
    shortlist,
    write_campaign_summary,
)
from prospect.targeting.bound import Bound
from prospect.targeting.eligibility import count_reasons, exclusion_reasons
from prospect.targeting.value import scored_value
from validation.slices import SliceCounts, measure
from validation.verdict import judge, merge

logger = logging.getLogger(__name__)


def _spec(plan: RunPlan, settings: Settings) -> DatasetSpec:
    """The spec recorded in the run's model bundle (the table it was trained on)."""
    return run_spec(load_scorer(settings, plan.model_version), plan.spec_name)


def validate_step(run_id: str, settings: Settings) -> str:
    """The whole gate in this process, as the workers run it: prepare, ingest every part,
    gate every bucket, then the verdict (see :func:`verdict_step`); returns the outcome."""
    if gate_step(run_id, settings) in ("quarantine", "scoring"):
        return _outcome(settings, run_id)
    for part in range(n_parts(settings, run_id)):
        ingest_step(run_id, part, settings)
    if finish_ingest(settings, run_id) == "gate":
        for bucket in range(load_plan(settings, run_id).n_partitions):
            gate_bucket_step(run_id, bucket, settings)
    return verdict_step(run_id, settings)


def _outcome(settings: Settings, run_id: str) -> str:
    """The gate's outcome of a run past validation (``quarantine`` when it was refused)."""
    state = get_state(settings, run_id)
    if state is not None and state.status == "quarantined":
        return "quarantine"
    earlier = _recorded_verdict(settings, run_id) or _earlier_verdict(settings, state)
    return earlier[0] if earlier else "pass"


def gate_step(run_id: str, settings: Settings) -> str:
    """Start validation: check the batch is the one planned and cut the reference month into
    the run's buckets. Returns ``validating`` (ingest the parts next), or ``quarantine`` /
    ``scoring`` when the run is already past the gate."""
    plan = load_plan(settings, run_id)
    state = get_state(settings, run_id)
    if state is not None and state.status == "quarantined":
        return "quarantine"
    if state is not None and reached(state.status, "scoring"):
        return "scoring"
    if state is None or state.status != "validating":
        mark(settings, run_id, "validating")
        _verdict_claim(settings, run_id).unlink(missing_ok=True)  # a new attempt's to take
    verify_batch(plan)
    if not _already_judged(settings, run_id, state):
        started = time.perf_counter()
        with system_arrow_pool():
            reference.prepare_reference(settings, plan, _spec(plan, settings))
        _add_seconds(settings, run_id, "reference", time.perf_counter() - started)
    return "validating"


def _already_judged(settings: Settings, run_id: str, state: RunState | None) -> bool:
    return (
        _recorded_verdict(settings, run_id) is not None
        or _earlier_verdict(settings, state) is not None
    )


def _verdict_path(settings: Settings, run_id: str) -> Path:
    return run_dir(settings, run_id) / "gate.json"


def _recorded_verdict(settings: Settings, run_id: str) -> tuple[str, int | None] | None:
    path = _verdict_path(settings, run_id)
    if not path.is_file():
        return None
    outcome, report_id, _ = json.loads(path.read_text(encoding="utf-8"))
    return str(outcome), report_id


def _seconds_path(settings: Settings, run_id: str, step: str) -> Path:
    return run_dir(settings, run_id) / "gate" / f"seconds-{step}.json"


def _add_seconds(settings: Settings, run_id: str, step: str, seconds: float) -> None:
    write_json_atomic(_seconds_path(settings, run_id, step), seconds)


def _gate_seconds(settings: Settings, run_id: str) -> float:
    folder = run_dir(settings, run_id) / "gate"
    partials = folder.glob("bucket-*.json") if folder.is_dir() else []
    spent = sum(json.loads(p.read_text(encoding="utf-8")).get("seconds", 0.0) for p in partials)
    extra = folder.glob("seconds-*.json") if folder.is_dir() else []
    return float(spent + sum(json.loads(p.read_text(encoding="utf-8")) for p in extra))


def n_parts(settings: Settings, run_id: str) -> int:
    """How many part files the run's delivery has (one ingest task each)."""
    return len(delivery_parts(Path(load_plan(settings, run_id).batch_path)))


def ingest_step(run_id: str, part: int, settings: Settings) -> int:
    """Stream part ``part`` of the delivery into the run's hash buckets; returns its rows.

    A part that cannot be read leaves its marker with the reader's error (the verdict
    quarantines the batch with it); an ingested part is not read again. Nothing downstream
    reads the buckets before the verdict.
    """
    plan = load_plan(settings, run_id)
    out = _buckets(settings, run_id)
    path = delivery_parts(Path(plan.batch_path))[part]
    try:
        with system_arrow_pool():
            return ingest_part(
                path, part, _spec(plan, settings), out, plan.n_partitions, month=plan.month
            )
    except DataReadError as exc:
        write_json_atomic(part_marker(out, part), {"part": str(path), "rows": 0,
                                                   "error": str(exc)})  # fmt: skip
        return 0


def parts_pending(settings: Settings, run_id: str) -> list[int]:
    """Indices of the delivery's parts not in the buckets yet."""
    out = _buckets(settings, run_id)
    return [i for i in range(n_parts(settings, run_id)) if not part_marker(out, i).is_file()]


def _read_errors(settings: Settings, run_id: str) -> list[str]:
    """The reader's errors of the parts that could not be ingested, in part order."""
    markers = sorted((_buckets(settings, run_id) / "ingested").glob("part-*.json"))
    found = [json.loads(m.read_text(encoding="utf-8")) for m in markers]
    return [m["error"] for m in found if m.get("error")]


def finish_ingest(settings: Settings, run_id: str) -> str | None:
    """What follows once every part is in: ``gate`` (the buckets) or ``verdict`` (a part
    could not be read, or the batch was judged before); None while parts are pending."""
    state = get_state(settings, run_id)
    if state is None or state.status != "validating" or parts_pending(settings, run_id):
        return None
    if _read_errors(settings, run_id) or _already_judged(settings, run_id, state):
        return "verdict"
    return "gate"


def _partial_path(settings: Settings, run_id: str, bucket: int) -> Path:
    return run_dir(settings, run_id) / "gate" / f"bucket-{bucket:04d}.json"


def gate_bucket_step(run_id: str, bucket: int, settings: Settings) -> None:
    """Measure bucket ``bucket`` for the gate (:func:`validation.slices.measure`) against its
    share of the reference; the counts are kept for the verdict. Done once per bucket."""
    target = _partial_path(settings, run_id, bucket)
    if target.is_file():
        return
    started = time.perf_counter()
    plan = load_plan(settings, run_id)
    spec = _spec(plan, settings)
    folder = partition_path(_buckets(settings, run_id), bucket)
    payload: dict[str, Any]
    try:
        with system_arrow_pool():
            frame = read_batch(folder, spec, month=plan.month)
            keys = delivery_positions(_buckets(settings, run_id), bucket)
            profile, known = reference.bucket_reference(settings, run_id, bucket)
            counts = measure(frame, table_rules(spec), month=plan.month, profile=profile,
                             known=known, keys=keys)  # fmt: skip
        payload = {"counts": json.loads(counts.to_json())}
    except DataReadError as exc:
        payload = {"read_error": str(exc)}
    payload["seconds"] = time.perf_counter() - started
    write_json_atomic(target, payload)


def buckets_pending(settings: Settings, run_id: str) -> list[int]:
    """Buckets not measured for the gate yet."""
    n = load_plan(settings, run_id).n_partitions
    return [b for b in range(n) if not _partial_path(settings, run_id, b).is_file()]


def _verdict_claim(settings: Settings, run_id: str) -> Path:
    return run_dir(settings, run_id) / "gate" / "verdict.claim"


def claim_verdict(settings: Settings, run_id: str) -> bool:
    """True for the one caller (of this attempt) that is to queue the verdict, once every
    bucket is measured: two buckets finishing together must not record two reports."""
    if buckets_pending(settings, run_id):
        return False
    claim = _verdict_claim(settings, run_id)
    claim.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def verdict_step(run_id: str, settings: Settings) -> str:
    """Merge the buckets' counts into the month's report, record it, and move the run on:
    ``quarantined`` (the batch moved aside, the reason recorded) or ``scoring``. Returns the
    outcome. A run whose batch was judged before keeps that verdict."""
    state = get_state(settings, run_id)
    if state is None or state.status != "validating":
        return _outcome(settings, run_id)
    plan = load_plan(settings, run_id)
    earlier = _recorded_verdict(settings, run_id) or _earlier_verdict(settings, state)
    if earlier is None:
        started = time.perf_counter()
        gate = _judge(plan, settings)
        seconds = {"validate": _gate_seconds(settings, run_id) + time.perf_counter() - started}
        if gate.outcome == "quarantine":
            mark(settings, run_id, "quarantined", failure_reason=inputs.quarantine_reason(gate),
                 timings=seconds, dq_report_id=gate.report_id)  # fmt: skip
            return "quarantine"
        write_json_atomic(_verdict_path(settings, run_id), [gate.outcome, gate.report_id, seconds])
        earlier = gate.outcome, gate.report_id
    _to_scoring(settings, run_id, state)
    return earlier[0]


def _judge(plan: RunPlan, settings: Settings) -> Any:
    """The month's gate result from its buckets' counts (or the first read error)."""
    spec = _spec(plan, settings)
    rules = table_rules(spec)
    errors = _read_errors(settings, plan.run_id)
    if errors:
        result = read_failure(DataReadError(errors[0]), spec, plan.month)
        return record_verdict(Path(plan.batch_path), spec, result, settings, rules)
    payloads = [
        json.loads(_partial_path(settings, plan.run_id, b).read_text(encoding="utf-8"))
        for b in range(plan.n_partitions)
    ]
    unread = [p["read_error"] for p in payloads if "read_error" in p]
    if unread:
        result = read_failure(DataReadError(unread[0]), spec, plan.month)
        return record_verdict(Path(plan.batch_path), spec, result, settings, rules)
    profile, sizes = reference.reference_summary(settings, plan.run_id)
    merged = merge(SliceCounts(**p["counts"]) for p in payloads)
    result = judge(merged, rules, month=plan.month, profile=profile, known_sizes=sizes,
                   seconds=_gate_seconds(settings, plan.run_id))  # fmt: skip
    return record_verdict(Path(plan.batch_path), spec, result, settings, rules)


def _to_scoring(settings: Settings, run_id: str, state: RunState) -> None:
    """Move the run to scoring (the bytes are still the ones the gate judged)."""
    verify_batch(load_plan(settings, run_id))
    inputs.snapshot_contact_rules(settings, run_id)
    verdict = _verdict_path(settings, run_id)
    seconds: dict[str, float] = {}
    report_id = state.dq_report_id
    if verdict.is_file():
        _, report_id, seconds = json.loads(verdict.read_text(encoding="utf-8"))
    markers = _buckets(settings, run_id) / "ingested"
    seconds["partition"] = sum(
        json.loads(m.read_text(encoding="utf-8")).get("seconds", 0.0) for m in markers.iterdir()
    )
    with contextlib.suppress(TransitionError):  # a redelivered verdict moved it meanwhile
        mark(settings, run_id, "scoring", timings=seconds, dq_report_id=report_id)


def _buckets(settings: Settings, run_id: str) -> Path:
    return run_dir(settings, run_id) / "partitions"


def _earlier_verdict(settings: Settings, state: RunState | None) -> tuple[str, int | None] | None:
    """The outcome and report of the gate an earlier attempt of this run passed, if any."""
    if state is None or state.dq_report_id is None:
        return None
    with run_session(settings) as session:
        report = session.get(DQReport, state.dq_report_id)
        if report is None or report.outcome == "quarantine":
            return None
        return str(report.outcome), int(report.id)


def _require_verdict(settings: Settings, run_id: str) -> None:
    """Nothing is scored or selected before the gate let the month through."""
    state = get_state(settings, run_id)
    if state is None or not reached(state.status, "scoring"):
        status = None if state is None else state.status
        raise RunError(f"run {run_id}: the gate has not let the month through (status {status})")


def score_step(run_id: str, index: int, settings: Settings) -> dict[str, Any]:
    """Score partition ``index`` and keep only its rows that can reach the final list.

    Writes the scored partition, its shortlist and (last) a JSON of its counts, with its rows'
    counts in the stability profile's bins; a partition whose JSON exists is not scored again.
    Returns the counts.
    """
    marker = shortlist_marker(settings, run_id, index)
    if marker.is_file():
        return dict(json.loads(marker.read_text(encoding="utf-8")))
    _require_verdict(settings, run_id)
    started = time.perf_counter()
    plan = load_plan(settings, run_id)
    spec = _spec(plan, settings)
    part = partition_path(run_dir(settings, run_id) / "partitions", index)
    scorer = load_scorer(settings, plan.model_version)
    frame = read_batch(part, spec, month=plan.month)
    # Drivers and reasons are worded for the shortlisted rows only: no list reaches the rest.
    scored = scored_frame(scorer, frame, spec, explain=False)
    drift = stability.partition_counts(
        scorer.stability_profile, frame, scored["score_points"].to_numpy()
    )
    write_parquet_atomic(scored, run_dir(settings, run_id) / "scored" / f"{part.name}.parquet")
    counts = _shortlist(scored, plan, settings, marker.with_suffix(".parquet"),
                        lambda short: explained_rows(short, scorer, frame))  # fmt: skip
    counts["stability"] = drift
    counts["seconds"] = round(time.perf_counter() - started, 3)
    write_json_atomic(marker, counts)
    logger.info(
        "run %s partition %d: %d scored, %d shortlisted",
        run_id,
        index,
        counts["n_scored"],
        counts["n_shortlisted"],
    )
    return counts


def _shortlist(
    scored: pd.DataFrame,
    plan: RunPlan,
    settings: Settings,
    out: Path,
    explained: Callable[[pd.DataFrame], pd.DataFrame],
) -> dict:
    config = plan.campaign_config
    suppressed, contacts = inputs.load_contact_rules(settings, plan.run_id)
    eligibility = _spec(plan, settings).eligibility.rules
    risk_filter = load_scorer(settings, plan.model_version).risk_filter
    rules = {"suppressed": suppressed, "contacts": contacts, "as_of": plan.as_of,
             "risk_filter": risk_filter}  # fmt: skip
    reasons = exclusion_reasons(
        scored, config, scored_value(scored, config, risk_filter=risk_filter),
        rules=eligibility, **rules,
    )  # fmt: skip
    short = explained(shortlist(scored, config, rules=eligibility, **rules))
    write_parquet_atomic(short, out)
    return {
        "n_scored": len(scored),
        "n_eligible": int(reasons.isna().sum()),
        "n_shortlisted": len(short),
        "exclusions": count_reasons(reasons, eligibility),
    }


def partitions_pending(settings: Settings, plan: RunPlan) -> list[int]:
    """Indices of the partitions not scored yet."""
    return [
        i
        for i in range(plan.n_partitions)
        if not shortlist_marker(settings, plan.run_id, i).is_file()
    ]


def select_step(run_id: str, settings: Settings) -> dict[str, Any]:
    """Select the campaign list from the merged shortlists; equal to selecting on all rows.

    Raises PartitionsPendingError while a partition is unscored. Writes the ranked targets and
    the summary (JSON + HTML report); returns the summary.
    """
    plan = load_plan(settings, run_id)
    out = run_dir(settings, run_id) / "selection"
    pending = partitions_pending(settings, plan)
    if pending:
        raise PartitionsPendingError(f"run {run_id}: partitions {pending} are not scored yet.")
    state = get_state(settings, run_id)
    if state is not None and state.status == "scoring":
        mark(settings, run_id, "selecting", timings=_score_timings(settings, plan))
    if (out / "summary.json").is_file():  # selected by an earlier delivery or attempt
        return dict(json.loads((out / "summary.json").read_text(encoding="utf-8")))
    started = time.perf_counter()
    bound_step(run_id, settings)  # inline runs; workers priced it and built the nodes already
    for node in merge_tree.missing(settings, plan):
        merge_step(run_id, node, settings)
    campaign = _select(plan, settings)
    write_campaign_summary(campaign, settings.reports_dir / "campaigns" / run_id)
    write_parquet_atomic(campaign.targets, out / "targets.parquet")
    seconds = {"select": time.perf_counter() - started, "bound": _bound_seconds(settings, run_id)}
    write_json_atomic(out / "timing.json", seconds)
    write_json_atomic(out / "summary.json", campaign.summary)
    return campaign.summary


def bound_step(run_id: str, settings: Settings) -> Bound | None:
    """Price the run's pruning bound on every partition's shortlist, once: the same bound one
    process prices on the whole month (:mod:`prospect.targeting.bound`).

    Raises PartitionsPendingError while a partition is unscored. Returns the bound (None: the
    run prunes nothing).
    """
    path = merge_tree.bound_path(settings, run_id)
    if path.is_file():
        return _recorded_bound(path)
    plan = load_plan(settings, run_id)
    pending = partitions_pending(settings, plan)
    if pending:
        raise PartitionsPendingError(f"run {run_id}: partitions {pending} are not scored yet.")
    started = time.perf_counter()
    config, rules = _selection_rules(plan, settings)
    paths = [merge_tree.node_path(settings, run_id, (0, i)) for i in range(plan.n_partitions)]
    bound = shortlists.price_bound(paths, config, rules["risk_filter"])
    write_json_atomic(path, {"bound": None if bound is None else bound.to_json(),
                             "seconds": time.perf_counter() - started})  # fmt: skip
    return bound


def _bound_seconds(settings: Settings, run_id: str) -> float:
    path = merge_tree.bound_path(settings, run_id)
    return float(json.loads(path.read_text(encoding="utf-8"))["seconds"])


def _recorded_bound(path: Path) -> Bound | None:
    data = json.loads(path.read_text(encoding="utf-8"))["bound"]
    return None if data is None else Bound.from_json(data)


def merge_step(run_id: str, node: Node, settings: Settings) -> int:
    """Build merge-tree ``node``: its children's shortlists reduced to the rows that can still
    reach the list within the run's bound, explanations kept for those
    (:mod:`prospect.pipeline.merge_tree`).

    Raises PartitionsPendingError while a child is not done; a node already built is not
    built again. Returns its rows.
    """
    plan = load_plan(settings, run_id)
    path = merge_tree.node_path(settings, run_id, node)
    if path.is_file():
        return shortlists.row_count(path)
    level = node[0]
    sizes = merge_tree.sizes_of(plan)
    below = [(level - 1, i) for i in merge_tree.children(node, sizes, plan.merge_fan_in)]
    pending = [n for n in below if not merge_tree.node_done(settings, run_id, n)]
    if pending:
        raise PartitionsPendingError(f"run {run_id}: merge node {node} waits for {pending}")
    paths = [merge_tree.node_path(settings, run_id, n) for n in below]
    merged = shortlists.read_shortlists(paths, _reduction(plan, settings))
    write_parquet_atomic(shortlists.with_explanations(merged, paths), path)
    return len(merged)


def _reduction(plan: RunPlan, settings: Settings) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The exact reduction every merge and the selection apply: the run's rules and bound."""
    config, rules = _selection_rules(plan, settings)
    bound = bound_step(plan.run_id, settings)
    return lambda rows: shortlist(rows, config, bound=bound, **rules)


def _score_timings(settings: Settings, plan: RunPlan) -> dict[str, float]:
    seconds = [
        json.loads(shortlist_marker(settings, plan.run_id, i).read_text())["seconds"]
        for i in range(plan.n_partitions)
    ]
    return {"score": sum(seconds), "score_slowest_partition": max(seconds)}


def _selection_rules(plan: RunPlan, settings: Settings) -> tuple[CampaignConfig, dict[str, Any]]:
    """The campaign config and the rules every reduction and the selection apply."""
    suppressed, contacts = inputs.load_contact_rules(settings, plan.run_id)
    scorer = load_scorer(settings, plan.model_version)
    rules: dict[str, Any] = {
        "rules": _spec(plan, settings).eligibility.rules, "suppressed": suppressed,
        "contacts": contacts, "as_of": plan.as_of, "risk_filter": scorer.risk_filter,
    }  # fmt: skip
    return plan.campaign_config, rules


def _select(plan: RunPlan, settings: Settings) -> CampaignList:
    counts = [
        json.loads(shortlist_marker(settings, plan.run_id, i).read_text())
        for i in range(plan.n_partitions)
    ]
    paths = [merge_tree.node_path(settings, plan.run_id, n) for n in merge_tree.top_nodes(plan)]
    config, rules = _selection_rules(plan, settings)
    merged = shortlists.read_shortlists(paths, _reduction(plan, settings))
    campaign = build_campaign(merged, config, campaign_key=plan.run_id,
                              bound=bound_step(plan.run_id, settings), **rules)  # fmt: skip
    targets = shortlists.with_explanations(campaign.targets, paths)
    campaign = inputs.with_partition_counts(dataclasses.replace(campaign, targets=targets), counts)
    parts = [c.get("stability") for c in counts]
    scorer = load_scorer(settings, plan.model_version)
    return stability.with_stability(campaign, settings, plan, scorer.stability_profile, parts)


def publish_step(run_id: str, settings: Settings) -> int:
    """Store the draft campaign and its targets, and mark the run ``draft``, in one transaction.

    Idempotent by run id: the store keeps one campaign per run. Returns the campaign id.
    """
    plan = load_plan(settings, run_id)
    out = run_dir(settings, run_id) / "selection"
    started = time.perf_counter()
    targets = pd.read_parquet(out / "targets.parquet")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    timing = json.loads((out / "timing.json").read_text(encoding="utf-8"))
    fields = {
        "month": plan.month,
        "name": f"{plan.config.get('name', 'campaign')} {plan.month}",
        "config": plan.config,
        "summary": summary,
        "model_version": plan.model_version,
    }
    try:
        return _publish(settings, run_id, fields, targets, timing, started)
    except IntegrityError:
        # A concurrent delivery (PostgreSQL lets both start) committed the campaign first.
        logger.info("run %s: campaign stored by a concurrent delivery", run_id)
        return _publish(settings, run_id, fields, targets, timing, started)


def _publish(
    settings: Settings,
    run_id: str,
    fields: dict[str, Any],
    targets: pd.DataFrame,
    timing: dict[str, float],
    started: float,
) -> int:
    with run_session(settings) as session:
        campaign = save_campaign(session, run_id, fields, targets)
        run = session.get(Run, run_id)
        if run is not None and not reached(run.status, "draft"):
            timing["publish"] = time.perf_counter() - started
            move(session, run_id, "draft", timings=timing)
        return int(campaign.id)
