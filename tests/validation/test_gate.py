"""The validation library on small hand-made frames: outcomes, failures, examples, drift."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from tests.validation.conftest import small_frame
from validation import (
    ColumnRule,
    CrossFieldRule,
    DriftThresholds,
    ReferenceProfile,
    TableRules,
    psi,
    validate,
)


def _only(result, check):
    found = [f for f in result.failures if f.check == check]
    assert len(found) == 1, result.failures
    return found[0]


def test_clean_frame_passes_with_every_expectation_evaluated(small_rules):
    result = validate(small_frame(), small_rules, month="2026-10", reference=small_frame(seed=1))
    assert result.outcome == "pass"
    assert result.failures == []
    # table: 6 columns exist + row count; per column: type of the 3 number columns (text
    # columns holding only str skip it; columns with no missing value skip not-null), 4
    # ranges/sets, formula check on user_id, month in set (duplicate ids: the gate's own check)
    assert result.stats["expectations_evaluated"] == 7 + 3 + 4 + 1 + 1


def test_one_bad_value_in_a_thousand_only_warns_and_names_the_row(small_rules):
    df = small_frame()
    df.loc[3, "age"] = 200.0
    result = validate(df, small_rules, month="2026-10")
    failure = _only(result, "expect_column_values_to_be_between")
    assert (result.outcome, failure.column, failure.severity) == ("warn", "age", "warn")
    assert (failure.count, failure.observed, failure.examples) == (1, [200.0], ["u3"])


def test_bad_values_beyond_the_tolerance_quarantine(small_rules):
    df = small_frame()
    df.loc[[3, 4], "age"] = 200.0
    result = validate(df, small_rules, month="2026-10")
    assert result.outcome == "quarantine"
    assert _only(result, "expect_column_values_to_be_between").examples == ["u3", "u4"]


def test_missing_column_and_wrong_type_quarantine(small_rules):
    df = small_frame().drop(columns=["tenure"])
    df["age"] = df["age"].astype(int).astype(str)
    result = validate(df, small_rules, month="2026-10")
    assert result.outcome == "quarantine"
    assert _only(result, "expect_column_to_exist").column == "tenure"
    assert _only(result, "expect_column_values_to_be_in_type_list").column == "age"


def test_duplicate_ids_name_the_id(small_rules):
    df = small_frame()
    df.loc[10, "user_id"] = "u2"
    failure = _only(validate(df, small_rules, month="2026-10"), "duplicate_ids")
    assert (failure.column, failure.count, failure.examples) == ("user_id", 2, ["u2"])
    assert (failure.severity, failure.cause) == ("quarantine", "duplicate ids within the month")


def test_rows_of_another_month_quarantine(small_rules):
    df = small_frame()
    df.loc[:1, "month"] = "2026-09"
    result = validate(df, small_rules, month="2026-10")
    failure = _only(result, "expect_column_values_to_be_in_set")
    assert (result.outcome, failure.cause, failure.examples) == (
        "quarantine", "rows from another month", ["u0", "u1"])  # fmt: skip


def test_cross_field_rule_counts_only_rows_it_can_judge(small_rules):
    df = small_frame()
    df.loc[[5, 6], "tenure"] = df.loc[[5, 6], "age"] * 12 + 1
    df.loc[7, "age"] = np.nan
    result = validate(df, small_rules, month="2026-10")
    failure = _only(result, "cross_field:tenure_within_age")
    assert (failure.count, failure.examples, failure.column) == (2, ["u5", "u6"], "tenure,age")
    assert failure.share == pytest.approx(2 / 999)


def test_cross_field_rule_with_mostly_tolerates_a_few_rows(small_rules):
    rule = CrossFieldRule("tenure_within_age", "tenure <= age * 12", mostly=0.99, severity="warn")
    rules = replace(small_rules, cross_field_rules=(rule,))
    df = small_frame()
    df.loc[[5, 6], "tenure"] = 600.0
    df.loc[[5, 6], "age"] = 20.0
    assert validate(df, rules, month="2026-10").outcome == "pass"


def test_psi_of_known_shares():
    expected = 0.25 * math.log(2) + 0.25 * math.log(1.5)
    assert psi(np.array([0.5, 0.5]), np.array([0.25, 0.75])) == pytest.approx(expected)
    assert psi(np.array([0.2, 0.8]), np.array([0.2, 0.8])) == 0.0


def test_shift_that_only_drift_sees_quarantines_and_thresholds_are_per_column(small_rules):
    ref = small_frame(seed=1)
    df = small_frame()
    df["voice"] = df["voice"] + 15  # still within range: only PSI catches it
    result = validate(df, small_rules, month="2026-10", reference=ref)
    failure = _only(result, "drift")
    assert (result.outcome, failure.column) == ("quarantine", "voice")
    lenient = replace(small_rules, column_drift={"voice": DriftThresholds(warn=50, fail=100)})
    assert validate(df, lenient, month="2026-10", reference=ref).outcome == "pass"


def test_unseen_category_counts_in_psi(small_rules):
    ref = small_frame(seed=1)
    df = small_frame()
    df.loc[:299, "region"] = "c"
    result = validate(df, small_rules, month="2026-10", reference=ref)
    row = next(d for d in result.drift if d.column == "region")
    assert row.psi > 0.25 and row.status == "quarantine"


def test_missing_share_rise_warns_then_quarantines(small_rules):
    ref = ReferenceProfile.from_frame(small_frame(seed=1), small_rules)
    df = small_frame()
    df.loc[:99, "voice"] = np.nan
    assert _only(validate(df, small_rules, month="2026-10", reference=ref),
                 "missing_share").severity == "warn"  # fmt: skip
    df.loc[:299, "voice"] = np.nan
    assert _only(validate(df, small_rules, month="2026-10", reference=ref),
                 "missing_share").severity == "quarantine"  # fmt: skip


def test_row_count_outside_band_quarantines(small_rules):
    result = validate(small_frame(700), small_rules, month="2026-10", reference=small_frame())
    failure = _only(result, "expect_table_row_count_to_be_between")
    assert (result.outcome, failure.observed) == ("quarantine", 700)


def test_formula_in_free_text_quarantines(small_rules):
    df = small_frame()
    df.loc[8, "user_id"] = "=cmd|' /C calc'!A0"
    failure = _only(validate(df, small_rules, month="2026-10"),
                    "expect_column_values_to_not_be_spreadsheet_formulas")  # fmt: skip
    assert (failure.severity, failure.examples) == ("quarantine", ["=cmd|' /C calc'!A0"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"row_count_band": (1.2, 1.5)}, "row_count_band must satisfy"),
        ({"value_tolerance": 1.5}, "value_tolerance must be in [0, 1); got 1.5."),
        ({"id_column": "nope"}, "id_column 'nope' is not among the column rules."),
    ],
)
def test_bad_rules_are_refused_with_the_parameter_named(kwargs, message):
    base = {"columns": (ColumnRule("user_id", "text"),), "id_column": "user_id"}
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)").replace(".", r"\.")):  # fmt: skip
        TableRules(**{**base, **kwargs})


def test_bad_arguments_raise_type_and_value_errors(small_rules):
    with pytest.raises(TypeError, match="df must be a pandas DataFrame; got list."):
        validate([1, 2], small_rules, month=None)
    with pytest.raises(ValueError, match="severity of rule 'r' must be 'warn' or 'quarantine'"):
        CrossFieldRule("r", "a > 0", severity="fatal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="need 0 <= warn <= fail; got warn=0.3, fail=0.2"):
        DriftThresholds(warn=0.3, fail=0.2)
    with pytest.raises(TypeError, match="reference must be a DataFrame"):
        validate(pd.DataFrame(), small_rules, month=None, reference="ref.csv")  # type: ignore[arg-type]


def test_text_column_holding_numbers_gets_the_type_check(small_rules):
    df = small_frame()
    df.loc[2, "region"] = 7.0
    result = validate(df, small_rules, month="2026-10")
    failure = _only(result, "expect_column_values_to_be_in_type_list")
    assert (result.outcome, failure.column, failure.examples) == ("quarantine", "region", ["u2"])


@pytest.mark.parametrize(("column", "missing"), [("age", np.nan), ("region", None)])
def test_a_missing_value_in_a_column_that_must_be_filled_is_found_and_named(
    small_rules, column, missing
):
    """Filled columns skip GE's not-null check; a column with one hole must still get it."""
    df = small_frame()
    df[column] = df[column].astype(object)
    df.loc[17, column] = missing
    result = validate(df, small_rules, month="2026-10")
    failure = _only(result, "expect_column_values_to_not_be_null")
    assert (failure.column, failure.count, failure.examples) == (column, 1, ["u17"])
