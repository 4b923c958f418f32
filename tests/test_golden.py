"""The sample's story, figure by figure, against the one recorded before the refactors of issue 15:
moving code around must change no figure. (When a change means to change a figure, rerun
``python tests/data/make_golden.py`` and say which figure changed, and why, in the commit.)"""

import json

from tests.data.make_golden import GOLDEN, sample_story_figures


def _flat(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out |= _flat(v, f"{prefix}{k}.")
        else:
            out[f"{prefix}{k}"] = v
    return out


def test_the_sample_story_says_what_it_said():
    want = _flat(json.loads(GOLDEN.read_text()))
    got = _flat(json.loads(json.dumps(sample_story_figures())))
    changed = {k: (want.get(k), got.get(k)) for k in sorted(want.keys() | got.keys()) if want.get(k) != got.get(k)}
    assert not changed, "\n".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in changed.items())
    assert len(want) > 80  # every finding of the full story, with its facts
