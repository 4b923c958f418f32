"""Memory the shared caches may hold, by data set: bounded by size and by age.

Every cache of the app that belongs to one data set (the table as read, the prepared customers,
the scores, the curves, the drivers...) is declared with :func:`per_dataset`. The data sets are
kept least recently used first, each with its weight (the bytes of its tables, given by
:func:`weigh`); when they weigh more than ``STORYTELLING_MEMORY_MB`` (default
:data:`MEMORY_MB`), or one has not been used for ``STORYTELLING_IDLE_MINUTES`` (default
:data:`IDLE_MINUTES`), every cached entry of that data set is cleared at once, so its memory can
go back. :func:`keep_memory_in_check` runs that sweep once a minute and hands freed memory back
to the operating system.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import streamlit as st

from storytelling.diskcache import env_number
from storytelling.memory import release_freed_memory

MEMORY_MB = 1024
IDLE_MINUTES = 15
SWEEP_SECONDS = 60


class DatasetBudget:
    """Data sets, least recently used first: weight, last use and how to clear their entries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sets: OrderedDict[str, dict] = OrderedDict()

    def used(self, key: str, name: str | None = None, clear: Callable[[], None] | None = None) -> None:
        """``key`` was just used; ``clear`` (named ``name``) clears one of its cached entries."""
        with self._lock:
            entry = self._sets.setdefault(key, {"bytes": 0, "clears": {}, "used": 0.0})
            self._sets.move_to_end(key)
            entry["used"] = time.monotonic()
            if clear is not None:
                entry["clears"][name] = clear

    def weigh(self, key: str, nbytes: int) -> None:
        with self._lock:
            if key in self._sets:
                self._sets[key]["bytes"] = max(self._sets[key]["bytes"], int(nbytes))
        self.sweep(keep=key)

    def total_mb(self) -> float:
        with self._lock:
            return sum(e["bytes"] for e in self._sets.values()) / 2**20

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._sets)

    def sweep(self, keep: str | None = None, now: float | None = None) -> list[str]:
        """Clear the data sets idle too long, then the least recently used until the rest fit."""
        max_bytes = env_number("STORYTELLING_MEMORY_MB", MEMORY_MB) * 2**20
        max_idle = env_number("STORYTELLING_IDLE_MINUTES", IDLE_MINUTES) * 60
        now = time.monotonic() if now is None else now
        gone = []
        with self._lock:
            total = sum(e["bytes"] for e in self._sets.values())
            for key, e in list(self._sets.items()):
                if key != keep and (now - e["used"] > max_idle or total > max_bytes):
                    total -= e["bytes"]
                    gone.append((key, list(e["clears"].values())))
                    del self._sets[key]
        for _key, clears in gone:
            for clear in clears:
                with contextlib.suppress(Exception):
                    clear()
        return [k for k, _ in gone]


BUDGET = DatasetBudget()


def per_dataset(**cache_options):
    """``st.cache_resource`` for a function whose first argument is the data set's key: its
    entries are cleared with the data set's (see the module notes)."""

    def wrap(fn):
        cached = st.cache_resource(**cache_options)(fn)
        names = list(inspect.signature(fn).parameters)[1:]

        @functools.wraps(fn)
        def call(key: str, *args, **kwargs):
            # Streamlit keys an entry by the arguments not named with a leading underscore, so the
            # entry is cleared with those alone: the budget holds no reference to the data itself.
            light = tuple(None if n.startswith("_") else a for n, a in zip(names, args))
            light_kw = {n: (None if n.startswith("_") else a) for n, a in kwargs.items()}
            BUDGET.used(key, f"{fn.__module__}.{fn.__qualname__}:{light!r}:{sorted(light_kw.items())!r}",
                        functools.partial(cached.clear, key, *light, **light_kw))
            return cached(key, *args, **kwargs)

        call.clear = cached.clear
        return call

    return wrap


def frame_bytes(*frames) -> int:
    """Bytes of the tables given (None skipped): the weight of a data set."""
    return int(sum(f.memory_usage(index=True, deep=False).sum() for f in frames if f is not None))


_KEEPER: list[threading.Thread] = []


def keep_memory_in_check() -> None:
    """Start (once per server) the sweep: idle data sets cleared, freed memory handed back."""
    if _KEEPER:
        return

    def loop() -> None:
        while True:
            time.sleep(SWEEP_SECONDS)
            BUDGET.sweep()
            release_freed_memory()

    t = threading.Thread(target=loop, name="storytelling-memory", daemon=True)
    _KEEPER.append(t)
    t.start()
