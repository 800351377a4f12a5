"""What a spec can say about a table, and how a bad spec is refused: label roles, eligibility
rules and derived columns as safe expressions, sentinels and special values, persona words."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prospect.exceptions import DataReadError, SpecError
from prospect.expressions import Expression
from prospect.io import read_batch
from prospect.model import PropensityModel
from prospect.personas import persona_columns, persona_vocabulary
from prospect.riskmodel import build_binner
from prospect.spec import load_spec
from prospect.targeting import CampaignConfig, build_campaign
from prospect.training.config import TrainingConfig
from prospect.training.data import month_in_name

BASE = """
name: shop
id_column: cid
month_column: month
columns:
  - {name: cid, role: id, dtype: string}
  - {name: month, role: month, dtype: string}
  - {name: phone, role: pii, dtype: string, required: false}
  - {name: age, role: numeric, dtype: int}
  - {name: income, role: numeric, dtype: float, missing_values: [-1]}
  - {name: late, role: numeric, dtype: int, special_values: [96, 98]}
  - {name: tier, role: categorical, dtype: string, allowed: [gold, basic]}
  - {name: member, role: boolean, dtype: bool, feature: false}
  - {name: bought, role: label, dtype: bool, label_kind: binary, required: false}
  - {name: bad, role: label, dtype: bool, label_kind: binary, required: false}
"""


def spec_of(tmp_path, extra: str = "", columns: str = ""):
    path = tmp_path / "shop.yaml"
    path.write_text(BASE + columns + extra, encoding="utf-8")
    return load_spec(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('x')", "calling \"__import__\\('os'\\).system\""),
        ("open('/etc/passwd')", "calling 'open'"),
        ("age.__class__", "Attribute"),
        ("income[0]", "Subscript"),
        ("age ** 999999", "BinOp"),
        ("'a' * 100000000", "arithmetic on text"),
        ("(lambda: 1)()", "calling"),
        ("age in tier", "'in' without a literal list"),
        ("age >=", "not a valid expression"),
    ],
)
def test_expressions_outside_the_grammar_are_refused_naming_the_rule(text, message):
    with pytest.raises(SpecError, match=message) as caught:
        Expression(text, where="eligibility rule 'adult'")
    assert "eligibility rule 'adult'" in str(caught.value)


def test_expressions_combine_element_wise_and_missing_never_satisfies_a_comparison():
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": ["x", "y", None]})
    assert Expression("a >= 2", where="r").mask(frame).tolist() == [False, True, False]
    assert Expression("not (a == 1)", where="r").mask(frame).tolist() == [False, True, True]
    both = Expression("b in ['x', 'y'] and 1 <= a < 3", where="r")
    assert both.mask(frame).tolist() == [True, True, False]
    assert Expression("isna(a) or a < 2", where="r").mask(frame).tolist() == [True, False, True]
    assert Expression("a >= floor", where="r").mask(frame, {"floor": 2}).tolist() == [
        False, True, False,
    ]  # fmt: skip


def test_label_roles_name_label_columns_and_training_takes_them_from_the_spec(tmp_path):
    spec = spec_of(tmp_path, "labels: {demand: bought, risk: bad}\n")
    config = TrainingConfig().resolved(spec)
    assert (config.demand_label, config.risk_label) == ("bought", "bad")
    assert TrainingConfig(demand_label="bad").resolved(spec).demand_label == "bad"
    with pytest.raises(SpecError, match=r"labels.demand must be one of the label columns"):
        spec_of(tmp_path, "labels: {demand: age}\n")
    no_risk = TrainingConfig().resolved(spec_of(tmp_path, "labels: {demand: bought}\n"))
    assert no_risk.risk_label == "" and not no_risk.has_risk_label  # trains with no scorecard
    no_demand = spec_of(tmp_path, "labels: {risk: bad}\n")
    scorecard_only = TrainingConfig().resolved(no_demand)
    scorecard_only.check(no_demand)  # a scorecard-only bundle
    assert not scorecard_only.has_demand_label and scorecard_only.has_risk_label
    none = spec_of(tmp_path, "")
    with pytest.raises(ValueError, match=r"names no label: add `labels: \{demand: <column>\}`"):
        TrainingConfig().resolved(none).check(none)
    with pytest.raises(ValueError, match="nothing to score risk for"):
        TrainingConfig(scorecard_from="m-1").resolved(no_demand).check(no_demand)


def test_the_contact_column_must_be_personal_data(tmp_path):
    with pytest.raises(SpecError, match="contact_column 'age' must be a column of role pii"):
        spec_of(tmp_path, "contact_column: age\n")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("eligibility: {rules: [{name: adult, require: 'agee >= 18'}]}\n",
         r"eligibility rule 'adult': 'agee >= 18' reads unknown column\(s\) \['agee'\]"),
        ("eligibility: {rules: [{name: adult, require: 'age >= 18'}, "
         "{name: adult, require: 'age < 99'}]}\n", r"\['adult'\] appear twice"),
        ("eligibility: {opt_out_key: email, rules: []}\n", "opt_out_key 'email' is not a column"),
        ("personas: {numeric: [member]}\n", "personas names 'member', which is not a feature"),
    ],
)  # fmt: skip
def test_a_bad_rule_or_reference_is_refused_when_the_spec_loads(tmp_path, extra, message):
    with pytest.raises(SpecError, match=message):
        spec_of(tmp_path, extra)


def test_a_derived_column_must_be_computed_and_may_only_read_known_columns(tmp_path):
    with pytest.raises(SpecError, match="derived column 'debt': 'ratio \\* income' reads unknown"):
        spec_of(tmp_path, columns="  - {name: debt, role: numeric, dtype: float, "
                                  "required: false, derive: 'ratio * income'}\n")  # fmt: skip
    with pytest.raises(SpecError, match="a derived column is computed, not read"):
        spec_of(tmp_path, columns="  - {name: debt, role: numeric, dtype: float, "
                                  "derive: 'age * income'}\n")  # fmt: skip


def test_derived_columns_are_computed_once_at_read_for_gate_models_and_reports(tmp_path):
    spec = spec_of(tmp_path, columns="  - {name: debt, role: numeric, dtype: float, "
                   "required: false, derive: 'late * maximum(income, 0)'}\n")  # fmt: skip
    path = tmp_path / "shop_2026-02.csv"
    path.write_text("cid,age,income,late,tier,member\na,30,1000,2,gold,1\nb,40,-1,1,basic,0\n")
    frame = read_batch(path, spec, month=month_in_name(path))
    assert frame["debt"].tolist() == [2000.0, 0.0] and frame["month"].tolist() == ["2026-02"] * 2
    assert "debt" in spec.feature_columns
    path.write_text("cid,age,income,late,tier,member\na,30,1000,x,gold,1\n")
    with pytest.raises(DataReadError, match="late"):
        read_batch(path, spec, month="2026-02")


def test_month_in_a_file_name():
    assert month_in_name(pd.io.common.Path("bank_2008-05.csv")) == "2008-05"
    assert month_in_name(pd.io.common.Path("x_2024-13.csv")) is None
    assert month_in_name(pd.io.common.Path("2024-01_to_2024-03.csv")) == "2024-03"


def test_sentinels_reach_the_models_missing_values_and_the_binners_special_bins(tmp_path):
    spec = spec_of(tmp_path)
    model = PropensityModel.from_spec(spec)
    assert model.missing_values == {"income": [-1.0]}
    assert build_binner(spec).special_values == {"income": [-1.0], "late": [96.0, 98.0]}
    with pytest.raises(SpecError, match="missing_values and special_values need role numeric"):
        spec_of(tmp_path, columns="  - {name: flag, role: boolean, dtype: bool, "
                                  "missing_values: [-1]}\n")  # fmt: skip


def test_persona_words_come_from_the_spec_with_titles_as_fallback(tmp_path):
    spec = spec_of(tmp_path, columns=(
        "  - {name: visits, role: numeric, dtype: int, words: {low: homebodies, high: regulars}}\n"
        "  - {name: city, role: categorical, dtype: string, allowed: [北京, 上海], title: 城市,"
        " words: {values: {上海: 上海客户}}}\n"
    ))  # fmt: skip
    vocabulary = persona_vocabulary(spec)
    assert vocabulary["visits"] == ("homebodies", "regulars")
    assert vocabulary["age"] == ("low age", "high age")
    assert vocabulary["city=上海"] == ("", "上海客户") and vocabulary["city=北京"] == (
        "",
        "城市 北京",
    )
    numeric, categorical = persona_columns(spec)
    assert "member" not in numeric and categorical == ["tier", "city"]


def _scored(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "user_id": [f"u{i}" for i in range(n)], "msisdn": np.nan,
        "opt_out_key": [f"p{i}" for i in range(n)], "persona": 0, "persona_name": "all",
        "p_demand": 0.5, "pd": 0.01, "score_points": 600.0, "drivers": [[]] * n,
        "reasons": [[]] * n, "age": rng.integers(15, 70, n).astype(float),
        "member": (np.arange(n) % 4 == 0).astype(float),
    })  # fmt: skip


def test_targeting_applies_the_specs_rules_in_order_and_the_opt_out_key(tmp_path):
    spec = spec_of(tmp_path, "eligibility:\n  opt_out_key: phone\n  rules:\n"
                   "    - {name: too_young, require: 'age >= min_age'}\n"
                   "    - {name: member_already, require: 'member == 0'}\n")  # fmt: skip
    scored = _scored(40)
    config = CampaignConfig.model_validate({
        "channel": "sms", "cost_per_contact": {"sms": 0.1}, "budget": {"contacts": 40},
        "value_good": 100.0, "loss_default": 100.0, "control": None, "min_age": 21,
    })  # fmt: skip
    result = build_campaign(scored, config, campaign_key="k", rules=spec.eligibility.rules,
                            suppressed={"p1", "u2"}, as_of=date(2026, 3, 1))  # fmt: skip
    young = scored["age"] < 21
    member = (scored["member"] == 1) & ~young
    opted_out = (scored["opt_out_key"] == "p1") & ~young & ~member
    assert list(result.exclusions)[:3] == ["too_young", "member_already", "suppressed"]
    assert result.exclusions["too_young"] == young.sum()
    assert result.exclusions["member_already"] == member.sum()
    assert result.exclusions["suppressed"] == opted_out.sum()  # "u2" is no opt-out key value
    chosen = scored.set_index("user_id").loc[result.targets["user_id"]]
    assert (chosen["age"] >= 21).all() and (chosen["member"] == 0).all()
    assert len(result.targets) == 40 - young.sum() - member.sum() - opted_out.sum()


class _FakeScorer:
    version = "m-test"
    stability_profile = None
    risk_filter = "scorecard"

    def score(self, df: pd.DataFrame, *, explain: bool = True) -> pd.DataFrame:
        n = len(df)
        return pd.DataFrame({
            "persona": [0] * n, "persona_name": ["all"] * n, "p_demand": [0.5] * n,
            "drivers": [[]] * n, "pd": [0.01] * n, "score_points": [600.0] * n,
            "reasons": [[]] * n,
        })  # fmt: skip


def test_the_scored_frame_carries_what_the_rules_read_and_the_opt_out_key(tmp_path):
    from prospect.pipeline.scoring import scored_frame

    spec = spec_of(tmp_path, "eligibility:\n  opt_out_key: phone\n  rules:\n"
                   "    - {name: member_already, require: 'member == 0'}\n")  # fmt: skip
    frame = pd.DataFrame({"cid": ["a", "b"], "phone": ["139", "138"], "member": [1.0, 0.0],
                          "age": [30.0, 40.0]})  # fmt: skip
    scored = scored_frame(_FakeScorer(), frame, spec)
    assert scored["user_id"].tolist() == ["a", "b"]
    assert scored["opt_out_key"].tolist() == ["139", "138"]
    assert scored["member"].tolist() == [1.0, 0.0] and "age" not in scored.columns


def test_every_column_an_eligibility_rule_reads_is_guarded_by_the_gate(tmp_path):
    """A rule's column is a promise to people: clearing it in a batch quarantines, even when
    the spec's ``guards`` section forgets it and the column is no model feature."""
    from prospect.quality import table_rules
    from validation import validate

    spec = spec_of(tmp_path, "eligibility:\n  opt_out_key: phone\n  rules:\n"
                   "    - {name: member_already, require: 'member == 0'}\n")  # fmt: skip
    assert spec.guards.columns == []
    assert spec.guarded_columns == ["cid", "phone", "member"]
    rng = np.random.default_rng(0)
    n = 3000

    def month(label: str, member_share: float) -> pd.DataFrame:
        return pd.DataFrame({
            "cid": [f"C{i:06d}" for i in range(n)], "month": label,
            "phone": [f"1390000{i:04d}" for i in range(n)],
            "age": rng.integers(20, 70, n).astype(float),
            "income": rng.gamma(2.0, 2000.0, n), "late": rng.integers(0, 3, n).astype(float),
            "tier": rng.choice(["gold", "basic"], n),
            "member": (np.arange(n) % 100 < member_share * 100).astype(float),  # same people
        })  # fmt: skip

    reference = month("2026-09", 0.2)
    held = validate(month("2026-10", 0.2), table_rules(spec), month="2026-10",
                    reference=reference)  # fmt: skip
    assert held.outcome != "quarantine"
    cleared = validate(month("2026-10", 0.0), table_rules(spec), month="2026-10",
                       reference=reference)  # fmt: skip
    assert cleared.outcome == "quarantine"
    assert any(f.column == "member" and f.check.startswith("guard") for f in cleared.failures)


def test_the_contact_number_of_any_table_is_personal_data():
    from prospect.policy import personal_columns

    own = Path(__file__).parent / "specs" / "card_customers_gbk.yaml"  # its number is `phone`
    assert "msisdn" in personal_columns(str(own)) and "msisdn" in personal_columns()
