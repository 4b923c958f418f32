"""The disk cache stays within its size and age, and never touches files that are not its own."""

import os
import time

from storytelling import diskcache


def _entry(folder, key: str, mb: float, age_days: float, now: float) -> None:
    for ext, share in (("parquet", 0.8), ("json", 0.01), ("skops", 0.19)):
        path = folder / f"{key}.{ext}"
        path.write_bytes(b"x" * int(mb * share * 2**20))
        os.utime(path, (now - age_days * 86400, now - age_days * 86400))


def test_old_entries_go_then_the_least_recently_used_until_it_fits(tmp_path):
    now = time.time()
    keys = [f"{i:020x}" for i in range(6)]
    for i, k in enumerate(keys):  # 6 entries of 1 MB, used 40, 5, 4, 3, 2, 1 days ago
        _entry(tmp_path, k, 1.0, [40, 5, 4, 3, 2, 1][i], now)
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "0123.parquet").write_text("not an entry name")
    removed = diskcache.prune(tmp_path, max_mb=3.5, max_days=30, now=now)
    assert removed == keys[:3]  # 40 days: too old; then the two least recently used
    assert set(diskcache.entries(tmp_path)) == set(keys[3:])
    assert (tmp_path / "notes.txt").exists() and (tmp_path / "0123.parquet").exists()


def test_the_entry_just_written_is_kept_even_when_alone_it_is_too_big(tmp_path):
    now = time.time()
    _entry(tmp_path, "a" * 20, 2.0, 0, now)
    _entry(tmp_path, "b" * 20, 2.0, 1, now)
    assert diskcache.prune(tmp_path, keep="a" * 20, max_mb=1, now=now) == ["b" * 20]


def test_evaluate_cached_bounds_its_folder(tmp_path, monkeypatch, sample_data):
    from storytelling.model import evaluate_cached

    now = time.time()
    for i in range(3):
        _entry(tmp_path, f"{i:020x}", 1.0, 60, now)  # a stale entry from a file uploaded long ago
    evaluate_cached(sample_data, directory=tmp_path)
    assert len(diskcache.entries(tmp_path)) == 1
    monkeypatch.setenv("STORYTELLING_CACHE_MB", "0.001")
    _entry(tmp_path, "f" * 20, 1.0, 0, now)
    evaluate_cached(sample_data, directory=tmp_path, seed=1)  # a new entry: the older one goes
    assert len(diskcache.entries(tmp_path)) == 1
