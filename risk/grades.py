"""Risk grades: A-E bands of the score with the default rate each band showed in training.

Bands are equal-frequency on the training scores, so each grade is a fifth (by default) of
the training population; A holds the highest scores (lowest risk).
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd


def grade_labels(n_grades: int) -> list[str]:
    if not isinstance(n_grades, int) or not 2 <= n_grades <= 26:
        raise ValueError(f"n_grades must be an int between 2 and 26; got {n_grades!r}.")
    return list(string.ascii_uppercase[:n_grades])


def fit_grade_cuts(scores: np.ndarray, n_grades: int) -> np.ndarray:
    """Ascending score cut-offs between grades (``n_grades - 1`` of them)."""
    grade_labels(n_grades)
    return np.quantile(scores, np.linspace(0, 1, n_grades + 1)[1:-1])


def assign_grades(scores: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Grade letter of each score; the top band is A."""
    labels = grade_labels(len(cuts) + 1)[::-1]
    return np.asarray(labels, dtype=object)[np.searchsorted(cuts, scores, side="right")]


def grade_table(scores: np.ndarray, y: np.ndarray, cuts: np.ndarray) -> pd.DataFrame:
    """Per grade: score range, count and observed default rate."""
    frame = pd.DataFrame({"grade": assign_grades(scores, cuts), "score": scores, "y": y})
    table = frame.groupby("grade").agg(
        min_score=("score", "min"),
        max_score=("score", "max"),
        count=("y", "size"),
        default_rate=("y", "mean"),
    )
    return table.reindex(grade_labels(len(cuts) + 1)).reset_index()
