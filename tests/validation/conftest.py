"""Factories for the validation tests: a clean synthetic month, its reference, small rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from validation import ColumnRule, CrossFieldRule, TableRules


@pytest.fixture(scope="session")
def months():
    """Two clean synthetic months (2026-09 as reference, 2026-10 as the batch), 2,000 users."""
    from prospect.synth import generate_months

    return [m.frame for m in generate_months(2000, 2, seed=7, end_month="2026-10")]


@pytest.fixture(scope="session")
def spec():
    from prospect.spec import load_spec

    return load_spec("subscriber_5g")


@pytest.fixture()
def small_rules() -> TableRules:
    """Six columns: id, month, two ranged numbers, a category, a nullable number."""
    return TableRules(
        columns=(
            ColumnRule("user_id", "text", free_text=True),
            ColumnRule("month", "text"),
            ColumnRule("age", "number", min=0, max=110, drift="numeric"),
            ColumnRule("tenure", "number", min=0, max=600, drift="numeric"),
            ColumnRule("region", "text", allowed=("a", "b"), drift="categorical"),
            ColumnRule("voice", "number", nullable=True, min=0, drift="numeric"),
        ),
        id_column="user_id",
        month_column="month",
        cross_field_rules=(CrossFieldRule("tenure_within_age", "tenure <= age * 12"),),
    )


def small_frame(n: int = 1000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "user_id": [f"u{i}" for i in range(n)],
        "month": "2026-10",
        "age": rng.integers(16, 80, n).astype(float),
        "tenure": rng.integers(0, 100, n).astype(float),
        "region": rng.choice(["a", "b"], n).astype(object),
        "voice": rng.normal(100, 10, n),
    })  # fmt: skip
