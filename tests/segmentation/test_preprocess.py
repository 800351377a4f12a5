"""Preprocessing: skewed money columns are logged, gaps imputed, missing is its own level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.preprocess import MixedPreprocessor


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bill": [1.0, 2.0, 3.0, 4.0, 1000.0, np.nan],
            "age": [20.0, 30.0, 40.0, 50.0, 60.0, 70.0],
            "flag": [0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
            "plan": ["b", "a", None, "a", "b", "a"],
            "sens": ["1", "2", "1", np.nan, "2", "1"],
        }
    )


def test_only_skewed_non_negative_columns_are_logged():
    pre = MixedPreprocessor(["bill", "age", "flag"], ["plan", "sens"]).fit(_frame())
    assert pre.log_mask_.tolist() == [True, False, False]
    assert pre.medians_.tolist() == [3.0, 45.0, 0.0]


def test_transform_scales_imputes_and_encodes():
    frame = _frame()
    pre = MixedPreprocessor(["bill", "age", "flag"], ["plan", "sens"]).fit(frame)
    Xnum, Xcat = pre.transform(frame)
    np.testing.assert_allclose(Xnum.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Xnum.std(axis=0), 1.0)
    assert Xnum[5, 0] == Xnum[2, 0]  # the missing bill took the median, 3.0
    assert pre.levels_[0].tolist() == ["a", "b", "missing"]
    assert Xcat[:, 0].tolist() == [1, 0, 2, 0, 1, 0]
    assert Xcat[:, 1].tolist() == [0, 1, 0, 2, 1, 0]


def test_unseen_levels_and_integer_categories_are_coded():
    pre = MixedPreprocessor(["age"], ["sens"]).fit(_frame())
    new = pd.DataFrame({"age": [30.0, 30.0, 30.0], "sens": [2, "9", None]}, dtype=object)
    _, Xcat = pre.transform(new.astype({"age": float}))
    assert Xcat[:, 0].tolist() == [1, -1, 2]


def test_inverse_numeric_returns_original_units():
    frame = _frame().fillna({"bill": 3.0})
    pre = MixedPreprocessor(["bill", "age"], ["plan"]).fit(frame)
    Xnum, _ = pre.transform(frame)
    np.testing.assert_allclose(pre.inverse_numeric(Xnum), frame[["bill", "age"]].to_numpy())
