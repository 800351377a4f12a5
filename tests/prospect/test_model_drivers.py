"""Fast scoring paths: the preparer's category codes and the vectorised driver texts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from prospect.model.explain import describe_drivers, top_drivers
from prospect.model.preprocess import FramePreparer

KINDS = {"income": "numeric", "student": "boolean", "tier": "categorical"}
MEDIANS = {"income": 10.0, "student": 0.0}


def drivers_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "income": [12.0, 8.0, np.nan, 10.0],
            "student": [1.0, 0.0, np.nan, 1.0],
            "tier": ["gold", np.nan, "basic", "gold"],
        },
        index=["a", "b", "c", "d"],
    )


def test_driver_texts_name_value_class_and_rounded_amount():
    frame = drivers_frame()
    contribs = np.array(
        [
            [0.424, -0.1, 0.2, 1.0],
            [0.01, 0.3, -0.2, 1.0],
            [0.5, 0.2, 0.1, 1.0],
            [-0.001, 0.0, -0.002, 1.0],
        ],
        dtype=np.float32,
    )
    indices, values = top_drivers(contribs, 2)
    drivers = describe_drivers(
        frame, ["income", "student", "tier"], KINDS, MEDIANS, indices, values
    )
    assert drivers.to_dict(orient="index") == {
        "a": {"driver_1": "income high (+0.42)", "driver_2": "tier=gold (+0.20)"},
        "b": {"driver_1": "student no (+0.30)", "driver_2": "income low (+0.01)"},
        "c": {"driver_1": "income missing (+0.50)", "driver_2": "student missing (+0.20)"},
        "d": {"driver_1": "student yes (+0.00)", "driver_2": "income typical (-0.00)"},
    }


def test_drivers_of_no_rows_are_an_empty_frame():
    frame = drivers_frame().iloc[:0]
    indices, values = top_drivers(np.zeros((0, 4), dtype=np.float32), 3)
    drivers = describe_drivers(
        frame, ["income", "student", "tier"], KINDS, MEDIANS, indices, values
    )
    assert list(drivers.columns) == ["driver_1", "driver_2", "driver_3"]
    assert drivers.empty


def test_preparer_codes_categories_and_coerces_text_numbers():
    train = pd.DataFrame({"income": [1.0, 2.0, -1.0], "tier": ["gold", "basic", np.nan]})
    preparer = FramePreparer(
        numeric_features=["income"], categorical_features=["tier"], missing_values={"income": [-1]}
    ).fit(train)
    new = pd.DataFrame(
        {"income": ["3.5", "oops", "-1"], "tier": ["basic", "platinum", None]}, dtype=object
    )
    matrix = preparer.transform(new)
    expected = np.array([[3.5, 0.0], [np.nan, np.nan], [np.nan, 2.0]])
    np.testing.assert_array_equal(matrix, expected)
    assert preparer.categories_ == {"tier": ["basic", "gold", "(missing)"]}
