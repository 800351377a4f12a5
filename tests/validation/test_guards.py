"""The library's guards, formats, identity continuity and PSI bands, on small exact frames."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tests.validation.conftest import small_frame
from validation import ColumnRule, GuardLimits, ReferenceProfile, TableRules, validate
from validation.guards import _all_fixed_width_match, _position_tables
from validation.stability_index import PSI_FAIL, PSI_WARN, psi, psi_band


def _rules(**kwargs) -> TableRules:
    return TableRules(
        columns=(
            ColumnRule("user_id", "text", free_text=True),
            ColumnRule("month", "text"),
            ColumnRule("age", "number", min=0, max=110),
            ColumnRule("blocked", "number", allowed=(0.0, 1.0)),
            ColumnRule("phone", "text", free_text=True),
        ),
        id_column="user_id", month_column="month", **kwargs,
    )  # fmt: skip


def _frame(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = small_frame(n, seed)[["user_id", "month", "age"]]
    frame["user_id"] = [f"U{i:09d}" for i in range(n)]
    frame["blocked"] = (rng.random(n) < 0.02).astype(float)
    frame["phone"] = [f"139{i:08d}" for i in range(n)]
    return frame


def _checks(result) -> dict[str, str]:
    return {f"{f.check}:{f.column}": f.severity for f in result.failures}


def test_a_guarded_flag_falling_to_zero_quarantines_though_it_is_no_feature():
    rules = _rules(guards=("blocked",))
    ref, batch = _frame(), _frame(seed=1)
    batch["blocked"] = 0.0
    result = validate(batch, _rules(guards=("blocked",), guard_limits=GuardLimits(keep_min=0.0)),
                      month="2026-10", reference=ref)  # fmt: skip
    assert _checks(result) == {"guard_shares:blocked": "quarantine"}
    assert "1: 2." in result.failures[0].cause and "-> 0.00%" in result.failures[0].cause
    followed = validate(batch, rules, month="2026-10", reference=ref)
    assert _checks(followed) == {"guard_shares:blocked": "quarantine",
                                 "guard_members:blocked": "quarantine"}  # fmt: skip
    unguarded = validate(batch, _rules(), month="2026-10", reference=ref)
    assert unguarded.outcome == "pass"  # without the guard nothing looks at it


def test_a_guarded_flag_moved_to_other_people_quarantines_though_its_share_holds():
    rules = _rules(guards=("blocked",))
    ref = _frame()
    batch = ref.assign(month="2026-10", age=ref["age"] + 1)
    listed = batch.index[batch["blocked"] == 1.0]
    batch.loc[listed, "blocked"] = 0.0
    batch.loc[batch.index[batch["blocked"] == 0.0][: len(listed)], "blocked"] = 1.0
    result = validate(batch, rules, month="2026-10", reference=ref)
    [failure] = result.failures
    assert (failure.check, failure.column, failure.severity) == (
        "guard_members",
        "blocked",
        "quarantine",
    )
    kept = re.search(rf"1: ([0-9.]+)% of {len(listed)} still 1", failure.cause)
    assert kept is not None and float(kept.group(1)) < 10.0, failure.cause


def test_sampling_noise_alone_does_not_trip_a_guard():
    """Two independent samples (different people behind each flag: members not followed)."""
    rules = _rules(guards=("blocked", "age"), guard_limits=GuardLimits(keep_min=0.0))
    result = validate(_frame(seed=1), rules, month="2026-10", reference=_frame(seed=2))
    assert result.outcome == "pass", result.failures


def test_a_guarded_missing_share_rising_past_the_limit_quarantines():
    rules = _rules(guards=("age",), guard_limits=GuardLimits(missing_rise=0.01))
    batch = _frame(seed=1)
    batch.loc[batch.index[:30], "age"] = np.nan  # 1.5% > 1%
    result = validate(batch, rules, month="2026-10", reference=_frame())
    assert _checks(result)["guard_missing:age"] == "quarantine"


def test_ids_not_seen_last_month_and_stranded_lists_quarantine_with_the_numbers():
    ref, batch = _frame(), _frame(seed=1)
    batch["user_id"] = batch["user_id"].str.lower()
    listed = ref["user_id"].iloc[:50].tolist()
    result = validate(batch, _rules(), month="2026-10", reference=ref,
                      known_ids={"suppression list": listed})  # fmt: skip
    causes = [f.cause for f in result.failures if f.check == "identity_continuity"]
    assert causes[0].startswith("only 0.0% of this month's ids were seen in the reference")
    assert (
        "the suppression list (50 ids) matches 0.0% of its ids this month against 100.0%"
        in (causes[1])
    )
    assert result.stats["identity"]["ids_seen_in_reference"] == 0.0


def test_the_reference_month_re_sent_is_a_repeat_but_a_new_month_is_not():
    ref = _frame()
    again = ref.assign(month="2026-10")
    result = validate(again, _rules(), month="2026-10", reference=ref)
    assert _checks(result) == {"repeated_month:user_id": "quarantine"}
    fresh = ref.assign(month="2026-10", age=ref["age"] + 1)
    assert validate(fresh, _rules(), month="2026-10", reference=ref).outcome == "pass"
    shuffled = again.sample(frac=1.0, random_state=0)
    assert (validate(shuffled, _rules(), month="2026-10").stats["content_digest"]
            == validate(again, _rules(), month="2026-10").stats["content_digest"])  # fmt: skip


def test_formats_name_the_shape_not_the_number_and_few_bad_values_only_warn():
    rules = _rules(formats={"phone": "1[3-9][0-9]{9}"})
    batch = _frame()
    batch.loc[batch.index[5], "phone"] = "1.39000E+10"
    warn = validate(batch, rules, month="2026-10")
    [failure] = warn.failures
    assert (failure.severity, failure.count, failure.examples) == ("warn", 1, ["U000000005"])
    assert "shapes seen: 9.99999A+99" in failure.cause and "139" not in failure.cause
    batch.loc[batch.index[:100], "phone"] = "86" + batch["phone"].iloc[:100]
    assert validate(batch, rules, month="2026-10").outcome == "quarantine"


def test_psi_at_exactly_a_threshold_is_in_the_upper_band():
    assert psi_band(PSI_FAIL) == 2 and psi_band(np.nextafter(PSI_FAIL, 0)) == 1
    assert psi_band(PSI_WARN) == 1 and psi_band(np.nextafter(PSI_WARN, 0)) == 0
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0.0


def test_a_drift_psi_at_the_fail_threshold_quarantines(small_rules):
    from validation.drift import _psi_status

    assert _psi_status(0.25, 0.1, 0.25) == "quarantine"
    assert _psi_status(0.2499999, 0.1, 0.25) == "warn"
    assert _psi_status(0.1, 0.1, 0.25) == "warn"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"guards": ("nope",)}, "guarded or formatted column 'nope' is not among the rules"),
        ({"formats": {"phone": "("}}, "format of column 'phone' is not a regex"),
    ],
)
def test_bad_guard_settings_are_refused_naming_them(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _rules(**kwargs)


def test_guard_limits_must_not_be_negative():
    with pytest.raises(ValueError, match="guard limit psi must be >= 0; got -1"):
        GuardLimits(psi=-1)


def test_the_profile_keeps_hashes_not_ids():
    profile = ReferenceProfile.from_frame(_frame(), _rules())
    assert profile.ids is not None and profile.ids.dtype == np.uint64 and profile.ids.size == 2000
    assert profile.rows is not None and bool(np.all(np.diff(profile.rows.astype(float)) >= 0))


def test_the_profile_follows_each_subscriber_once_with_a_small_code():
    ref = _frame()
    ref = pd.concat([ref, ref.iloc[:5]], ignore_index=True)  # five ids sent twice
    ref.loc[10, "user_id"] = np.nan  # and one row without an id
    profile = ReferenceProfile.from_frame(ref, _rules(guards=("blocked",)))
    assert profile.ids is not None and profile.ids.size == 1999
    assert bool(np.all(np.diff(profile.ids.astype(float)) > 0))
    values, codes = profile.members["blocked"]
    assert codes.dtype == np.int8 and codes.size == profile.ids.size
    held = {values[c] for c in codes.tolist()}
    assert held == {0.0, 1.0} and sum(values[c] for c in codes.tolist()) == ref["blocked"].iloc[
        [i for i in range(2000) if i != 10]].sum()  # fmt: skip


def test_a_known_list_that_still_matches_passes_whatever_the_row_order():
    ref = _frame()
    batch = ref.assign(month="2026-10", age=ref["age"] + 1).sample(frac=1.0, random_state=3)
    listed = ref["user_id"].iloc[::40].tolist()
    result = validate(batch, _rules(), month="2026-10", reference=ref,
                      known_ids={"suppression list": listed})  # fmt: skip
    assert result.outcome == "pass", result.failures
    assert result.stats["identity"]["suppression list_matched"] == 1.0


def test_members_whose_guarded_value_went_missing_are_left_to_the_missing_share_guard():
    ref = _frame()
    batch = ref.assign(month="2026-10", age=ref["age"] + 1)
    listed = batch.index[batch["blocked"] == 1.0]
    batch.loc[listed[: len(listed) // 2], "blocked"] = np.nan  # the rest stay blocked
    limits = GuardLimits(missing_rise=1.0, share_absolute=1.0)
    result = validate(batch, _rules(guards=("blocked",), guard_limits=limits), month="2026-10",
                      reference=ref)  # fmt: skip
    assert "guard_members:blocked" not in _checks(result)


@pytest.mark.parametrize(
    ("values", "decided"),
    [
        (["13800000000", "19999999999"], True),
        (["13800000000", "12999999999"], False),  # wrong second digit, same width
        (["13800000000", "1380000000"], False),  # short value
        (["13800000000", None], False),  # missing values go to the regex
        (["13800000000", "1380000000٣"], False),  # a non-ASCII digit
    ],
)
def test_the_fixed_width_format_shortcut_accepts_only_what_the_regex_accepts(values, decided):
    text = pa.array(values, type=pa.string())
    assert _all_fixed_width_match(text, "1[3-9][0-9]{9}") is decided
    assert _all_fixed_width_match(text, "1[3-9][0-9]{9}|x") is False  # not fixed width


def test_the_fixed_width_shortcut_reads_the_same_classes_as_the_regex():
    assert [
        bytes(np.flatnonzero(t).tolist()).decode() for t in _position_tables(r"[-a]\d[a-c-]")
    ] == [
        "-a",
        "0123456789",
        "-abc",
    ]
