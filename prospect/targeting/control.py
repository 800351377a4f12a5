"""Control group: a deterministic, persona-stratified share of the list that is never contacted.

Membership hashes ``campaign_key:user_id`` with BLAKE2b, so it is reproducible, independent of
row order and different from one campaign to the next. Within each persona the
``round(share * n_g)`` members with the smallest hashes are held out, which keeps the control
group's persona mix equal to the list's.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd


def _hash(campaign_key: str, user_id: str) -> int:
    digest = hashlib.blake2b(f"{campaign_key}:{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def control_flags(
    user_ids: pd.Series, personas: pd.Series, *, campaign_key: str, share: float
) -> np.ndarray:
    """Boolean mask (aligned with ``user_ids``) of the rows held out as control."""
    if not 0 <= share < 1:
        raise ValueError(f"share must be in [0, 1); got {share!r}")
    frame = pd.DataFrame(
        {
            "persona": personas.to_numpy(),
            "hash": [_hash(campaign_key, str(u)) for u in user_ids],
            "user_id": user_ids.astype(str).to_numpy(),
        }
    ).sort_values(["persona", "hash", "user_id"], kind="mergesort")
    position = frame.groupby("persona", sort=False).cumcount().to_numpy()
    size = frame.groupby("persona", sort=False)["hash"].transform("size").to_numpy()
    quota = np.array([math.floor(share * n + 0.5) for n in size], dtype=int)
    flags = np.zeros(len(frame), dtype=bool)
    flags[frame.index.to_numpy()] = position < quota
    return flags
