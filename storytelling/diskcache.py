"""The disk cache of scores, bounded by size and age.

Each entry is a few files sharing one key (``<key>.parquet``, ``.json``, ``.skops``). After every
write the cache drops entries not used for :data:`MAX_DAYS` days, then the least recently used
ones until it holds at most :data:`MAX_MB` megabytes (both can be changed with
``STORYTELLING_CACHE_MB`` and ``STORYTELLING_CACHE_DAYS``). Only files named like entries are
ever removed, whatever else the folder holds.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

MAX_MB = 500
MAX_DAYS = 30
_ENTRY = re.compile(r"^([0-9a-f]{20})\.(parquet|json|skops)$")


def env_number(name: str, default: float) -> float:
    """A positive number from the environment variable ``name``, else ``default``."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def touch(directory: Path, key: str) -> None:
    """Mark an entry as just used (its files' modification time)."""
    for path in directory.glob(f"{key}.*"):
        with contextlib.suppress(OSError):
            path.touch()


def entries(directory: Path) -> dict[str, tuple[float, int]]:
    """key -> (last used, bytes) of every entry in ``directory``."""
    out: dict[str, tuple[float, int]] = {}
    with contextlib.suppress(OSError):
        for path in directory.iterdir():
            m = _ENTRY.match(path.name)
            if not m:
                continue
            with contextlib.suppress(OSError):
                st = path.stat()
                used, size = out.get(m.group(1), (0.0, 0))
                out[m.group(1)] = (max(used, st.st_mtime), size + st.st_size)
    return out


def prune(directory: Path, *, keep: str | None = None, max_mb: float | None = None,
          max_days: float | None = None, now: float | None = None) -> list[str]:
    """Remove entries older than ``max_days``, then the least recently used until the rest fit in
    ``max_mb``; ``keep`` (the entry just written) stays. Returns the keys removed."""
    max_bytes = (max_mb or env_number("STORYTELLING_CACHE_MB", MAX_MB)) * 2**20
    max_age = (max_days or env_number("STORYTELLING_CACHE_DAYS", MAX_DAYS)) * 86400
    now = time.time() if now is None else now
    found = sorted(entries(directory).items(), key=lambda kv: kv[1][0])  # least recently used first
    total = sum(size for _, (_, size) in found)
    removed = []
    for key, (used, size) in found:
        if key == keep or (now - used <= max_age and total <= max_bytes):
            continue
        for path in directory.glob(f"{key}.*"):
            if _ENTRY.match(path.name):
                with contextlib.suppress(OSError):
                    path.unlink()
        total -= size
        removed.append(key)
    return removed
