"""Duplicate ids within the month: found from the id hashes, confirmed on the values."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tests.validation.conftest import small_frame
from validation import validate
from validation.identity import id_row_hashes
from validation.uniqueness import duplicate_id_failure


def test_every_row_of_a_repeated_id_counts_and_the_id_is_named_once(small_rules):
    df = small_frame()
    df.loc[[10, 500], "user_id"] = "u2"
    failure = duplicate_id_failure(df, small_rules, id_row_hashes(df["user_id"]))
    assert failure is not None
    assert (failure.count, failure.examples, failure.share) == (3, ["u2"], 3 / len(df))


def test_the_same_id_in_two_months_is_not_a_duplicate(small_rules):
    df = small_frame()
    df.loc[10, ["user_id", "month"]] = ["u2", "2026-09"]
    assert duplicate_id_failure(df, small_rules, id_row_hashes(df["user_id"])) is None
    checks = {f.check for f in validate(df, small_rules, month="2026-10").failures}
    assert checks == {"expect_column_values_to_be_in_set"}  # the foreign month, nothing else


def test_without_a_month_column_ids_must_be_unique_in_the_whole_table(small_rules):
    rules = replace(small_rules, month_column=None)
    df = small_frame()
    df.loc[[1, 2], "month"] = ["2026-08", "2026-09"]
    df.loc[2, "user_id"] = "u1"
    failure = duplicate_id_failure(df, rules, id_row_hashes(df["user_id"]))
    assert failure is not None and (failure.cause, failure.examples) == ("duplicate ids", ["u1"])


def test_a_hash_collision_is_never_reported_as_a_duplicate(small_rules):
    df = small_frame()
    colliding = np.zeros(len(df), dtype=np.uint64)  # every id "hashes" alike
    assert duplicate_id_failure(df, small_rules, colliding) is None
    df.loc[7, "user_id"] = "u3"
    failure = duplicate_id_failure(df, small_rules, colliding)
    assert failure is not None and (failure.count, failure.examples) == (2, ["u3"])
