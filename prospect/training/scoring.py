"""Scoring millions of rows: the garbage collector paused while their words are built.

Drivers come from the propensity model's one-pass approximate (Saabas) attribution
(:meth:`ModelBundle.explain <prospect.training.bundle.ModelBundle.explain>`). Risk is scored by
the scorecard's own ``Scorecard.assess`` (one scoring path, vectorised in ``risk``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
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
