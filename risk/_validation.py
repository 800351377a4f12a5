"""Input checks shared by the risk estimators: frames in, binary targets, named features.

Messages follow scikit-learn's wording where its estimator checks look for it (sparse,
complex, empty and 1-D input; a missing, continuous or multiclass target).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.utils import ClassifierTags
from sklearn.utils.multiclass import type_of_target


class BinaryTargetMixin:
    """scikit-learn tags of the risk estimators: a binary target (1 = the event) is required,
    missing values are binned (not refused) and string columns are categories."""

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn's Tags type
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.target_tags.required = True
        if tags.classifier_tags is None:
            tags.classifier_tags = ClassifierTags()
        tags.classifier_tags.multi_class = False
        return tags


def as_frame(X: object) -> pd.DataFrame:
    """A DataFrame view of ``X``; arrays get columns ``x0, x1, ...``."""
    if sparse.issparse(X):
        raise TypeError("Sparse data is not supported: pass a dense DataFrame or array.")
    frame = X if isinstance(X, pd.DataFrame) else None
    if frame is None:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(
                f"X must be 2-dimensional; got an array of shape {arr.shape}. Reshape your "
                "data with array.reshape(-1, 1) for one feature or (1, -1) for one sample."
            )
        if np.iscomplexobj(arr):
            raise ValueError("Complex data not supported.")
        frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
    if frame.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={frame.shape}); need at least 1.")
    if frame.shape[1] == 0:
        raise ValueError(f"0 feature(s) (shape={frame.shape}) while a minimum of 1 is required.")
    return frame


def check_width(X: object, n_features: int, name: str) -> None:
    """An array scored by position must have as many columns as the training data."""
    if isinstance(X, pd.DataFrame) or sparse.issparse(X):
        return
    shape = np.asarray(X).shape
    if len(shape) == 2 and shape[1] != n_features:
        raise ValueError(
            f"X has {shape[1]} features, but {name} is expecting {n_features} features as input."
        )


def binary_target(y: object, n_rows: int, name: str = "this estimator") -> np.ndarray:
    """``y`` as a float 0/1 array (1 = the event, e.g. default); both classes present."""
    if y is None:
        raise ValueError(f"{name} requires y to be passed, but the target y is None.")
    arr = np.asarray(y).ravel()
    if len(arr) != n_rows:
        raise ValueError(f"y has {len(arr)} values but X has {n_rows} rows.")
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError("y must be binary 0/1 without missing values; got NaN or inf.")
    kind = type_of_target(arr)
    if kind == "continuous":
        raise ValueError("Unknown label type: continuous. y must be binary 0/1.")
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"Unknown label type: {kind}. y must be binary 0/1.")
    values = sorted(set(np.unique(arr).tolist()), key=str)
    if len(values) > 2:
        raise ValueError(
            f"Only binary classification is supported. y must be binary 0/1; got {values[:5]}."
        )
    if not set(values) <= {0, 1}:
        raise ValueError(f"y must be binary 0/1 (1 = the event); got {values}.")
    if len(values) < 2:
        raise ValueError(f"y must contain both classes 0 and 1; got 1 class: {values}.")
    return arr.astype(float)


def require_columns(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} names columns not in X: {missing}.")
