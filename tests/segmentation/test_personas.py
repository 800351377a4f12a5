"""prospect.personas: the subscriber_5g persona columns and marketer words for the names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prospect.personas import build_segmenter, persona_columns, persona_vocabulary
from prospect.spec import load_spec


def _subscribers(n_rows: int, seed: int) -> pd.DataFrame:
    """Canonical subscriber frame: streamers (young, heavy video, student) and business
    travellers (older, high bill, flights, business plan), everything else alike."""
    spec = load_spec("subscriber_5g")
    rng = np.random.default_rng(seed)
    traveller = rng.random(n_rows) < 0.5
    frame = pd.DataFrame({c: rng.gamma(2.0, 10.0, n_rows) for c in spec.numeric_features})
    for col in spec.boolean_features:
        frame[col] = (rng.random(n_rows) < 0.3).astype(float)
    frame["age"] = np.where(traveller, 48.0, 21.0) + rng.normal(0, 3, n_rows)
    frame["bill_amount"] = np.where(traveller, 400.0, 60.0) * rng.lognormal(0, 0.2, n_rows)
    frame["app_video_count"] = np.where(traveller, 5.0, 300.0) * rng.lognormal(0, 0.2, n_rows)
    frame["app_flight_count"] = np.where(traveller, 30.0, 0.0) + rng.poisson(1, n_rows)
    frame["is_student"] = np.where(traveller, 0.0, (rng.random(n_rows) < 0.8).astype(float))
    frame["plan_tier"] = np.where(traveller, "5g_business", "5g_basic").astype(object)
    frame["handset_price_band"] = rng.choice(["2k_4k", "4k_6k", None], n_rows)
    frame["fee_sensitivity"] = rng.choice(["1", "2", "3"], n_rows).astype(object)
    frame["region"] = "fuzhou"
    return frame


def test_persona_columns_are_the_marketer_subset():
    numeric, categorical = persona_columns(load_spec("subscriber_5g"))
    assert categorical == ["plan_tier", "handset_price_band", "fee_sensitivity"]
    assert {"app_video_count", "bill_amount", "is_student"} <= set(numeric)
    assert not {"is_blacklisted", "is_in_arrears", "region", "has_card"} & set(numeric)
    vocabulary = persona_vocabulary(load_spec("subscriber_5g"))
    assert all(key.split("=")[0] in numeric + categorical for key in vocabulary)
    assert vocabulary["app_video_count"] == ("light video", "heavy-video streamers")
    assert vocabulary["plan_tier=5g_business"] == ("", "business-plan")


def test_subscriber_personas_get_marketer_names():
    frame = _subscribers(1200, seed=0)
    segmenter = build_segmenter(load_spec("subscriber_5g"), n_clusters=2, random_state=0).fit(frame)
    names = sorted(segmenter.names_.values())
    assert any("heavy-video streamers" in n for n in names)
    assert any("frequent flyers" in n or "high-spend" in n or "business-plan" in n for n in names)
    streamers = segmenter.profiles_.loc[segmenter.profiles_["app_video_count"].idxmax()]
    assert streamers["plan_tier"] == "5g_basic"
    assert streamers["share"] == pytest.approx(0.5, abs=0.05)


def test_build_segmenter_passes_parameters_through():
    segmenter = build_segmenter(load_spec("subscriber_5g"), k_range=(3, 5), random_state=7)
    assert segmenter.get_params()["k_range"] == (3, 5)
    assert segmenter.random_state == 7
    assert segmenter.vocabulary == persona_vocabulary(load_spec("subscriber_5g"))
