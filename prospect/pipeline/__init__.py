"""The monthly run: plan (run id from batch, model and config), validate, partition, score,
select and publish — as plain functions of a run id that the worker tasks wrap.
"""

from prospect.pipeline import merge_tree
from prospect.pipeline.exceptions import (
    BatchNotFoundError,
    PartitionsPendingError,
    RunError,
)
from prospect.pipeline.landing import batch_for_month, find_new_batch, month_of
from prospect.pipeline.lifecycle import ENDED, admission
from prospect.pipeline.partitions import partition_batch
from prospect.pipeline.plan import RunPlan, load_plan, prepare_run, run_dir
from prospect.pipeline.run import RunResult, execute, plan_month, result_of, run_month
from prospect.pipeline.runid import config_hash, derive_run_id
from prospect.pipeline.state import RunState, admit, fail, get_state, mark, stopped
from prospect.pipeline.steps import (
    bound_step,
    buckets_pending,
    claim_verdict,
    finish_ingest,
    gate_bucket_step,
    gate_step,
    ingest_step,
    merge_step,
    n_parts,
    partitions_pending,
    publish_step,
    score_step,
    select_step,
    validate_step,
    verdict_step,
)

__all__ = [
    "BatchNotFoundError", "ENDED", "bound_step", "buckets_pending", "claim_verdict",
    "gate_bucket_step", "verdict_step", "PartitionsPendingError", "RunError", "admission", "admit",
    "RunPlan", "RunResult", "RunState", "batch_for_month", "config_hash", "derive_run_id",
    "execute", "fail", "find_new_batch", "finish_ingest", "gate_step", "get_state",
    "ingest_step", "load_plan", "mark", "merge_step", "merge_tree", "month_of", "n_parts",
    "partition_batch", "partitions_pending", "plan_month", "prepare_run", "publish_step",
    "result_of", "run_dir", "run_month", "score_step", "select_step", "stopped", "validate_step",
]  # fmt: skip
