"""Selection reads the shortlists without their explanations and gets them back for targets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from prospect.pipeline.shortlists import read_shortlists, with_explanations


def _write(tmp_path, name, ids, drivers, reasons):
    frame = pd.DataFrame(
        {
            "user_id": ids,
            "p_demand": np.linspace(0.1, 0.9, len(ids)),
            "drivers": [np.array(d, dtype=object) for d in drivers],
            "reasons": [np.array(r, dtype=object) for r in reasons],
        }
    )
    path = tmp_path / name
    frame.to_parquet(path, index=False)
    return path


def test_targets_get_the_explanations_of_their_own_rows(tmp_path):
    paths = [
        _write(tmp_path, "a.parquet", ["u1", "u2"], [["age low"], ["fee high"]], [["r1"], []]),
        _write(tmp_path, "b.parquet", ["u3"], [["spend high", "mall"]], [["r3", "r4"]]),
    ]
    merged = read_shortlists(paths)
    assert merged["user_id"].tolist() == ["u1", "u2", "u3"]
    assert merged["p_demand"].tolist() == [0.1, 0.9, 0.1]
    assert merged["drivers"].isna().all() and merged["reasons"].isna().all()

    targets = merged.iloc[[2, 0]].reset_index(drop=True)  # ranked: u3 first
    out = with_explanations(targets, paths)
    assert out["user_id"].tolist() == ["u3", "u1"]
    assert [list(d) for d in out["drivers"]] == [["spend high", "mall"], ["age low"]]
    assert [list(r) for r in out["reasons"]] == [["r3", "r4"], ["r1"]]
    assert targets["drivers"].isna().all()  # the caller's frame is left as it was


def test_a_lone_shortlist_is_reduced_too(tmp_path):
    """A merge node with one child still applies the run's bound: nothing passes up unread."""
    path = _write(tmp_path, "a.parquet", ["u1", "u2", "u3"], [[], [], []], [[], [], []])
    kept = read_shortlists([path], lambda rows: rows[rows["p_demand"] > 0.5])
    assert kept["user_id"].tolist() == ["u3"]
