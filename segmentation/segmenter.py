"""PersonaSegmenter: k-prototypes personas fitted on a sample, assigned to everyone fast.

The solver runs on a random sample of ``sample_size`` rows (the cost of k-prototypes grows with
rows x iterations); every row is then assigned with the vectorised rule of
:mod:`segmentation.assign`, which gives exactly the labels ``KPrototypes.predict`` would.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from segmentation.assign import assign_labels
from segmentation.choose_k import choose_k
from segmentation.exceptions import TooFewRowsError
from segmentation.matching import PersonaMatch, match_personas
from segmentation.naming import name_personas
from segmentation.preprocess import MixedPreprocessor
from segmentation.profiles import profile_personas
from segmentation.solver import Solution, fit_batch, fit_kmodes

logger = logging.getLogger(__name__)
SOLVERS = {"batch": fit_batch, "kmodes": fit_kmodes}


def _check_frame(X: object) -> None:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame; got {type(X).__name__}.")


class PersonaSegmenter(ClusterMixin, BaseEstimator):
    """Marketer-readable personas by k-prototypes on mixed numeric and categorical columns.

    Parameters
    ----------
    numeric_columns, categorical_columns : columns to segment on (booleans as 0/1 numeric).
    n_clusters : fixed number of personas; ``None`` chooses k from ``k_range``.
    k_range : (smallest, largest) k tried when choosing k.
    gamma : weight of one categorical mismatch; ``None`` is kmodes' default, half the mean
        standard deviation of the scaled numeric columns.
    sample_size : rows the solver is fitted on; ``selection_size`` rows for choosing k.
    solver : ``"batch"`` (vectorised, default) or ``"kmodes"`` (kmodes' ``KPrototypes``).
    n_init, max_iter : solver restarts and iteration cap.
    n_seeds : seeds per k for the stability criterion of :func:`segmentation.choose_k`.
    vocabulary : ``{column: (low phrase, high phrase)}`` for persona names.
    random_state : seed for sampling, initialisation and k selection.

    Attributes
    ----------
    k_ : number of personas; ``k_selection_`` the table k was chosen from.
    centroids_ : DataFrame by persona id; numeric centres back in original units (for log1p
        columns the back-transformed mean of logs), categorical modes.
    profiles_ : DataFrame: persona, name, size, share, numeric means, ``<col>_vs_pop``
        standardised deltas, categorical modes and their shares (on the rows given to fit).
    names_ : dict persona id -> unique human name; ``deltas_`` the values names came from.
    gamma_, cost_ : mismatch weight used, and kmodes' cost of the fitted sample.
    persona_ids_ : persona id of each internal cluster (changed by :meth:`match_to`);
        ``new_personas_`` ids that did not match last month's personas.
    """

    def __init__(
        self,
        *,
        numeric_columns: Sequence[str] = (),
        categorical_columns: Sequence[str] = (),
        n_clusters: int | None = None,
        k_range: tuple[int, int] = (3, 10),
        gamma: float | None = None,
        sample_size: int = 20_000,
        selection_size: int = 4_000,
        solver: str = "batch",
        n_init: int = 4,
        max_iter: int = 100,
        n_seeds: int = 3,
        vocabulary: Mapping[str, tuple[str, str]] | None = None,
        random_state: int | np.random.RandomState | None = None,
    ):
        self.numeric_columns = numeric_columns
        self.categorical_columns = categorical_columns
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.gamma = gamma
        self.sample_size = sample_size
        self.selection_size = selection_size
        self.solver = solver
        self.n_init = n_init
        self.max_iter = max_iter
        self.n_seeds = n_seeds
        self.vocabulary = vocabulary
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: object = None) -> PersonaSegmenter:
        """Choose k (unless fixed), fit on a sample, then profile and name every persona."""
        solve = self._validate(X)
        rng = check_random_state(self.random_state)
        sample = X.iloc[self._sample_rows(len(X), self.sample_size, rng)]
        self.preprocessor_ = MixedPreprocessor(self.numeric_columns, self.categorical_columns)
        Xnum, Xcat = self.preprocessor_.fit(sample).transform(sample)
        self.gamma_ = self._gamma(Xnum)
        self.k_, self.k_selection_ = self._select_k(Xnum, Xcat, solve, rng)
        fitted = self._solve(solve, Xnum, Xcat, self.k_, rng)
        self.num_centroids_, self.cat_centroids_ = fitted.num_centroids, fitted.cat_centroids
        self.cost_, self.n_iter_ = fitted.cost, fitted.n_iter
        self.persona_ids_ = np.arange(self.k_)
        self.new_personas_: list[int] = []
        self._describe(X)
        logger.info("fitted %d personas on %d of %d rows", self.k_, len(sample), len(X))
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Persona id of every row, block by block (millions of rows in seconds)."""
        check_is_fitted(self, "num_centroids_")
        _check_frame(X)
        Xnum, Xcat = self.preprocessor_.transform(X)
        labels, _ = assign_labels(Xnum, Xcat, self.num_centroids_, self.cat_centroids_, self.gamma_)
        return self.persona_ids_[labels]

    def fit_predict(self, X: pd.DataFrame, y: object = None) -> np.ndarray:
        return self.fit(X).predict(X)

    def score_cost(self, X: pd.DataFrame) -> float:
        """kmodes' cost (sum of dissimilarities to the nearest centroid) of ``X``."""
        check_is_fitted(self, "num_centroids_")
        Xnum, Xcat = self.preprocessor_.transform(X)
        _, costs = assign_labels(Xnum, Xcat, self.num_centroids_, self.cat_centroids_, self.gamma_)
        return float(costs.sum())

    def match_to(
        self, previous: PersonaSegmenter, *, threshold: float | None = None
    ) -> PersonaMatch:
        """Take over ``previous``'s persona ids for matching centroids (Hungarian matching in
        this fit's scaled space); unmatched personas get fresh ids, listed in ``new_personas_``."""
        check_is_fitted(self, "num_centroids_")
        check_is_fitted(previous, "num_centroids_")
        prev = self.preprocessor_.transform(previous.centroids_)
        match = match_personas(
            prev,
            (self.num_centroids_, self.cat_centroids_),
            self.gamma_,
            threshold=threshold,
            prev_ids=previous.persona_ids_,
        )
        self.persona_ids_, self.new_personas_ = match.ids, match.new
        self._rekey()
        return match

    def _validate(self, X: pd.DataFrame):
        _check_frame(X)
        self._check_params()
        wanted = [*self.numeric_columns, *self.categorical_columns]
        missing = [c for c in wanted if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks the segmentation columns {missing}.")
        largest = self.n_clusters or self.k_range[1]
        if len(X) < largest:
            raise TooFewRowsError(f"X has {len(X)} rows, fewer than k={largest} personas.")
        return SOLVERS[self.solver]

    def _check_params(self) -> None:
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {sorted(SOLVERS)}; got {self.solver!r}.")
        if not self.numeric_columns or not self.categorical_columns:
            raise ValueError(
                "numeric_columns and categorical_columns must each name at least one column; "
                f"got {list(self.numeric_columns)} and {list(self.categorical_columns)}."
            )
        low, high = self.k_range
        if not 2 <= low <= high:
            raise ValueError(
                f"k_range must be (low, high) with 2 <= low <= high; got {self.k_range}."
            )
        k = self.n_clusters
        if k is not None and not (isinstance(k, int | np.integer) and k >= 2):
            raise ValueError(f"n_clusters must be an int >= 2 or None; got {k!r}.")

    @staticmethod
    def _sample_rows(n_rows: int, size: int, rng: np.random.RandomState) -> np.ndarray:
        if n_rows <= size:
            return np.arange(n_rows)
        return np.sort(rng.choice(n_rows, size=size, replace=False))

    def _gamma(self, Xnum: np.ndarray) -> float:
        if self.gamma is None:
            return float(0.5 * np.mean(Xnum.std(axis=0)))
        if self.gamma <= 0:
            raise ValueError(f"gamma must be positive or None; got {self.gamma}.")
        return float(self.gamma)

    def _solve(self, solve, Xnum, Xcat, k, rng) -> Solution:
        seed = int(rng.randint(np.iinfo(np.int32).max))
        return solve(
            Xnum, Xcat, k, self.gamma_, n_init=self.n_init, max_iter=self.max_iter,
            random_state=seed,
        )  # fmt: skip

    def _select_k(self, Xnum, Xcat, solve, rng) -> tuple[int, pd.DataFrame]:
        if self.n_clusters is not None:
            table = pd.DataFrame({"k": [self.n_clusters], "chosen": [True]})
            return int(self.n_clusters), table
        rows = self._sample_rows(len(Xnum), self.selection_size, rng)

        def one_start(xn, xc, k, gamma, random_state):
            return solve(
                xn, xc, k, gamma, n_init=1, max_iter=self.max_iter, random_state=random_state
            )

        low, high = self.k_range
        return choose_k(
            Xnum[rows], Xcat[rows], range(low, high + 1), self.gamma_, one_start,
            n_seeds=self.n_seeds, random_state=rng,
        )  # fmt: skip

    def _describe(self, X: pd.DataFrame) -> None:
        Xnum, Xcat = self.preprocessor_.transform(X)
        labels, _ = assign_labels(Xnum, Xcat, self.num_centroids_, self.cat_centroids_, self.gamma_)
        self._profiles, self._deltas = profile_personas(
            X, labels, self.numeric_columns, self.categorical_columns
        )
        self._names = name_personas(self._deltas, self.vocabulary)
        self._rekey()

    def _rekey(self) -> None:
        """Publish centroids, profiles, deltas and names under the current persona ids."""
        ids = self.persona_ids_
        num = self.preprocessor_.inverse_numeric(self.num_centroids_)
        cat = self.preprocessor_.decode_categorical(self.cat_centroids_)
        centroids = pd.DataFrame(num, columns=list(self.numeric_columns), index=ids)
        for j, col in enumerate(self.categorical_columns):
            centroids[col] = cat[:, j]
        centroids.index.name = "persona"
        self.centroids_ = centroids
        self.names_ = {int(ids[i]): self._names.get(i, "") for i in range(self.k_)}
        self.deltas_ = self._deltas.reindex(range(self.k_)).set_axis(ids)
        profiles = self._profiles.set_index("persona").reindex(range(self.k_))
        profiles.insert(0, "name", [self.names_[int(i)] for i in ids])
        profiles.index = pd.Index(ids, name="persona")
        self.profiles_ = profiles.sort_index().reset_index()
