"""The shortlists' merge tree: its shape, and the hand-over that queues each node exactly when
its children are done, whatever order the tasks finish in."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prospect.pipeline import merge_tree
from prospect.pipeline.plan import RunPlan


@given(n=st.integers(1, 5000), fan_in=st.integers(2, 40))
def test_each_level_reduces_every_node_below_once_and_the_top_fits_one_task(n, fan_in):
    sizes = merge_tree.level_sizes(n, fan_in)
    assert sizes[0] == n and sizes[-1] <= fan_in
    assert all(size > fan_in for size in sizes[:-1])  # no level more than needed
    for level in range(1, len(sizes)):
        covered = [
            child
            for index in range(sizes[level])
            for child in merge_tree.children((level, index), sizes, fan_in)
        ]
        assert covered == list(range(sizes[level - 1]))
        assert all(
            1 <= len(merge_tree.children((level, i), sizes, fan_in)) <= fan_in
            for i in range(sizes[level])
        )


def test_bad_shapes_are_refused_naming_the_numbers():
    with pytest.raises(ValueError, match="fan_in >= 2, got 4 and 1"):
        merge_tree.level_sizes(4, 1)
    with pytest.raises(ValueError, match=r"no merge node \(2, 0\)"):
        merge_tree.children((2, 0), [5, 3], 2)


def _plan(n_partitions: int, fan_in: int) -> RunPlan:
    return RunPlan(run_id="r-tree", month="2026-10", batch_path="/b.parquet",
                   batch_checksum="x", model_version="m", config={}, config_hash="h",
                   n_partitions=n_partitions, merge_fan_in=fan_in)  # fmt: skip


def _finish(settings_, step: merge_tree.Step) -> None:
    """Leave what a finished score, bound or merge task leaves."""
    if step == merge_tree.BOUND:
        path = merge_tree.bound_path(settings_, "r-tree")
    else:
        assert isinstance(step, tuple)
        level, index = step
        path = (merge_tree.shortlist_marker(settings_, "r-tree", index) if level == 0
                else merge_tree.node_path(settings_, "r-tree", step))  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(n=st.integers(1, 60), fan_in=st.integers(2, 6), seed=st.integers(0, 10**6))
def test_nodes_are_handed_over_once_ready_and_select_once_the_top_is(
    bare_settings, n, fan_in, seed
):
    """Tasks finish in a random order (queued steps join the pool as they are handed over):
    the bound is queued once every partition is scored, every merge node after it and never
    before all its children are done, and selection only once every top node is done."""
    import shutil

    from prospect.pipeline import run_dir

    shutil.rmtree(run_dir(bare_settings, "r-tree"), ignore_errors=True)
    plan = _plan(n, fan_in)
    rng = random.Random(seed)
    running: list[merge_tree.Step] = [(0, i) for i in range(n)]
    queued: set[merge_tree.Step] = set()
    selected = False
    while running:
        step = running.pop(rng.randrange(len(running)))
        _finish(bare_settings, step)
        for following in merge_tree.following(bare_settings, plan, step):
            assert not selected
            if following == merge_tree.SELECT:
                assert merge_tree.missing(bare_settings, plan) == [] and not running
                selected = True
                continue
            if following == merge_tree.BOUND:
                assert all(merge_tree.node_done(bare_settings, "r-tree", (0, i)) for i in range(n))
            else:
                assert isinstance(following, tuple)
                assert merge_tree.bound_path(bare_settings, "r-tree").is_file()
                level = following[0]
                kids = merge_tree.children(following, merge_tree.sizes_of(plan), fan_in)
                assert all(
                    merge_tree.node_done(bare_settings, "r-tree", (level - 1, k)) for k in kids
                )
            if following not in queued:  # a duplicate hand-over is harmless: the step skips it
                queued.add(following)
                running.append(following)
    assert selected
    assert queued == {merge_tree.BOUND} | {
        (level, i)
        for level, size in enumerate(merge_tree.sizes_of(plan))
        if level
        for i in range(size)
    }
