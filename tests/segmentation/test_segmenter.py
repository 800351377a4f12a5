"""PersonaSegmenter: recovers planted groups, records its choice of k, behaves as an estimator."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score

from segmentation import PersonaSegmenter, TooFewRowsError

NUMERIC = ["x1", "x2", "x3", "spend"]
CATEGORICAL = ["c1", "c2"]


def _segmenter(**params) -> PersonaSegmenter:
    base = dict(
        numeric_columns=NUMERIC, categorical_columns=CATEGORICAL, k_range=(2, 6), random_state=0
    )
    return PersonaSegmenter(**{**base, **params})


@pytest.fixture(scope="module")
def fitted():
    from tests.segmentation.conftest import make_planted

    frame, groups = make_planted(1500, seed=1)
    return _segmenter(sample_size=800, selection_size=600).fit(frame), frame, groups


def test_recovers_planted_groups_from_a_sample(fitted):
    segmenter, frame, groups = fitted
    assert segmenter.k_ == 4
    assert adjusted_rand_score(groups, segmenter.predict(frame)) >= 0.9


def test_k_selection_table_is_recorded_and_k_within_range(fitted):
    table = fitted[0].k_selection_
    assert table["k"].tolist() == [2, 3, 4, 5, 6]
    assert {"cost", "silhouette", "stability", "elbow", "chosen"} <= set(table.columns)
    assert table.loc[table["chosen"], "k"].tolist() == [fitted[0].k_]
    assert table["cost"].is_monotonic_decreasing


def test_missing_values_and_unseen_levels_are_assigned(fitted):
    segmenter, frame, _ = fitted
    new = frame.head(5).copy()
    new.loc[:, "x1"] = np.nan
    new.loc[:, "c1"] = ["never-seen", None, "a", "b", "c"]
    labels = segmenter.predict(new)
    assert labels.shape == (5,)
    assert set(labels) <= set(segmenter.names_)


def test_profiles_are_readable_and_names_unique(fitted):
    segmenter, frame, _ = fitted
    profiles = segmenter.profiles_
    assert profiles["size"].sum() == len(frame)
    assert profiles["share"].sum() == pytest.approx(1.0)
    assert set(profiles["c2"]) == {"w", "x", "y", "z"}
    assert len(set(segmenter.names_.values())) == segmenter.k_
    group_at_x1 = profiles.loc[profiles["x1"].idxmax()]
    assert "high x1" in group_at_x1["name"]
    assert segmenter.centroids_.loc[group_at_x1["persona"], "x1"] == pytest.approx(8.0, abs=0.3)


def test_clone_get_params_and_pickle_round_trip(fitted):
    segmenter, frame, _ = fitted
    copy = clone(segmenter)
    assert copy.get_params() == segmenter.get_params()
    assert not hasattr(copy, "k_")
    restored = pickle.loads(pickle.dumps(segmenter))
    np.testing.assert_array_equal(restored.predict(frame), segmenter.predict(frame))


def test_same_seed_same_personas(planted):
    frame, _ = planted(400, seed=2)
    one = _segmenter(n_clusters=4).fit_predict(frame)
    two = _segmenter(n_clusters=4).fit_predict(frame)
    np.testing.assert_array_equal(one, two)


def test_kmodes_solver_gives_the_same_persona_split(planted):
    frame, groups = planted(300, seed=3)
    labels = _segmenter(n_clusters=4, solver="kmodes", n_init=2).fit_predict(frame)
    assert adjusted_rand_score(groups, labels) >= 0.9


def test_predict_before_fit_raises_not_fitted(planted):
    with pytest.raises(NotFittedError):
        _segmenter().predict(planted(10, seed=0)[0])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"solver": "fast"}, "solver must be one of"),
        ({"k_range": (1, 4)}, "k_range must be"),
        ({"gamma": -1.0}, "gamma must be positive"),
        ({"n_clusters": 1}, "n_clusters must be an int >= 2 or None; got 1"),
        ({"categorical_columns": ["nope"]}, "lacks the segmentation columns"),
    ],
)
def test_bad_parameters_name_themselves(planted, params, message):
    with pytest.raises(ValueError, match=message):
        _segmenter(**{"n_clusters": 2, **params}).fit(planted(50, seed=0)[0])


def test_arrays_are_refused_with_a_type_error(fitted):
    with pytest.raises(TypeError, match="X must be a pandas DataFrame; got ndarray"):
        fitted[0].predict(np.zeros((2, 6)))


def test_too_few_rows(planted):
    with pytest.raises(TooFewRowsError, match="fewer than k=6"):
        _segmenter(n_clusters=6).fit(planted(5, seed=0)[0])
