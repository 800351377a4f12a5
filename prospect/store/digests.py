"""The one way secrets are kept at rest: hex sha256 of long random strings (keys, session ids)."""

from __future__ import annotations

import hashlib


def hash_key(key: str) -> str:
    """Hex sha256 of a full key (keys are long random strings, so no salt or slow hash needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
