"""The fast paths of the gate give the same answers as the plain checks they replace."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from tests.validation.conftest import small_frame
from validation import ColumnRule, TableRules, validate
from validation.formula import FORMULA_REGEX, looks_like_formula
from validation.guards import format_failures
from validation.identity import id_row_hashes
from validation.stability_index import bin_shares as _bin_shares
from validation.suite import SuiteRunner, cached_suite


def test_formula_screen_agrees_with_the_regex_on_tricky_text():
    values = [" =a", 7.0, "", "\t@x", "ok", "-3", "a=b", "\u3000+x", "  ", "=cmd|x", "+86 1"]
    expected = [re.match(FORMULA_REGEX, str(v)) is not None for v in values]
    assert looks_like_formula(pd.Series(values, dtype=object)).tolist() == expected
    assert sum(expected) == 6


def test_bin_shares_match_sorting_the_values_into_bins():
    rng = np.random.default_rng(3)
    values = rng.normal(size=5001)
    values[::9] = np.nan
    edges = np.array([-1.0, -0.2, 0.0, 1.5])
    finite = values[~np.isnan(values)]
    reference = np.bincount(np.searchsorted(edges, finite, side="right"), minlength=5)
    assert np.array_equal(_bin_shares(values, edges), reference / finite.size)


def test_failure_in_a_column_with_missing_values_keeps_count_and_rows(small_rules):
    df = small_frame()
    df.loc[[10, 11, 12], "voice"] = np.nan
    df.loc[20, "voice"] = -5.0
    result = validate(df, small_rules, month="2026-10")
    (failure,) = result.failures
    assert (failure.check, failure.column) == ("expect_column_values_to_be_between", "voice")
    assert (failure.count, failure.observed, failure.examples) == (1, [-5.0], ["u20"])
    assert failure.share == pytest.approx(1 / 997)  # of the rows holding a value
    assert failure.severity == "quarantine"  # 1/997 is above the 0.1% tolerance


def test_number_outside_a_numeric_set_is_counted_row_by_row():
    rules = TableRules(
        columns=(ColumnRule("id", "text"), ColumnRule("flag", "number", allowed=(0.0, 1.0))),
        id_column="id",
    )
    df = pd.DataFrame({"id": [f"u{i}" for i in range(100)], "flag": [0.0] * 97 + [2.0, 1.0, 2.0]})
    (failure,) = validate(df, rules, month=None).failures
    assert (failure.check, failure.severity) == ("expect_column_values_to_be_in_set", "quarantine")
    assert (failure.count, failure.observed, failure.examples) == (2, [2.0], ["u97", "u99"])


def test_equal_rules_reuse_one_suite_and_leave_pandas_options_alone(small_rules):
    SuiteRunner.shared()
    names = [c.name for c in small_rules.columns]
    first = cached_suite(small_rules, "2026-10", (1, None), names, [])
    again = cached_suite(replace(small_rules), "2026-10", (1, None), names, [])
    other = cached_suite(small_rules, "2026-11", (1, None), names, [])
    assert first is again and first is not other
    df = small_frame()
    before = df.copy()
    validate(df, small_rules, month="2026-10", reference=small_frame(seed=1))
    assert pd.get_option("mode.copy_on_write") is False
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("index", [None, "shuffled"])
def test_example_ids_follow_row_positions_whatever_the_index(small_rules, index):
    df = small_frame()
    if index == "shuffled":
        df.index = np.random.default_rng(0).permutation(len(df)) + 5000
    df.iloc[7, df.columns.get_loc("age")] = 130.0
    (failure,) = validate(df, small_rules, month="2026-10").failures
    assert failure.examples == ["u7"]


def test_id_hashes_in_chunks_equal_one_hash_of_the_column():
    """Stored profiles hold last month's hashes: hashing in chunks must not change one."""
    ids = pd.Series([f"U{i:09d}" for i in range(150_001)], dtype=object)
    ids[70_000] = None
    assert np.array_equal(id_row_hashes(ids), pd.util.hash_array(ids.to_numpy(), categorize=False))


def test_format_check_in_chunks_finds_bad_values_in_every_chunk():
    n = 140_000
    values = pd.Series([f"U{i:09d}" for i in range(n)], dtype=object)
    bad = [3, 65_536, 139_999]  # first chunk, a chunk's first row, the last row
    values[bad] = ["u000000003", "U12", "1.98641E+10"]
    rules = TableRules(
        columns=(ColumnRule("user_id", kind="text"),), id_column="user_id",
        formats={"user_id": "U[0-9]{9}"},
    )  # fmt: skip
    (failure,) = format_failures(pd.DataFrame({"user_id": values}), rules, values.tolist())
    assert failure.count == 3
    assert failure.examples[:3] == ["u000000003", "U12", "1.98641E+10"]
    assert "9.99999A+99" in failure.cause
