"""Built-on-click downloads stay on the server long enough for the browser to fetch them."""

import time

from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from storytelling.ui.downloads import file_id_of, keep_built_downloads


def _built(manager: MediaFileManager) -> str:
    """Register a deferred download as a button does, then build it as a click does: its file id."""
    placeholder = manager.add_deferred(lambda: b"rank,customer\n1,42\n", "text/csv", "1.(2).3", "list.csv")
    return file_id_of(manager.execute_deferred(placeholder))


def _other_sessions_finish_runs(manager: MediaFileManager, runs: int = 3) -> None:
    for _ in range(runs):  # every script run on the server ends with this clean-up
        manager.remove_orphaned_files()


def test_a_built_file_outlives_other_sessions_runs_then_goes():
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    assert keep_built_downloads(manager, seconds=0.5)
    assert keep_built_downloads(manager, seconds=0.5)  # once per manager: a second call changes nothing
    file_id = _built(manager)
    _other_sessions_finish_runs(manager)
    assert manager.read_file(file_id).content == b"rank,customer\n1,42\n"
    time.sleep(0.6)
    _other_sessions_finish_runs(manager, runs=2)  # marked, then deleted, as Streamlit does
    assert manager.read_file(file_id) is None


def test_without_the_hold_a_busy_server_loses_the_file():
    """Why the hold exists (Streamlit 1.67): two other runs ending between the click and the fetch."""
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    file_id = _built(manager)
    _other_sessions_finish_runs(manager, runs=2)
    assert manager.read_file(file_id) is None


def test_files_sessions_show_are_handled_as_before():
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    keep_built_downloads(manager, seconds=60)
    url = manager.add(b"shown", "text/plain", "1.(4).5", is_for_static_download=True)
    manager.clear_session_refs("dontcare")
    _other_sessions_finish_runs(manager, runs=2)
    assert manager.read_file(file_id_of(url)) is None


def test_a_changed_streamlit_is_left_alone():
    class Other:
        pass

    assert not keep_built_downloads(Other())
