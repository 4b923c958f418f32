"""Write tests/data/golden_sample_story.json: every figure of the sample's story, as people read it.

Run it only when a change is meant to change a figure (and say which in the commit):
    python tests/data/make_golden.py
"""

from __future__ import annotations

import json
from pathlib import Path

GOLDEN = Path(__file__).with_name("golden_sample_story.json")
AB = Path(__file__).resolve().parents[2] / "sample_data" / "ab_test_results.csv"


def sample_story_figures() -> dict:
    """The sample's whole story as the nightly job builds it (drivers, a 3-month backtest, the
    sample's A/B results): each finding's title, headline and every fact's text."""
    from storytelling.cli import build_story_from_config
    from storytelling.config import StoryConfig

    cfg = StoryConfig(backtest_months=3, ab_results=str(AB), ab_design="everyone")  # the sample test: every risk
    story = build_story_from_config(cfg, log=lambda *_: None, full=True)
    return {
        "title": story.title, "period": story.period, "next_steps": story.next_steps,
        "findings": {f.key: {"title": f.title, "headline": f.headline,
                             "facts": {k: fact.text for k, fact in sorted(f.facts.items())}}
                     for f in story.findings},
    }


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(sample_story_figures(), indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
