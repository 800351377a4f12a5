"""Public data: personas of the UCI bank-marketing clients (mixed numeric and categorical)."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation import PersonaSegmenter

NUMERIC = ["age", "balance", "campaign", "pdays", "previous"]
CATEGORICAL = ["job", "marital", "education", "housing", "loan", "contact", "poutcome"]


@pytest.mark.datasets
def test_bank_marketing_personas(datasets_dir):
    bank = pd.read_csv(datasets_dir / "bank-marketing" / "bank-full.csv.gz", sep=";")
    bank = bank.drop(columns=["duration", "y"])
    segmenter = PersonaSegmenter(
        numeric_columns=NUMERIC,
        categorical_columns=CATEGORICAL,
        k_range=(3, 5),
        sample_size=5000,
        selection_size=1500,
        n_seeds=2,
        random_state=0,
    ).fit(bank)
    profiles = segmenter.profiles_
    assert 3 <= segmenter.k_ <= 5
    assert profiles["size"].sum() == len(bank) == 45211
    assert len(set(segmenter.names_.values())) == segmenter.k_
    # pdays=-1 means "never contacted": some persona is made of previously contacted clients
    assert (profiles["previous"] > 1.0).any()
    print(profiles[["persona", "name", "size", "share"]].to_string(index=False))
