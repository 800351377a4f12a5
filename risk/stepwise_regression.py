"""StepwiseLogisticRegression: a logistic regression whose coefficients are all <= 0.

Fed the cumulative ("step") coding of :mod:`risk.coding`, where column ``j`` of a feature is 1
for every bin at least ``j`` steps safer (by WOE) than the feature's riskiest bin, each
coefficient is the change in the event log-odds from one bin to the next safer one. Keeping
them non-positive makes every feature's points follow its bins' risk, while each bin keeps
its own step size fitted jointly with the other features (the flexibility of one coefficient
per bin, without its wrong-way points). Solved by L-BFGS-B with the bounds, the intercept
free and unpenalised; the penalty is scikit-learn's (``0.5 * ||coef||^2 + C * loss``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, sparse
from scipy.special import expit, log1p
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data


class StepwiseLogisticRegression(ClassifierMixin, BaseEstimator):
    """Binary logistic regression with every coefficient constrained to be <= 0.

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 penalty strength, as in scikit-learn's ``LogisticRegression``.
    max_iter : int, default=2000
        L-BFGS-B iterations.
    tol : float, default=1e-7
        Projected-gradient tolerance of L-BFGS-B on the objective per unit of weight.
    """

    def __init__(self, *, C: float = 1.0, max_iter: int = 2000, tol: float = 1e-7) -> None:
        self.C = C
        self.max_iter = max_iter
        self.tol = tol

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> StepwiseLogisticRegression:
        """Fit the bounded coefficients and the free intercept (the event is the larger class)."""
        if not (isinstance(self.C, int | float) and self.C > 0):
            raise ValueError(f"C must be a positive number; got {self.C!r}.")
        if not isinstance(self.max_iter, int | np.integer) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive int; got {self.max_iter!r}.")
        data, labels = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64)
        check_classification_targets(labels)
        self.classes_, target = np.unique(labels, return_inverse=True)
        if len(self.classes_) > 2:
            raise ValueError(
                f"Only binary classification is supported; got {len(self.classes_)} classes."
            )
        if len(self.classes_) < 2:
            raise ValueError("y must hold two classes; got 1 class.")
        n_rows = data.shape[0]
        weight = np.ones(n_rows) if sample_weight is None else np.asarray(sample_weight, float)
        if weight.shape != (n_rows,) or not np.all(np.isfinite(weight)) or weight.min() < 0:
            raise ValueError("sample_weight must hold one finite, non-negative weight per row.")
        coef, intercept, self.n_iter_ = _solve(data, target.astype(float), weight, self.C,
                                               self.max_iter, self.tol)  # fmt: skip
        self.coef_ = coef.reshape(1, -1)
        self.intercept_ = np.array([intercept])
        return self

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Log-odds of the second class."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        return np.asarray(X @ self.coef_.ravel()).ravel() + self.intercept_[0]

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: ArrayLike) -> np.ndarray:
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn's Tags type
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = False
        return tags


def _solve(
    X: np.ndarray | sparse.csr_matrix, y: np.ndarray, w: np.ndarray, C: float,
    max_iter: int, tol: float,
) -> tuple[np.ndarray, float, int]:  # fmt: skip
    n_features = X.shape[1]
    rate = np.clip(np.average(y, weights=w) if w.sum() > 0 else 0.5, 1e-6, 1 - 1e-6)
    start = np.append(np.zeros(n_features), np.log(rate / (1 - rate)))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, b = theta[:-1], theta[-1]
        z = np.asarray(X @ coef).ravel() + b
        # log(1 + e^z) - y z, computed stably
        value = np.sum(w * (np.maximum(z, 0) + log1p(np.exp(-np.abs(z))) - y * z))
        resid = w * (expit(z) - y)
        grad = np.append(C * np.asarray(X.T @ resid).ravel() + coef, C * resid.sum())
        # divided by the total weight: the same minimiser, and ``tol`` no longer scales
        # with the number of rows
        return float(C * value + 0.5 * coef @ coef) / scale, grad / scale

    scale = max(float(w.sum()), 1.0)
    bounds = [(None, 0.0)] * n_features + [(None, None)]
    result = optimize.minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds,
                               options={"maxiter": max_iter, "gtol": tol})  # fmt: skip
    return result.x[:-1], float(result.x[-1]), int(result.nit)
