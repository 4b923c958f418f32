"""One guard around every page run: a short message and an error id, never a traceback.

A :class:`~storytelling.data.DataError` is a problem with the user's data or settings, said in
words they can act on: it is shown as it is. Anything else is a fault of ours: the user sees a
short message with an error id, and the server's log gets the id with the whole traceback. Every
database query run inside stops when the page no longer needs it (a widget changed, the tab
closed), see :func:`storytelling.sqlguard.cancel_when`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import uuid
from collections.abc import Callable, Iterator

import streamlit as st

from storytelling.data import DataError
from storytelling.sqlguard import cancel_when
from storytelling.ui import render

log = logging.getLogger("storytelling")

#: Set (to anything) to re-raise unexpected errors after showing them: the test suite does, so a
#: fault never hides behind the friendly message there.
RAISE_ENV = "STORYTELLING_RAISE_ERRORS"


def stop_requested() -> Callable[[], bool] | None:
    """A check, safe to call from another thread, that is true once Streamlit wants this run to
    end: the user changed a widget (a rerun is waiting) or the session ended (tab closed)."""
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    requests = getattr(get_script_run_ctx(suppress_warning=True), "script_requests", None)
    if requests is None:
        return None
    return lambda: getattr(requests, "_state", ScriptRequestType.CONTINUE) != ScriptRequestType.CONTINUE


def error_id() -> str:
    return uuid.uuid4().hex[:8]


def log_error(exc: BaseException) -> str:
    """Log a fault with its traceback under a new error id, and return the id (tests: re-raised)."""
    eid = error_id()
    log.error("storytelling error id %s", eid, exc_info=exc)
    if os.environ.get(RAISE_ENV):
        raise exc
    return eid


@contextlib.contextmanager
def page_guard() -> Iterator[None]:
    """Run a page: data problems as messages, faults as an error id (details in the server log)."""
    with cancel_when(stop_requested()):
        try:
            yield
        except DataError as exc:
            render.error(str(exc))  # escaped: it may quote column names and values from the data
        except Exception as exc:
            eid = log_error(exc)  # (tests: raised here)
            st.error(f"Something went wrong on this page, so it stopped here (error id {eid}). Try again, or "
                     "go back a step; if it happens again, send the error id to whoever runs this app: the "
                     "details are in the server's log.", icon=":material/error:")


def fragment(fn: Callable) -> Callable:
    """``st.fragment``, guarded like a page: a fragment's own reruns do not pass through
    ``app.py``, so they get the same guard (and query cancellation) of their own."""

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        with page_guard():
            return fn(*args, **kwargs)

    return st.fragment(guarded)
