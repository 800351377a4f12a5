"""The vectorised assignment gives exactly kmodes' own ``KPrototypes.predict`` labels."""

from __future__ import annotations

import numpy as np
import pytest
from kmodes.kprototypes import KPrototypes

from segmentation.assign import assign_labels, total_cost
from segmentation.solver import fit_batch, fit_kmodes


def _mixed(seed: int, n_rows: int = 300, integer: bool = False, width: int = 3):
    rng = np.random.default_rng(seed)
    shape = (n_rows, width)
    num = rng.integers(0, 3, shape).astype(float) if integer else rng.normal(size=shape)
    cat = rng.integers(0, 3, (n_rows, 2)).astype(str)
    return num, cat, np.hstack([num.astype(object), cat.astype(object)])


def _kmodes_encoding(model: KPrototypes, cat: np.ndarray) -> np.ndarray:
    return np.array(
        [[model._enc_map[j].get(v, -1) for j, v in enumerate(row)] for row in cat],
        dtype=np.int32,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("integer", [False, True], ids=["continuous", "integer-ties"])
@pytest.mark.parametrize("width", [3, 13], ids=["3-numeric", "13-numeric"])
def test_labels_equal_kprototypes_predict(seed, integer, width):
    num, cat, mixed = _mixed(seed, integer=integer, width=width)
    categorical = [width, width + 1]
    model = KPrototypes(n_clusters=4, n_init=1, max_iter=5, random_state=seed)
    model.fit(mixed[:200], categorical=categorical)
    centroids_num, centroids_cat = model._enc_cluster_centroids
    labels, _ = assign_labels(
        num, _kmodes_encoding(model, cat), centroids_num, centroids_cat, model.gamma, chunk_rows=64
    )
    np.testing.assert_array_equal(labels, model.predict(mixed, categorical=categorical))


def test_exact_ties_go_to_the_lowest_cluster_like_kmodes():
    num, cat, mixed = _mixed(3, integer=True)
    model = KPrototypes(n_clusters=2, n_init=1, max_iter=2, random_state=0)
    model.fit(mixed, categorical=[3, 4])
    centroids_num, centroids_cat = model._enc_cluster_centroids
    model._enc_cluster_centroids = [
        np.vstack([centroids_num[1], centroids_num[1], centroids_num[0]]),
        np.vstack([centroids_cat[1], centroids_cat[1], centroids_cat[0]]),
    ]
    enc = _kmodes_encoding(model, cat)
    labels, _ = assign_labels(num, enc, *model._enc_cluster_centroids, model.gamma)
    expected = model.predict(mixed, categorical=[3, 4])
    np.testing.assert_array_equal(labels, expected)
    assert set(np.unique(labels)) <= {0, 2}


def test_unknown_category_matches_no_centroid():
    labels, costs = assign_labels(
        np.zeros((1, 1)), np.array([[-1]]), np.array([[0.0], [1.0]]), np.array([[0], [1]]), 2.0
    )
    assert labels.tolist() == [0]
    assert costs.tolist() == [2.0]


def test_batch_cost_no_worse_than_kmodes_on_same_rows_and_seeds(planted):
    frame, _ = planted(600, seed=5)
    num = frame[["x1", "x2", "x3"]].fillna(0.0).to_numpy()
    cat = np.column_stack(
        [frame["c1"].fillna("m").map("abcdm".index), frame["c2"].map("wxyz".index)]
    )
    cat = cat.astype(np.int32)
    for seed in (0, 1):
        ours = fit_batch(num, cat, 4, 0.5, n_init=1, random_state=seed)
        theirs = fit_kmodes(num, cat, 4, 0.5, n_init=1, random_state=seed)
        assert ours.cost <= theirs.cost * 1.02
        assert total_cost(num, cat, ours.num_centroids, ours.cat_centroids, 0.5) == pytest.approx(
            ours.cost
        )
