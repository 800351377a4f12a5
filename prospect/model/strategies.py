"""Imbalance strategies: how the minority class is given weight during training only.

Each strategy is a sampler (or none) plus XGBoost overrides; they sit inside an
``imblearn.pipeline.Pipeline`` so resampling runs in ``fit`` and never at scoring.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from imblearn.over_sampling import SMOTE, SMOTENC
from imblearn.under_sampling import RandomUnderSampler

STRATEGIES = ("scale_pos_weight", "undersample", "smotenc", "none")


def check_strategy(strategy: object) -> str:
    """Return ``strategy`` if known, else raise naming the allowed values."""
    if strategy not in STRATEGIES:
        allowed = ", ".join(repr(s) for s in STRATEGIES)
        raise ValueError(f"strategy must be one of {allowed}; got {strategy!r}.")
    return str(strategy)


def needs_imputation(strategy: str) -> bool:
    """SMOTE interpolates between neighbours, which is undefined for NaN."""
    return strategy == "smotenc"


def build_sampler(
    strategy: str, categorical_indices: Sequence[int], random_state: int | None
) -> Any | None:
    """The imbalanced-learn sampler for ``strategy`` (None when it reweights instead)."""
    if strategy == "undersample":
        return RandomUnderSampler(random_state=random_state)
    if strategy == "smotenc":
        if not categorical_indices:
            return SMOTE(random_state=random_state)
        return SMOTENC(categorical_features=list(categorical_indices), random_state=random_state)
    return None


def xgb_overrides(strategy: str, y: np.ndarray) -> dict[str, Any]:
    """XGBoost parameters the strategy sets from the training labels."""
    if strategy != "scale_pos_weight":
        return {}
    positives = int(np.sum(y == 1))
    return {"scale_pos_weight": (len(y) - positives) / max(positives, 1)}
