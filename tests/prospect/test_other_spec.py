"""Another table through the same code: the bank-marketing data described by its own spec.

Nothing downstream may be tied to the subscriber columns: reading, the data-quality gate,
personas, the propensity model and the scorecard all take their columns from the spec.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from prospect.io import read_batch
from prospect.model import PropensityModel
from prospect.personas import build_segmenter
from prospect.quality import table_rules
from prospect.riskmodel import fit_scorecard
from prospect.spec import load_spec
from validation import validate

SPEC = Path(__file__).parent / "specs" / "bank_marketing.yaml"
pytestmark = pytest.mark.datasets


@pytest.fixture(scope="module")
def bank(datasets_dir):
    spec = load_spec(SPEC)
    frame = read_batch(datasets_dir / "bank-marketing" / "bank-full.csv.gz", spec, month="2008-05")
    frame["row_id"] = [f"r{i}" for i in range(len(frame))]
    return spec, frame


def test_bank_table_reads_through_its_spec(bank):
    spec, frame = bank
    assert frame.shape == (45211, len(spec.columns))
    assert frame["y"].mean() == pytest.approx(0.117, abs=0.001)
    assert set(frame["housing"].unique()) == {0.0, 1.0}
    assert "duration" not in spec.feature_columns


def test_gate_passes_the_clean_table_and_catches_a_broken_one(bank):
    spec, frame = bank
    rules = table_rules(spec)
    assert validate(frame, rules, month=None).outcome in ("pass", "warn")
    broken = frame.copy()
    broken.loc[:99, "age"] = 250.0
    result = validate(broken, rules, month=None)
    assert result.outcome == "quarantine"
    assert any(f.column == "age" for f in result.failures)


def test_models_fit_on_the_spec_columns(bank):
    spec, frame = bank
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(frame))
    train, test = frame.iloc[idx[:12000]], frame.iloc[idx[12000:20000]]
    model = PropensityModel.from_spec(spec, calibration=None, random_state=0)
    model.fit(train, train["y"].astype(int))
    assert "duration" not in model.feature_names_in_
    assert roc_auc_score(test["y"], model.predict_proba(test)[:, 1]) > 0.75
    scorecard = fit_scorecard(train, spec, label="y")
    assert roc_auc_score(test["y"], scorecard.predict_proba(test)[:, 1]) > 0.7
    personas = build_segmenter(spec, n_clusters=4, sample_size=3000, random_state=0)
    labels = personas.fit(train).predict(test)
    assert set(labels) <= set(range(4)) and len(set(labels)) == 4
