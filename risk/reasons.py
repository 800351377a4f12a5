"""Reason codes: the features that cost an applicant the most points against a reference.

The usual adverse-action logic: for each feature, the shortfall is the reference points minus
the applicant's points; the largest shortfalls, in words, explain a low score. The reference
is the risk officer's choice:

- ``"best"``: the feature's best bin among bins holding at least ``min_share`` of the training
  rows. A best bin of a few applicants would make almost everyone "lose" points on that
  feature, so that it becomes everyone's first reason only because its best bin is tiny.
- ``"average"``: the feature's average points over the training rows; only applicants below
  their population on a feature get it as a reason.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

REFERENCES = ("best", "average")


def reference_points(points: np.ndarray, counts: np.ndarray, reference: str,
                     min_share: float) -> float:  # fmt: skip
    """One feature's reference points from its bins' points and training counts."""
    share = counts / counts.sum() if counts.sum() > 0 else np.ones(len(counts)) / len(counts)
    if reference == "average":
        return float(np.sum(share * points))
    eligible = share >= min_share
    if not eligible.any():
        eligible = share >= share.max()
    return float(points[eligible].max())


def reason_text(label: str, bin_label: str, cost: float) -> str:
    """Adverse-action wording of one reason, e.g. ``"Months since last payment: [3, inf)
    (-12 points)"``."""
    return f"{label}: {bin_label} (-{cost:.0f} points)"


def check_reference(reference: str, min_share: float) -> None:
    if reference not in REFERENCES:
        raise ValueError(f"reason_reference must be 'best' or 'average'; got {reference!r}.")
    if not (isinstance(min_share, int | float) and 0 <= min_share < 1):
        raise ValueError(f"reason_min_share must be in [0, 1); got {min_share!r}.")


def labels_for(features: list[str], labels: Mapping[str, str] | None) -> dict[str, str]:
    """Readable label per feature: the given mapping, else the feature name."""
    given = labels or {}
    return {f: str(given.get(f) or f) for f in features}


def top_reasons(shortfall: np.ndarray, texts: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """``(rows, n)`` object array: the ``n`` costliest reasons per row, None where nothing
    more costs points. ``shortfall`` and ``codes`` are ``(rows, features)``; ``texts`` is
    indexed by code."""
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int; got {n!r}.")
    order = np.argsort(-shortfall, axis=1, kind="stable")[:, :n]
    picked = np.take_along_axis(codes, order, axis=1)
    costly = np.take_along_axis(shortfall, order, axis=1) > 1e-9
    out = np.full((len(codes), n), None, dtype=object)
    out[:, : order.shape[1]] = np.where(costly, texts[picked], None)
    return out
