"""Memory of the steps that hold a whole batch: Arrow's pool, and giving freed memory back.

Arrow allocates through mimalloc by default, which keeps freed pages resident: reading a
1M-row Parquet batch (file buffers, trimmed strings, the pandas conversion) left about 500 MiB
of freed Arrow memory in the process, on top of the frame, for the rest of the task. The C
library's allocator returns large blocks at once and reads the same file faster here (1.3 s
instead of 2.2 s), so steps that read a whole batch run under it. What the C library still
keeps of the freed batch (about 450 MiB per 1M rows: small blocks of strings and frames) is
given back on the way out, so the steps that follow in the same worker do not stack on it.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


@contextmanager
def system_arrow_pool() -> Iterator[None]:
    """Allocate Arrow memory from the C library inside the block; on leaving, restore the pool
    and give the C library's free memory back to the system.

    Buffers remember the pool they came from, so Arrow data made inside the block may outlive it.
    """
    saved = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(saved)
        release_free_memory()


def release_free_memory() -> None:
    """``malloc_trim(0)`` where the C library is glibc (Arrow's ``release_unused`` does not
    trim the system pool); elsewhere nothing."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)
