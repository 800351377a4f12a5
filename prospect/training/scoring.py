"""Vectorised scoring pieces for millions of rows: propensity drivers and scorecard points.

The estimators' own explainers build text row by row or run exact TreeSHAP; both are too slow
for a 1M-row partition. Here drivers use XGBoost's approximate (Saabas) contributions and reason
codes are looked up per (feature, bin) — a reason's text depends only on those two — so the
per-row work is array indexing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd
import xgboost as xgb

from prospect.model import PropensityModel
from prospect.model.explain import top_drivers
from risk import Scorecard

BATCH_ROWS = 250_000


def approximate_contributions(model: PropensityModel, X: pd.DataFrame) -> np.ndarray:
    """Per-row feature contributions (last column the bias) in margin units, batched."""
    preparer, booster = model.pipeline_[0], model.pipeline_[-1].get_booster()
    parts = []
    for start in range(0, len(X), BATCH_ROWS):
        matrix = preparer.transform(X.iloc[start : start + BATCH_ROWS])
        data = xgb.DMatrix(matrix, feature_types=list(preparer.feature_types_),
                           enable_categorical=True, nthread=2)  # fmt: skip
        parts.append(booster.predict(data, pred_contribs=True, approx_contribs=True))
    return np.concatenate(parts) if parts else np.empty((0, len(preparer.feature_types_) + 1))


def demand_and_drivers(
    model: PropensityModel, X: pd.DataFrame, n: int
) -> tuple[np.ndarray, list[list[str]]]:
    """Calibrated p_demand and the top ``n`` drivers from one pass of the booster.

    Contributions plus bias sum to the booster's margin, so the uncalibrated probability is
    its sigmoid; the model's fitted calibrator then maps it exactly as ``predict_proba`` does.
    """
    contributions = approximate_contributions(model, X)
    raw = 1.0 / (1.0 + np.exp(-contributions.sum(axis=1, dtype=np.float64)))
    calibrator = model.calibrator_
    if calibrator is not None:
        raw = calibrator.calibrated_classifiers_[0].calibrators[0].predict(raw)
    return np.asarray(raw, dtype=float), driver_texts(model, X, n, contributions)


def driver_texts(
    model: PropensityModel, X: pd.DataFrame, n: int, contributions: np.ndarray | None = None
) -> list[list[str]]:
    """Top ``n`` drivers per row, largest push first, e.g. ``"app_finance_count high (+0.42)"``.

    Same words as :meth:`PropensityModel.explain`, built from a per-(feature, value class)
    vocabulary instead of string operations on every row.
    """
    if contributions is None:
        contributions = approximate_contributions(model, X)
    indices, values = top_drivers(contributions, n)
    vocab, codes = _driver_vocabulary(model, X, np.unique(indices))
    texts = vocab[np.take_along_axis(codes, indices, axis=1)] if len(X) else np.empty((0, n))
    with _gc_paused():
        return [
            [f"{t} ({a:+.2f})" for t, a in zip(row, amount, strict=True)]
            for row, amount in zip(texts.tolist(), values.tolist(), strict=True)
        ]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small lists are built.

    Each allocation burst would otherwise trigger full collections that walk every list made
    so far (measured: 7.1 s instead of 4.0 s for 1M rows of drivers). Strings and lists of
    strings form no cycles, so nothing is left for the collector to find.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _driver_vocabulary(
    model: PropensityModel, X: pd.DataFrame, used: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Label vocabulary, and each row's code into it for every feature index in ``used``."""
    preparer = model.pipeline_[0]
    names = list(preparer.feature_names_out_)
    categorical = set(model.categorical_features)
    boolean = set(model.boolean_features)
    vocab: list[str] = []
    codes = np.zeros((len(X), len(names)), dtype=np.int64)
    for j in used.tolist():
        col = names[j]
        if col in categorical:
            labels, code = _categorical_labels(X[col], col)
        else:
            median = preparer.medians_.get(col, np.nan)
            labels, code = _numeric_labels(X[col], col, col in boolean, median)
        codes[:, j] = code + len(vocab)
        vocab += labels
    return np.asarray(vocab, dtype=object), codes


def _categorical_labels(values: pd.Series, col: str) -> tuple[list[str], np.ndarray]:
    code, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    labels = [f"{col}={u}" for u in uniques] + [f"{col} missing"]
    return labels, np.where(code < 0, len(uniques), code)


def _numeric_labels(
    values: pd.Series, col: str, is_boolean: bool, median: float
) -> tuple[list[str], np.ndarray]:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if is_boolean:
        labels, code = ["no", "yes"], (x > 0.5).astype(np.int64)
    else:
        labels = ["low", "typical", "high"]
        code = np.where(x > median, 2, np.where(x < median, 0, 1))
    code = np.where(np.isnan(x), len(labels), code)
    return [f"{col} {word}" for word in labels] + [f"{col} missing"], code


class PointsLookup:
    """A fitted scorecard's points, and reason texts, per (selected feature, bin) as arrays."""

    def __init__(self, scorecard: Scorecard, descriptions: dict[str, str]) -> None:
        self.scorecard = scorecard
        self.features = list(scorecard.selected_)
        best = scorecard.points_table_.groupby("feature")["points"].max()
        points, texts, shortfall, offsets = [], [], [], [0]
        for f in self.features:
            pts = np.append(scorecard.bin_points_[f], 0.0)  # the last slot is "unseen"
            labels = [*scorecard.binner_.bins_[f].labels, "unseen"]
            cost = best[f] - pts
            name = descriptions.get(f, f)
            points.append(pts)
            shortfall.append(cost)
            texts += [f"{name}: {lab} (-{c:.0f} points)" for lab, c in zip(labels, cost)]  # noqa: B905
            offsets.append(offsets[-1] + len(pts))
        self.points = np.concatenate(points)
        self.shortfall = np.concatenate(shortfall)
        self.texts = np.asarray(texts, dtype=object)
        self.offsets = np.asarray(offsets[:-1])
        self.unseen = np.diff(offsets) - 1

    def codes(self, X: pd.DataFrame) -> np.ndarray:
        """Flat (feature, bin) code of each row and selected feature (-1, unseen, to its slot)."""
        bins = self.scorecard.binner_.bins_
        idx = np.column_stack([bins[f].assign(X[f]) for f in self.features])
        return np.where(idx < 0, self.unseen, idx) + self.offsets

    def score(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-feature points matrix and total points (base included)."""
        points = self.points[codes]
        return points, self.scorecard.base_points_ + points.sum(axis=1)

    def reasons(self, codes: np.ndarray, n: int) -> list[list[str]]:
        """The ``n`` features costing each row most points against their best bin, as text."""
        shortfall = self.shortfall[codes]
        order = np.argsort(-shortfall, axis=1, kind="stable")[:, :n]
        picked = np.take_along_axis(codes, order, axis=1)
        costly = np.take_along_axis(shortfall, order, axis=1) > 1e-9
        texts = np.asarray(np.where(costly, self.texts[picked], None), dtype=object)
        with _gc_paused():
            return [[t for t in row if t is not None] for row in texts.tolist()]


def dimension_points(
    points: np.ndarray, features: list[str], dimensions: Mapping[str, Sequence[str]] | None
) -> dict[str, np.ndarray]:
    """Sub-score per dimension: the sum of its selected features' points (rest in ``other``)."""
    position = {f: j for j, f in enumerate(features)}
    out: dict[str, np.ndarray] = {}
    listed: set[str] = set()
    for name, cols in (dimensions or {}).items():
        listed.update(cols)
        out[name] = points[:, [position[c] for c in cols if c in position]].sum(axis=1)
    rest = [position[f] for f in features if f not in listed]
    if dimensions and rest:
        out["other"] = points[:, rest].sum(axis=1)
    return out
