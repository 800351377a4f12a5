"""Selection's merge tree: the partitions' shortlists reduced in groups, level by level, so no
task reads every shortlist.

Level 0 holds one shortlist per partition. A node of level L+1 is the reduction of at most
``fan_in`` consecutive nodes of level L; levels are added until one holds at most ``fan_in``
nodes, and selection reads that top level. Each reduction keeps the rows that can still reach
the list (:func:`prospect.targeting.shortlist`), and the survivors of a union of survivor sets
are the survivors of the whole (:mod:`prospect.targeting.candidates`), so the list selected
from the top level is the one selected from every row.

Between level 0 and the merges the run's pruning bound is priced once on all shortlists
(:mod:`prospect.targeting.bound`); every reduction above level 0 keeps only the rows within it,
so the nodes hold a band around the list's margin instead of most of the month.

This module knows the tree's shape and where its nodes live; the step that builds a node is
:func:`prospect.pipeline.steps.merge_step`.
"""

from __future__ import annotations

from pathlib import Path

from prospect.pipeline.plan import RunPlan, run_dir
from prospect.settings import Settings

Node = tuple[int, int]  # (level, index within the level)
BOUND, SELECT = "bound", "select"  # the steps after level 0 and after the top level
Step = Node | str


def level_sizes(n_partitions: int, fan_in: int) -> list[int]:
    """Nodes per level, from the partitions (level 0) up to the first level selection can
    read whole (at most ``fan_in`` nodes)."""
    if n_partitions < 1 or fan_in < 2:
        raise ValueError(f"a merge tree needs partitions >= 1 and fan_in >= 2, got "
                         f"{n_partitions} and {fan_in}")  # fmt: skip
    sizes = [n_partitions]
    while sizes[-1] > fan_in:
        sizes.append(-(-sizes[-1] // fan_in))
    return sizes


def children(node: Node, sizes: list[int], fan_in: int) -> range:
    """Indices (in the level below) of the nodes ``node`` reduces."""
    level, index = node
    if not 1 <= level < len(sizes) or not 0 <= index < sizes[level]:
        raise ValueError(f"no merge node {node} in a tree of levels {sizes}")
    return range(index * fan_in, min((index + 1) * fan_in, sizes[level - 1]))


def shortlist_marker(settings: Settings, run_id: str, index: int) -> Path:
    """The JSON of partition ``index``'s counts, written last: it marks the partition scored
    (its shortlist is the ``.parquet`` beside it)."""
    return run_dir(settings, run_id) / "shortlist" / f"part-{index:04d}.json"


def node_path(settings: Settings, run_id: str, node: Node) -> Path:
    """The shortlist file of ``node``: a partition's shortlist at level 0, a reduction above."""
    level, index = node
    if level == 0:
        return shortlist_marker(settings, run_id, index).with_suffix(".parquet")
    return run_dir(settings, run_id) / "merge" / f"level-{level}" / f"node-{index:05d}.parquet"


def bound_path(settings: Settings, run_id: str) -> Path:
    """The run's pruning bound (JSON; ``{"bound": null}`` when the run prunes nothing)."""
    return run_dir(settings, run_id) / "merge" / "bound.json"


def node_done(settings: Settings, run_id: str, node: Node) -> bool:
    """Whether ``node``'s output is complete (every file is written through a rename)."""
    level, index = node
    if level == 0:
        return shortlist_marker(settings, run_id, index).is_file()
    return node_path(settings, run_id, node).is_file()


def sizes_of(plan: RunPlan) -> list[int]:
    """The tree of ``plan``'s run, with the fan-in it was planned with."""
    return level_sizes(plan.n_partitions, plan.merge_fan_in)


def top_nodes(plan: RunPlan) -> list[Node]:
    """The nodes selection reads."""
    sizes = sizes_of(plan)
    return [(len(sizes) - 1, i) for i in range(sizes[-1])]


def missing(settings: Settings, plan: RunPlan) -> list[Node]:
    """Merge nodes not built yet, children before parents (level 0 is scoring's, not here)."""
    sizes = sizes_of(plan)
    return [
        (level, index)
        for level in range(1, len(sizes))
        for index in range(sizes[level])
        if not node_done(settings, plan.run_id, (level, index))
    ]


def following(settings: Settings, plan: RunPlan, step: Step) -> list[Step]:
    """What the task that finished ``step`` hands over: once all of level 0 is done, the
    bound; after the bound, the first merge level (or selection when there is none); after a
    merge node, its parent once all its children are done, and selection once the whole top
    level is. Empty while a sibling is still running (that sibling hands over).

    Two siblings finishing together may both hand over; the steps skip work already done.
    """
    sizes, fan_in = sizes_of(plan), plan.merge_fan_in
    if step == BOUND:
        return [(1, i) for i in range(sizes[1])] if len(sizes) > 1 else [SELECT]
    assert isinstance(step, tuple), f"unknown step {step!r}"
    level, index = step
    if level == 0:
        done = all(node_done(settings, plan.run_id, (0, i)) for i in range(sizes[0]))
        return [BOUND] if done else []
    if level == len(sizes) - 1:
        done = all(node_done(settings, plan.run_id, n) for n in top_nodes(plan))
        return [SELECT] if done else []
    parent = (level + 1, index // fan_in)
    siblings = children(parent, sizes, fan_in)
    if all(node_done(settings, plan.run_id, (level, i)) for i in siblings):
        return [parent]
    return []
