"""The partitions' shortlists as selection reads them: explanations left on disk until chosen.

Each shortlisted row carries its propensity drivers and risk reason codes, a small array of
strings per row: about two thirds of a merged shortlist's memory (some 400 MiB of a 675k-row
merge), yet selection never reads them. They are read back for the selected targets only, from
the same files (a user is in exactly one partition), so the list is the one the full merge gives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from prospect.targeting.bound import Bound, Rows, build_bound, sample
from prospect.targeting.campaign import candidate_rows
from prospect.targeting.candidates import survivor_mask
from prospect.targeting.config import CampaignConfig
from prospect.targeting.value import EFFECT_COLUMN, UPLIFT

EXPLANATIONS = ("drivers", "reasons")
ID = "user_id"


def read_shortlists(
    paths: Sequence[Path], reduce: Callable[[pd.DataFrame], pd.DataFrame] | None = None
) -> pd.DataFrame:
    """The shortlists merged, with every column but :data:`EXPLANATIONS`, which hold None.

    ``reduce`` (a frame -> the rows of it that can still be in the list) is applied whenever
    the shortlists added since the last reduction hold as many rows as its survivors, so
    memory holds at most about twice the survivors and one shortlist, never all of them. It
    is exact: the survivors of a union of survivor sets are the survivors of the whole
    (:mod:`prospect.targeting.candidates`), so any order or grouping of folds ends with them.
    """
    if not paths:
        raise ValueError("no shortlist to read: a run has at least one partition")
    names = [c for c in pq.read_schema(paths[0]).names if c not in EXPLANATIONS]
    merged: pd.DataFrame | None = None
    pending: list[pd.DataFrame] = []
    folded = False
    for path in paths:
        part = pd.read_parquet(path, columns=names)
        if merged is None:
            merged = part  # a shortlist is its own partition's survivors already
            continue
        pending.append(part)
        # Reduce once the rows waiting reach the survivors' size: each reduction then at
        # least halves what it reads, and memory holds at most twice the survivors.
        if reduce is not None and sum(map(len, pending)) >= len(merged):
            merged, pending, folded = _reduced([merged, *pending], reduce), [], True
    assert merged is not None
    if pending or (reduce is not None and not folded):  # a lone shortlist meets a bound too
        merged = _reduced([merged, *pending], reduce)
    return _without_explanations(merged)


def _without_explanations(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :data:`EXPLANATIONS` set to None (added after concatenation: pandas
    checks every None of an object column it concatenates, seconds for a million rows)."""
    return frame.assign(**dict.fromkeys(EXPLANATIONS))


def _reduced(
    frames: list[pd.DataFrame], reduce: Callable[[pd.DataFrame], pd.DataFrame] | None
) -> pd.DataFrame:
    merged = pd.concat(frames, ignore_index=True)
    if reduce is None:
        return merged
    kept = reduce(_without_explanations(merged))
    return kept.drop(columns=list(EXPLANATIONS)).reset_index(drop=True)


def price_bound(paths: Sequence[Path], config: CampaignConfig, risk_filter: str) -> Bound | None:
    """The pruning bound of the pool whose shortlists are ``paths`` (level 0: every partition),
    reading a few columns of one shortlist at a time; None for an uplift list (it takes none).
    """
    names = pq.read_schema(paths[0]).names
    if EFFECT_COLUMN[UPLIFT] in names:
        return None
    columns = [c for c in (ID, "persona_name", "p_demand", "pd") if c in names]

    def rows(path: Path) -> pd.DataFrame:
        return candidate_rows(pd.read_parquet(path, columns=columns), config, risk_filter)

    pool_sample = sample(rows(paths[0]))
    for path in paths[1:]:  # the bottom-k of a union of bottom-k's
        pool_sample = sample(pd.concat([pool_sample, sample(rows(path))], ignore_index=True))

    def where(keep: Rows) -> pd.DataFrame:
        parts = [frame.loc[keep(frame)] for frame in map(rows, paths)]
        union = pd.concat(parts, ignore_index=True)
        survivors = union.loc[survivor_mask(union, config)]
        return survivors.sort_values(ID, kind="mergesort").reset_index(drop=True)

    return build_bound(pool_sample, where, config)


def row_count(path: Path) -> int:
    """Rows of a shortlist file, from its footer."""
    return int(pq.ParquetFile(path).metadata.num_rows)


def with_explanations(targets: pd.DataFrame, paths: Sequence[Path]) -> pd.DataFrame:
    """``targets`` with their :data:`EXPLANATIONS` read from the shortlists they came from."""
    chosen = pa.array(targets[ID].astype(str), type=pa.string())
    parts = []
    for path in paths:
        table = pq.read_table(path, columns=[ID, *EXPLANATIONS])
        parts.append(table.filter(pc.is_in(table[ID], value_set=chosen)).to_pandas())
    found = pd.concat(parts, ignore_index=True).set_index(ID)
    out = targets.copy()
    for name in EXPLANATIONS:
        out[name] = found[name].reindex(out[ID].astype(str)).to_numpy()
    return out
