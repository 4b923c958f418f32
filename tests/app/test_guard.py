"""The page guard's view of Streamlit: a query stops once Streamlit wants the run to end."""

from types import SimpleNamespace

from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

import storytelling.ui.guard as guard


def _ctx(monkeypatch) -> ScriptRequests:
    requests = ScriptRequests()
    import streamlit.runtime.scriptrunner_utils.script_run_context as src

    monkeypatch.setattr(src, "get_script_run_ctx", lambda suppress_warning=False: SimpleNamespace(
        script_requests=requests))
    return requests


def test_a_widget_change_stops_the_running_query(monkeypatch):
    requests = _ctx(monkeypatch)
    stopped = guard.stop_requested()
    assert stopped is not None and not stopped()
    requests.request_rerun(RerunData())
    assert stopped()


def test_a_closed_tab_stops_the_running_query(monkeypatch):
    requests = _ctx(monkeypatch)
    stopped = guard.stop_requested()
    requests.request_stop()  # what Streamlit does when the browser disconnects
    assert stopped()


def test_outside_a_page_nothing_is_cancelled(monkeypatch):
    import streamlit.runtime.scriptrunner_utils.script_run_context as src

    monkeypatch.setattr(src, "get_script_run_ctx", lambda suppress_warning=False: None)
    assert guard.stop_requested() is None
