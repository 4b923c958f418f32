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

    def weigh(self, key: str, nbytes: int | Callable[[], int]) -> None:
        """Set a data set's weight (once: ``nbytes`` may be a function, called only the first time)."""
        with self._lock:
            entry = self._sets.get(key)
            if entry is None or entry.get("weighed"):
                return
        size = int(nbytes() if callable(nbytes) else nbytes)
        with self._lock:
            if key in self._sets:
                self._sets[key].update(bytes=size, weighed=True)
        self.sweep(keep=key)

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
    """Bytes of the tables given (None skipped), text included: the weight of a data set."""
    return int(sum(f.memory_usage(index=True, deep=True).sum() for f in frames if f is not None))


_KEEPER: list[threading.Thread] = []


def keep_memory_in_check() -> None:
    """Start (once per server) the sweep: idle data sets cleared, freed memory handed back."""
    if _KEEPER:
        return

    def loop() -> None:
        while True:
            time.sleep(SWEEP_SECONDS)
            _forget_ended_sessions()
            BUDGET.sweep()
            release_freed_memory()

    t = threading.Thread(target=loop, name="storytelling-memory", daemon=True)
    _KEEPER.append(t)
    t.start()


def _forget_ended_sessions() -> None:
    """Let Streamlit drop the sessions whose tabs closed more than its 2 minutes ago, with their
    uploads (see :func:`tidy_sessions`), on Streamlit's own event loop."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return
    runtime = Runtime.instance()
    manager = getattr(runtime, "_session_mgr", None)
    loop = getattr(getattr(runtime, "_async_objs", None), "eventloop", None)
    if manager is not None and loop is not None and not loop.is_closed():
        loop.call_soon_threadsafe(tidy_sessions, manager, runtime.uploaded_file_mgr, runtime.media_file_mgr)


def tidy_sessions(manager, uploads, media) -> list[str]:
    """Streamlit keeps a closed tab's session for a reconnect and forgets it only when its list is
    next read (lazily), and then without shutting it down: its uploaded files (and download
    references) stayed in memory for good (three 150 MB uploads left 2.4 GB). Read the list (which
    forgets the expired), then free the uploads and references of sessions no longer in it.
    Returns the sessions whose files were freed."""
    with contextlib.suppress(Exception):
        live = {info.session.id for info in manager.list_sessions()}
        files = getattr(uploads, "file_storage", None)
        gone = [sid for sid in list(files or {}) if sid not in live]
        for sid in gone:
            uploads.remove_session_files(sid)
        refs = getattr(media, "_files_by_session_and_coord", None)
        for sid in [sid for sid in list(refs or {}) if sid not in live]:
            media.clear_session_refs(sid)
        media.remove_orphaned_files()
        return gone
    return []
