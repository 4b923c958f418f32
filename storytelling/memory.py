"""The process's memory: how much it holds, and handing freed memory back to the system."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc


def rss_mb() -> float:
    """Resident memory of this process (Linux), in MB; nan elsewhere."""
    try:
        with open("/proc/self/status") as f:
            return next(int(x.split()[1]) for x in f if x.startswith("VmRSS")) / 1024
    except (OSError, StopIteration, ValueError):
        return float("nan")


def release_freed_memory() -> None:
    """Collect garbage, then ask glibc to return free heap pages to the system (``malloc_trim``):
    without it, memory freed by ended sessions stays counted to the process."""
    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to hand back this way
        pass
