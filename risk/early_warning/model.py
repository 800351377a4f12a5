"""EarlyWarningModel: the chance that an id defaults within the next k months, from its history.

Takes a long monthly panel (one row per id and month, indicator columns) and builds its own
history features (:mod:`risk.early_warning.history`), so any monthly panel works, not only the
5G subscriber spec. The classifier on top is a points scorecard by default, so the reason codes
read exactly like the application scorecard's (``"<feature>: <bin> (-N points)"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from risk.early_warning.history import (
    binary_indicators,
    feature_names,
    history_features,
    month_index,
)
from risk.early_warning.targets import default_months_from_flags, row_targets
from risk.scorecard import Scorecard
from risk.woe_binner import WOEBinner


class EarlyWarningModel(ClassifierMixin, BaseEstimator):
    """Default within ``horizon`` months, from each id's indicator history up to the month.

    Parameters
    ----------
    id_column, month_column : str
        The panel's id and month columns (months as ``YYYY-MM``, dates or integers).
    indicators : list of str, optional
        Indicator columns (numeric or 0/1); by default every numeric or boolean column other
        than the id, the month and ``default_column``.
    default_column : str, optional
        A 0/1 column of the panel flagging the month of default; used when ``fit`` gets no
        ``y`` (the first flagged month is the id's default month).
    horizon : int, default=3
        Predict default within the next ``horizon`` months.
    window : int, default=6
        Months looked back for changes, trends and counts.
    baseline : int, default=3
        An id's first months, averaged as its own baseline behaviour.
    estimator : classifier, optional
        Fitted on the history features (cloned). A :class:`risk.Scorecard` by default; reason
        codes need an estimator with ``reason_codes`` (a scorecard).
    max_rows : int, default=300000
        Rows with a known target beyond this are sampled (seeded by ``random_state``).
    random_state : int, optional
        Seed of that sample.
    indicator_labels : mapping, optional
        Indicator -> readable name used in reason codes (the scorecard's words for the
        column); the column name where none is given.
    """

    def __init__(
        self,
        *,
        id_column: str = "id",
        month_column: str = "month",
        indicators: Sequence[str] | None = None,
        default_column: str | None = None,
        horizon: int = 3,
        window: int = 6,
        baseline: int = 3,
        estimator: BaseEstimator | None = None,
        max_rows: int = 300_000,
        random_state: int | None = None,
        indicator_labels: Mapping[str, str] | None = None,
    ) -> None:
        self.id_column = id_column
        self.month_column = month_column
        self.indicators = indicators
        self.default_column = default_column
        self.horizon = horizon
        self.window = window
        self.baseline = baseline
        self.estimator = estimator
        self.max_rows = max_rows
        self.random_state = random_state
        self.indicator_labels = indicator_labels

    def fit(self, X: pd.DataFrame, y: pd.Series | pd.DataFrame | None = None) -> EarlyWarningModel:
        """Fit on panel ``X`` and the ids' default months.

        ``y`` maps id -> month of default (NaN or absent: no default), as a Series indexed by
        id or a frame of the id column and one month column; without ``y`` the panel's
        ``default_column`` flags are read.
        """
        self._check_params()
        panel = self._check_panel(X)
        self.indicators_ = self._choose_indicators(panel)
        values = self._values(panel, self.indicators_)
        self.binary_indicators_ = binary_indicators(
            pd.DataFrame(values, columns=self.indicators_), self.indicators_
        )
        self.feature_names_, self.descriptions_ = feature_names(
            self.indicators_,
            self.binary_indicators_,
            self.window,
            self.baseline,
            self.indicator_labels,
        )
        ids, months = self._keys(panel)
        default_of = self._default_months(panel, ids, months, y)
        known_until = pd.Series(months).groupby(ids).transform("max").to_numpy(dtype=float)
        target, usable = row_targets(
            ids, months, default_of.reindex(ids).to_numpy(dtype=float), known_until, self.horizon
        )
        rows = self._sample(np.flatnonzero(usable))
        if len(np.unique(target[rows])) < 2:
            raise ValueError(
                f"fit needs rows that default within horizon={self.horizon} months and rows "
                f"that do not; got {int(target[rows].sum())} defaults in {len(rows)} rows."
            )
        chosen = np.zeros(len(ids), dtype=bool)
        chosen[rows] = True
        features = self._features(ids, months, values, chosen)
        base = self.estimator if self.estimator is not None else _default_estimator()
        self.estimator_ = clone(base).fit(features, target[rows])
        self.classes_ = np.array([0, 1])
        self.n_training_rows_ = len(rows)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Columns P(no default), P(default within ``horizon`` months), one row per panel row."""
        features = self.transform(X)
        return self.estimator_.predict_proba(features)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)

    def transform(self, X: pd.DataFrame, month: object = None) -> pd.DataFrame:
        """History features of every panel row (same order), or only of the rows of ``month``
        (the monthly run scores one month, its history looked up in the earlier rows)."""
        check_is_fitted(self, "estimator_")
        panel = self._check_panel(X, self.indicators_)
        ids, months = self._keys(panel)
        at = None
        if month is not None:
            [wanted] = month_index(pd.Series([month]), "month")
            at = months == wanted
        return self._features(ids, months, self._values(panel, self.indicators_), at)

    def score_month(self, X: pd.DataFrame, month: object, n_reasons: int = 3) -> pd.DataFrame:
        """The ids seen in ``month`` with their PD and reason codes (``reason_1`` ...), in
        panel order; no reason columns when the estimator gives none or ``n_reasons`` is 0."""
        features = self.transform(X, month)  # checks fitted first
        [wanted] = month_index(pd.Series([month]), "month")
        ids = X[self.id_column].to_numpy()[self._keys(X)[1] == wanted]
        out = pd.DataFrame({self.id_column: ids,
                            "pd": self.estimator_.predict_proba(features)[:, 1]})  # fmt: skip
        if n_reasons and hasattr(self.estimator_, "reason_codes") and len(out):
            codes = self.estimator_.reason_codes(features, n=n_reasons,
                                                 labels=self.descriptions_)  # fmt: skip
            out = pd.concat([out, codes.reset_index(drop=True)], axis=1)
        return out

    def reason_codes(self, X: pd.DataFrame, n: int = 3, month: object = None) -> pd.DataFrame:
        """The ``n`` history features costing each row (or each row of ``month``) most points,
        in the scorecard's words."""
        check_is_fitted(self, "estimator_")
        if not hasattr(self.estimator_, "reason_codes"):
            raise TypeError(
                f"reason codes need an estimator with reason_codes (a Scorecard); "
                f"got {type(self.estimator_).__name__}."
            )
        features = self.transform(X, month)
        return self.estimator_.reason_codes(features, n=n, labels=self.descriptions_)

    # -- checks and plumbing ---------------------------------------------------------------

    def _check_params(self) -> None:
        for name in ("horizon", "window", "baseline", "max_rows"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}.")
        if self.window < 2:
            raise ValueError(f"window must be at least 2 months; got {self.window}.")

    def _check_panel(self, X: object, indicators: Sequence[str] = ()) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"X must be a pandas DataFrame (a long panel); got {type(X).__name__}.")
        needed = [self.id_column, self.month_column, *indicators]
        missing = [c for c in needed if c not in X.columns]
        if missing:
            raise ValueError(f"the panel lacks columns {missing}.")
        if X[self.id_column].isna().any():
            row = int(np.flatnonzero(X[self.id_column].isna().to_numpy())[0])
            raise ValueError(f"column {self.id_column!r} has a missing id at row {row}.")
        return X

    def _choose_indicators(self, panel: pd.DataFrame) -> list[str]:
        skip = {self.id_column, self.month_column, self.default_column}
        if self.indicators is not None:
            chosen = list(self.indicators)
            self._check_panel(panel, chosen)
        else:
            chosen = [c for c in panel.columns if c not in skip
                      and (pd.api.types.is_numeric_dtype(panel[c])
                           or pd.api.types.is_bool_dtype(panel[c]))]  # fmt: skip
        if not chosen:
            raise ValueError("the panel has no numeric indicator columns; name them in indicators.")
        return chosen

    @staticmethod
    def _values(panel: pd.DataFrame, indicators: Sequence[str]) -> np.ndarray:
        out = np.empty((len(panel), len(indicators)))
        for j, name in enumerate(indicators):
            column = panel[name]
            if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
                raise TypeError(f"indicator column {name!r} must be numeric or boolean; got "
                                f"{column.dtype}.")  # fmt: skip
            out[:, j] = column.astype(float).to_numpy()
        return out

    def _keys(self, panel: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        ids = panel[self.id_column].astype(str).to_numpy()
        return ids, month_index(panel[self.month_column], self.month_column)

    def _default_months(self, panel, ids, months, y) -> pd.Series:
        if y is None:
            if self.default_column is None or self.default_column not in panel.columns:
                raise ValueError(
                    "fit needs y (id -> default month) or default_column naming a 0/1 column "
                    f"of the panel; got y=None and default_column={self.default_column!r}."
                )
            flags = pd.to_numeric(panel[self.default_column], errors="coerce").fillna(0.0)
            return default_months_from_flags(ids, months, flags.to_numpy(dtype=float))
        if isinstance(y, pd.DataFrame):
            if self.id_column not in y.columns or y.shape[1] != 2:
                raise ValueError(f"y as a frame must hold {self.id_column!r} and one month "
                                 f"column; got columns {list(y.columns)}.")  # fmt: skip
            y = y.set_index(self.id_column).iloc[:, 0]
        if not isinstance(y, pd.Series):
            raise TypeError(f"y must be a Series of default months by id; got {type(y).__name__}.")
        known = y.dropna()
        index = known.index.astype(str)
        if index.has_duplicates:
            raise ValueError(f"y names id {index[index.duplicated()][0]!r} twice.")
        values = month_index(known.reset_index(drop=True), "y") if len(known) else np.array([])
        return pd.Series(values.astype(float), index=index)

    def _sample(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) <= self.max_rows:
            return rows
        rng = np.random.default_rng(self.random_state)
        return np.sort(rng.choice(rows, size=self.max_rows, replace=False))

    def _features(
        self, ids: np.ndarray, months: np.ndarray, values: np.ndarray, at: np.ndarray | None = None
    ) -> pd.DataFrame:
        frame = history_features(
            ids, months, values, indicators=self.indicators_, binary=self.binary_indicators_,
            window=self.window, baseline=self.baseline, at=at,
        )  # fmt: skip
        return frame[self.feature_names_]


def _default_estimator() -> Scorecard:
    """A scorecard with coarse pre-binning: many history features, and speed matters."""
    return Scorecard(binner=WOEBinner(max_n_prebins=50), min_iv=0.02)
