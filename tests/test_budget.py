"""The shared caches are bounded by size and age, data set by data set."""

import time

from storytelling.ui.budget import DatasetBudget, per_dataset


def test_the_least_recently_used_data_sets_go_first_until_the_rest_fit(monkeypatch):
    monkeypatch.setenv("STORYTELLING_MEMORY_MB", "100")
    b, cleared = DatasetBudget(), []
    for key in ("a", "b", "c"):
        b.used(key, f"{key}:raw", lambda key=key: cleared.append(key))
        b.weigh(key, 40 * 2**20)  # the third pushes the total to 120 MB
    assert cleared == ["a"] and b.keys() == ["b", "c"]
    b.used("b")  # b is used again: c is now the oldest
    b.used("d", "d:raw", lambda: cleared.append("d"))
    b.weigh("d", 90 * 2**20)
    assert cleared == ["a", "c", "b"] and b.keys() == ["d"]  # the one just loaded stays, even alone too big


def test_idle_data_sets_go(monkeypatch):
    monkeypatch.setenv("STORYTELLING_IDLE_MINUTES", "1")
    b, cleared = DatasetBudget(), []
    b.used("old", "x", lambda: cleared.append("old"))
    b.used("new", "y", lambda: cleared.append("new"))
    assert b.sweep(now=time.monotonic() + 30) == []
    b.used("new")
    assert b.sweep(now=time.monotonic() + 61) == ["old", "new"] and cleared == ["old", "new"]


def test_clearing_a_data_set_clears_its_cached_entries_and_holds_no_data(monkeypatch):
    """Entries are cleared by the keyed arguments alone: the budget keeps no reference to the data."""
    import gc
    import weakref

    import storytelling.ui.budget as budget

    monkeypatch.setattr(budget, "BUDGET", DatasetBudget())
    calls = []

    class Big:
        pass

    @per_dataset(show_spinner=False, max_entries=4)
    def load(key: str, roles: str, _data) -> int:
        calls.append(key)
        return len(roles)

    data = Big()
    ref = weakref.ref(data)
    assert load("k1", "abc", data) == 3 and load("k1", "abc", data) == 3 and calls == ["k1"]
    del data
    gc.collect()
    assert ref() is None  # the budget's record of the entry does not keep the data alive
    budget.BUDGET.sweep(now=time.monotonic() + 10**9)  # idle for ever: cleared
    assert load("k1", "abc", Big()) == 3 and calls == ["k1", "k1"]


def test_uploads_of_ended_sessions_are_freed():
    """Streamlit forgets a closed session without shutting it down; its uploads are freed here."""
    from types import SimpleNamespace

    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    from storytelling.ui.budget import tidy_sessions

    uploads = MemoryUploadedFileManager("/_stcore/upload_file")
    for sid in ("live", "ended"):
        uploads.add_file(sid, UploadedFileRec(file_id=f"f-{sid}", name="t.csv", type="text/csv", data=b"x" * 1000))
    manager = SimpleNamespace(list_sessions=lambda: [SimpleNamespace(session=SimpleNamespace(id="live"))])
    media = MediaFileManager(MemoryMediaFileStorage("/media"))
    assert tidy_sessions(manager, uploads, media) == ["ended"]
    assert set(uploads.file_storage) == {"live"}
