"""A month gated bucket by bucket gets the report one pass over the whole month gives.

Every case of the broken-batch corpus that can be read is gated twice: whole, and split into
hash buckets of the id whose counts are measured apart (through JSON, as tasks hand them
over), merged and judged. Outcome, failures (counts, shares, causes, example ids), drift,
identity figures, the content digest and great-expectations' results must be the same.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.validation.corpus import CASES
from validation.identity import bucket_of, hash_ids, id_row_hashes


@pytest.fixture(scope="module")
def profile(months, spec):
    from prospect.quality import table_rules
    from validation import ReferenceProfile

    return ReferenceProfile.from_frame(months[0], table_rules(spec))


@pytest.fixture(scope="module")
def known(months):
    """A suppression list of some reference ids and some ids nobody has."""
    ids = months[0]["user_id"].astype(str).tolist()
    return {"suppression list": ids[::7] + ["nobody-1", "nobody-2"]}


def _bucketed(df, rules, profile, known, n, shard=None):
    from validation.slices import SliceCounts, measure
    from validation.verdict import judge, merge

    buckets = bucket_of(id_row_hashes(df[rules.id_column]), n)
    lists = {name: hash_ids(values) for name, values in known.items()}
    parts = []
    for b in range(n):
        rows = np.flatnonzero(buckets == b)
        mine = {name: h[bucket_of(h, n) == b] for name, h in lists.items()}
        counts = measure(
            df.iloc[rows].reset_index(drop=True), rules, month="2026-10",
            profile=profile.bucket(b, n) if shard is None else shard(b), known=mine, keys=rows,
        )  # fmt: skip
        parts.append(SliceCounts.from_json(counts.to_json()))
    sizes = {name: int(h.size) for name, h in lists.items()}
    return judge(merge(reversed(parts)), rules, month="2026-10", profile=profile,
                 known_sizes=sizes)  # fmt: skip


def _comparable(value):
    """Floats to 12 significant digits (sums of shares in another order differ in the last
    bit), seconds left out."""
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list | tuple):
        return [_comparable(v) for v in value]
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.12g}")
    return value


# One case of each kind of finding (the whole corpus takes minutes; test_corpus runs it all).
KINDS = {
    "clean", "negative_bills", "one_age_of_200", "duplicate_ids", "month_mixed_in",
    "nan_storm", "few_nans_nullable", "unseen_region", "boolean_of_2", "shifted_distribution",
    "formula_in_msisdn", "tenure_beyond_age", "ids_lower_cased", "half_new_population",
    "half_blacklist_cleared", "blacklist_swapped", "blacklist_partly_missing",
    "last_month_relabelled_shuffled_csv", "one_bad_msisdn", "everyone_twice",
}  # fmt: skip
SAMPLE = [c for c in CASES if c.name in KINDS]


@pytest.mark.parametrize("n", [7])
@pytest.mark.parametrize("case", SAMPLE, ids=[c.name for c in SAMPLE])
def test_bucketed_gate_gives_the_one_pass_report(case, n, months, spec, profile, known, tmp_path):
    from prospect.exceptions import DataReadError
    from prospect.io import read_batch
    from prospect.quality import table_rules
    from validation import validate

    source = months[0] if case.source == "reference" else months[1]
    path = case.build(source, tmp_path / case.name)
    try:
        df = read_batch(path, spec, month="2026-10")
    except DataReadError:
        pytest.skip("unreadable: the read error is the report")
    rules = table_rules(spec)
    whole = validate(df, rules, month="2026-10", reference=profile, known_ids=known)
    split = _bucketed(df, rules, profile, known, n)
    assert _comparable(split.summary()) == _comparable(whole.summary())
    assert _comparable(split.ge_results) == _comparable(whole.ge_results)


def test_a_profile_built_bucket_by_bucket_gives_the_same_report(
    months, spec, profile, known, tmp_path
):
    """The reference month streamed a bucket at a time into shards (never whole in memory)
    judges a month as the profile of the whole reference frame does."""
    from prospect.quality import table_rules
    from validation import validate
    from validation.profile_build import ProfileBuilder, load_profile

    rules, n = table_rules(spec), 5
    reference = months[0]
    builder = ProfileBuilder(rules, n, tmp_path / "profile")
    ref_buckets = bucket_of(id_row_hashes(reference["user_id"]), 3)  # its own run had 3
    for b in range(3):
        builder.add(reference.iloc[np.flatnonzero(ref_buckets == b)].reset_index(drop=True))
    summary = builder.finish()
    assert (summary.row_count, summary.n_ids, summary.n_rows) == (
        profile.row_count, profile.n_ids, profile.n_rows)  # fmt: skip
    batch = months[1].copy()
    batch.loc[batch.sample(frac=0.3, random_state=1).index, "is_blacklisted"] = 0.0
    whole = validate(batch, rules, month="2026-10", reference=profile, known_ids=known)
    split = _bucketed(batch, rules, summary, known, n,
                      shard=lambda b: load_profile(tmp_path / "profile", b))  # fmt: skip
    assert whole.outcome == "quarantine"
    assert _comparable(split.summary()) == _comparable(whole.summary())
