"""The label-history world and the reject-inference comparison built on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prospect.spec import load_spec
from prospect.synth import generate_months, write_months
from prospect.synth.acceptance import APPROVAL_RATE, past_policy_accepts
from prospect.training import TrainingConfig
from prospect.training import reject_inference as ri
from prospect.training.data import load_training_data


@pytest.fixture(scope="module")
def worlds():
    everyone = list(generate_months(6000, 2, seed=5))
    accepted = list(generate_months(6000, 2, seed=5, label_history="accepted"))
    return everyone, accepted


def test_default_labels_exist_only_for_the_accepted_and_the_oracle_keeps_everyone(worlds):
    everyone, accepted = worlds
    for full, sel in zip(everyone, accepted, strict=True):
        known = sel.frame["defaulted"].notna().to_numpy()
        assert known.tolist() == sel.oracle["accepted"].tolist()
        assert 0.05 < known.mean() < 0.4
        assert (sel.frame["has_card"].to_numpy() == known).all()  # the accepted hold the card
        assert sel.frame["took_card"][known].isna().all()  # and are not offered one
        assert sel.oracle["p_default"].notna().all()
        assert sel.oracle["p_default"].tolist() == full.oracle["p_default"].tolist()
        truth = sel.oracle["p_default"].to_numpy()
        assert truth[known].mean() < 0.7 * truth[~known].mean()  # the policy avoided risk
        assert "accepted" not in full.oracle  # today's world is unchanged by default
        assert full.frame["defaulted"].notna().all()
    first, second = (m.frame.set_index("user_id")["defaulted"].notna() for m in accepted)
    both = first.index.intersection(second.index)
    assert (first[both] == second[both]).mean() > 0.93  # mostly stays accepted (risk moves)


def test_past_policy_is_seeded_and_approves_its_share_of_applicants():
    ids = pd.Series([f"U{i:09d}" for i in range(20000)])
    p_default = np.random.default_rng(0).uniform(0.01, 0.3, len(ids))
    a = past_policy_accepts(ids, p_default, np.full(len(ids), 1.0), seed=1)
    assert a.mean() == pytest.approx(APPROVAL_RATE, abs=0.01)  # everyone applied
    assert (a == past_policy_accepts(ids, p_default, np.full(len(ids), 1.0), seed=1)).all()
    assert (a != past_policy_accepts(ids, p_default, np.full(len(ids), 1.0), seed=2)).any()
    with pytest.raises(ValueError, match="label_history must be one of"):
        next(generate_months(10, 1, label_history="some"))


@pytest.mark.parametrize("history", ["accepted", "all"])
def test_comparison_judges_candidates_on_the_prospects_against_the_oracle(tmp_path, history):
    write_months(tmp_path, 5000, 3, seed=2, label_history=history)
    spec = load_spec("subscriber_5g")
    data = load_training_data(tmp_path, spec)
    section, chosen = ri.compare(data.train("month"), data.test("month"), spec,
                                 TrainingConfig(), tmp_path)  # fmt: skip
    assert section["available"]
    results = section["results"]
    assert set(results) == {"none", *ri.INFLATIONS}
    assert section["chosen"] == ri.choose(results)
    test = data.test("month")
    if history == "accepted":
        assert section["labels"] == "observed" and chosen is not None
        assert section["prospect_rows"] == int(test["defaulted"].isna().sum())
    else:
        assert section["labels"] == "simulated past policy" and chosen is None
        assert section["every_label_reference"]["roc_auc"] > 0.6
    for r in results.values():
        assert sum(g["count"] for g in r["calibration"]) == section["prospect_rows"]
        assert r["list"]["rows"] <= section["prospect_rows"]
    (tmp_path / "oracle").rename(tmp_path / "elsewhere")
    section, chosen = ri.compare(data.train("month"), test, spec, TrainingConfig(), tmp_path)
    assert section == {"available": False, "reason": ri.NO_ORACLE} and chosen is None


def test_choice_prefers_the_smallest_list_error_within_the_auc_margin():
    def result(auc, error):
        return {"roc_auc": auc, "list": {"error": error}}

    assert ri.choose({"none": result(0.75, 0.02), "p": result(0.749, -0.01)}) == "p"
    assert ri.choose({"none": result(0.75, 0.02), "p": result(0.74, 0.0)}) == "none"
    assert ri.choose({"none": result(0.75, 0.01), "p": result(0.75, -0.01)}) == "none"
    assert ri.expected_roc_auc(np.array([0.1, 0.9]), np.array([0.0, 1.0])) == 1.0


def test_synth_command_writes_the_label_history_world(tmp_path):
    from typer.testing import CliRunner

    from prospect.cli import app

    args = ["synth", "--users", "2000", "--months", "1", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--accepted-labels-only"])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(next(tmp_path.glob("subscribers_*.parquet")))
    oracle = pd.read_parquet(next((tmp_path / "oracle").glob("oracle_*.parquet")))
    assert 0.05 < frame["defaulted"].notna().mean() < 0.4
    assert oracle["accepted"].sum() == frame["defaulted"].notna().sum()
    assert oracle["p_default"].notna().all()


def test_nothing_to_infer_is_said_not_crashed(tmp_path):
    write_months(tmp_path, 1500, 2, seed=4, label_history="accepted")
    spec = load_spec("subscriber_5g")
    data = load_training_data(tmp_path, spec)
    test = data.test("month").assign(defaulted=0.0)  # every test row labelled: no prospects
    section, chosen = ri.compare(data.train("month"), test, spec, TrainingConfig(), tmp_path)
    assert not section["available"] and "0 prospects" in section["reason"] and chosen is None
