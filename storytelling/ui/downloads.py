"""A built-on-click download stays on the server until the browser has fetched it.

Streamlit builds a deferred download (``st.download_button`` given a function) when it is
clicked, stores the file and sends its address to the browser. The stored file belongs to no
session, so the clean-up that ends *every* session's run marks it, and the next one deletes it:
on a busy server two other sessions can finish a run before the browser asks for the file, and
the download is cancelled (one click in sixty under the crowded-server browser test). Streamlit
1.67 has no setting for this, so :func:`keep_built_downloads` holds each built file for
:data:`HOLD_SECONDS` before the usual clean-up may take it. It changes nothing else: files that
sessions show are handled as before, and a held file is freed a minute later.
"""

from __future__ import annotations

import logging
import threading
import time

HOLD_SECONDS = 60.0
_LOG = logging.getLogger(__name__)


class _Held:
    """Built files' ids and when each may go."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def hold(self, file_id: str) -> None:
        with self._lock:
            self._until[file_id] = time.monotonic() + self.seconds

    def current(self) -> set[str]:
        """The ids still held (those whose time is up are let go)."""
        now = time.monotonic()
        with self._lock:
            for file_id in [f for f, t in self._until.items() if t <= now]:
                del self._until[file_id]
            return set(self._until)


def file_id_of(url: str) -> str:
    """The stored file's id in its address (``/media/<id>.<ext>``)."""
    return url.rsplit("/", 1)[-1].split(".", 1)[0]


def keep_built_downloads(manager, seconds: float = HOLD_SECONDS) -> bool:
    """Make ``manager`` (Streamlit's media file manager) hold each built download ``seconds``.

    Once per manager. Returns False, and changes nothing, when this Streamlit lacks the two
    methods it wraps (the clicks then work as Streamlit makes them).
    """
    if getattr(manager, "_storytelling_held", None) is not None:
        return True
    build, inactive = getattr(manager, "execute_deferred", None), getattr(manager, "_get_inactive_file_ids", None)
    if build is None or inactive is None:
        _LOG.warning("Streamlit's media manager changed: built downloads are not held")
        return False
    held = _Held(seconds)

    def execute_deferred(file_id: str) -> str:
        url = build(file_id)
        held.hold(file_id_of(url))
        return url

    def get_inactive_file_ids() -> set[str]:
        return inactive() - held.current()

    manager.execute_deferred = execute_deferred
    manager._get_inactive_file_ids = get_inactive_file_ids
    manager._storytelling_held = held
    return True


def hold_built_downloads() -> None:
    """Hold the running server's built downloads (see the module's text); called by ``app.py``."""
    from streamlit import runtime

    if runtime.exists():
        keep_built_downloads(runtime.get_instance().media_file_mgr)
