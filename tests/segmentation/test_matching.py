"""Month to month, personas keep their ids; a persona that moved too far is reported new."""

from __future__ import annotations

import numpy as np
import pytest

from segmentation import PersonaSegmenter, match_personas

NUM = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
CAT = np.array([[0], [1], [2]], dtype=np.int32)


def test_permuted_centroids_keep_their_ids():
    order = [2, 0, 1]
    match = match_personas((NUM, CAT), (NUM[order] + 0.1, CAT[order]), 0.5, prev_ids=[10, 11, 12])
    assert match.ids.tolist() == [12, 10, 11]
    assert match.new == []


def test_a_far_centroid_is_a_new_persona():
    new_num = np.array([[0.1, 0.0], [5.0, 0.1], [20.0, 20.0]])
    match = match_personas((NUM, CAT), (new_num, CAT), 0.5, threshold=1.0)
    assert match.ids.tolist() == [0, 1, 3]
    assert match.new == [3]


def test_extra_personas_beyond_last_month_get_fresh_ids():
    new_num = np.vstack([NUM, [[9.0, 9.0]]])
    new_cat = np.vstack([CAT, [[0]]]).astype(np.int32)
    match = match_personas((NUM, CAT), (new_num, new_cat), 0.5, prev_ids=[4, 5, 6])
    assert match.ids.tolist() == [4, 5, 6, 7]
    assert match.new == [7]


def test_prev_ids_must_fit_the_centroids():
    with pytest.raises(ValueError, match="prev_ids must have one id per previous centroid"):
        match_personas((NUM, CAT), (NUM, CAT), 0.5, prev_ids=[1])


def test_segmenter_match_to_relabels_next_month(planted):
    params = dict(numeric_columns=["x1", "x2", "x3"], categorical_columns=["c2"], n_clusters=4)
    last, _ = planted(400, seed=7)
    now, groups = planted(400, seed=8)
    before = PersonaSegmenter(random_state=0, **params).fit(last)
    after = PersonaSegmenter(random_state=1, **params).fit(now)
    match = after.match_to(before)
    assert sorted(match.ids.tolist()) == [0, 1, 2, 3]
    assert after.new_personas_ == []
    # the persona holding each planted group keeps last month's id
    for group in range(4):
        rows = groups == group
        before_id = np.bincount(before.predict(now[rows])).argmax()
        assert np.bincount(after.predict(now[rows])).argmax() == before_id
    assert set(after.names_) == {0, 1, 2, 3}
    assert list(after.profiles_["persona"]) == [0, 1, 2, 3]
