"""Run ids: the same batch, month, model and campaign config always give the same id.

Everything a run writes (database rows, partitions, reports) is keyed by this id, so running
the same thing twice finds the first run's work instead of repeating it.
"""

from __future__ import annotations

import hashlib
import json

from prospect.targeting import CampaignConfig

RUN_ID_PREFIX = "run-"
RUN_ID_HEX_CHARS = 24


def config_hash(config: CampaignConfig) -> str:
    """SHA-256 of the config's canonical JSON: equal configs hash equally whatever the YAML
    layout, comments or key order."""
    if not isinstance(config, CampaignConfig):
        raise TypeError(f"config must be a CampaignConfig; got {type(config).__name__}.")
    text = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def derive_run_id(batch_checksum: str, model_version: str, config_digest: str, month: str) -> str:
    """``run-`` and 24 hex characters of SHA-256 over the four inputs (96 bits: no collision
    in any realistic number of runs, short enough for URLs and file names).

    The month is part of the id, so a file can never answer for another month: last month's
    file run as this month's gets its own run, which the gate then judges (and quarantines
    as the same month twice) instead of returning last month's run and campaign.
    """
    parts = {
        "batch_checksum": batch_checksum,
        "model_version": model_version,
        "config_hash": config_digest,
        "month": month,
    }
    for name, value in parts.items():
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be a non-empty string; got {value!r}.")
    digest = hashlib.sha256("\x1f".join(parts.values()).encode("utf-8")).hexdigest()
    return RUN_ID_PREFIX + digest[:RUN_ID_HEX_CHARS]
