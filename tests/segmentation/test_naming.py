"""Persona names come from the most distinctive features and are unique within a fit."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.naming import MAX_LENGTH, TYPICAL, name_personas

VOCAB = {"age": ("young", "older"), "video": ("light video", "heavy-video streamers")}


def test_names_use_the_vocabulary_and_the_largest_deltas_first():
    deltas = pd.DataFrame(
        {"age": [-1.2, 0.9], "video": [2.0, -0.6], "spend": [0.1, 1.5]}, index=[0, 1]
    )
    names = name_personas(deltas, VOCAB)
    assert names == {0: "heavy-video streamers, young", 1: "high spend, older, light video"}


def test_categorical_modes_and_typical_personas():
    deltas = pd.DataFrame({"plan=business": [1.1, 0.0], "age": [0.0, 0.1]}, index=[3, 4])
    names = name_personas(deltas, {"plan=business": ("", "business-plan")})
    assert names == {3: "business-plan", 4: TYPICAL}


def test_clashing_names_are_made_unique():
    deltas = pd.DataFrame({"age": [1.0, 1.0, 1.0], "video": [0.5, 0.0, 0.0]}, index=[0, 1, 2])
    names = name_personas(deltas, VOCAB, max_terms=1)
    assert len(set(names.values())) == 3
    assert names[0] == "older, heavy-video streamers"
    assert names[2] == "older"


def test_max_terms_must_be_positive():
    with pytest.raises(ValueError, match="max_terms must be at least 1; got 0"):
        name_personas(pd.DataFrame({"a": [1.0]}), max_terms=0)


def test_a_categorical_mode_keeps_a_place_in_the_name_beside_larger_numeric_deltas():
    deltas = pd.DataFrame(
        {"age": [2.0, -2.0], "video": [1.5, -1.5], "spend": [1.2, -1.2],
         "plan=business": [0.6, 0.0], "plan=basic": [0.0, 0.7]},
        index=[0, 1],
    )  # fmt: skip
    vocab = {**VOCAB, "plan=business": ("", "business-plan")}
    names = name_personas(deltas, vocab, max_terms=3)
    assert names == {0: "older, heavy-video streamers, business-plan",
                     1: "young, light video, plan basic"}  # fmt: skip


def test_names_fit_the_store_and_stay_distinct():
    long_words = {f"c{i}": ("", f"a rather long persona phrase number {i}") for i in range(4)}
    deltas = pd.DataFrame({f"c{i}": [1.0 + i, 1.0 + i, 1.0 + i] for i in range(4)}, index=[0, 1, 2])
    names = name_personas(deltas, long_words, max_terms=3)
    assert all(len(n) <= MAX_LENGTH for n in names.values())
    assert len(set(names.values())) == 3
    # the weakest terms are dropped to fit; identical personas are told apart by their ids
    assert names[0] == "a rather long persona phrase number 3 (persona 0)"
