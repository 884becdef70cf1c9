"""Give freed heap memory back to the system (glibc's malloc_trim), where the C library has it.

After a burst of requests, glibc keeps the freed memory of its arenas for reuse, so a server's RSS stays at its
peak. ``malloc_trim(0)`` returns the free pages; it costs a few milliseconds, so it runs when the server goes idle,
not per request. Elsewhere (musl, macOS, Windows) it is a no-op. ctypes, because no maintained package wraps it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def trim_heap() -> bool:
    """Return free heap pages to the system; whether anything could be done."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))
