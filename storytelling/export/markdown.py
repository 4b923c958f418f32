"""A short "Update / Next" note for chat or email."""

from __future__ import annotations

from functools import partial

from storytelling.story import Story, md_escape

md_escape = partial(md_escape, streamlit=False)  # noqa: F811 (plain Markdown for chat and email)
MAX_POINTS = 4
MAX_NEXT = 3


def to_markdown(story: Story) -> str:
    """What we found and why it matters (3-4 points), then what happens next."""
    found = [f for f in story.findings if f.key != "population"][:MAX_POINTS] or story.findings[:MAX_POINTS]
    lines = [f"**Update: {md_escape(story.title)}**", ""]
    if story.subtitle:
        lines += [f"_{md_escape(story.subtitle)}_", ""]
    lines += [f"- **{md_escape(f.title)}.** {md_escape(f.headline)}" for f in found]
    steps = story.next_steps[:MAX_NEXT]
    if steps:
        lines += ["", "**Next**", ""] + [f"- {md_escape(s)}" for s in steps]
    caveats = [f.caveats[0] for f in found if f.caveats]
    if caveats:
        lines += ["", f"_Caveat: {md_escape(caveats[0])}_"]
    return "\n".join(lines) + "\n"
