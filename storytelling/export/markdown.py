"""A short "Update / Next" note for chat or email."""

from __future__ import annotations

from storytelling.story import Story, md_escape

MAX_POINTS = 4
MAX_NEXT = 3


def _esc(text: str) -> str:
    return md_escape(text, streamlit=False)  # plain Markdown for chat and email: $ and : stay


def to_markdown(story: Story) -> str:
    """What we found and why it matters (3-4 points), then what happens next."""
    found = story.messages(MAX_POINTS)
    lines = [f"**Update: {_esc(story.title)}**", ""]
    if story.subtitle:
        lines += [f"_{_esc(story.subtitle)}_", ""]
    since = next((f for f in story.findings if f.key == "changes"), None)
    if since is not None:  # the note opens with what changed since the last update
        lines += [f"**{_esc(since.title)}**", ""] + [f"- {_esc(b)}" for b in [since.headline, *since.bullets][:4]]
        lines += [""]
    decision = next((f for f in story.findings[:1] if f.key == "decision"), None)
    if decision is not None:
        lines += [f"**{_esc(decision.title)}.**", ""]
    lines += [f"- **{_esc(f.title)}.** {_esc(f.headline)}" for f in found]
    steps = story.next_steps[:MAX_NEXT]
    if steps:
        lines += ["", "**Next**", ""] + [f"- {_esc(s)}" for s in steps]
    caveats = [f.caveats[0] for f in found if f.caveats]
    if caveats:
        lines += ["", f"_Caveat: {_esc(caveats[0])}_"]
    if story.left_out:
        lines += ["", "_Not in this update: " + _esc(", ".join(story.left_out)) + "._"]
    return "\n".join(lines) + "\n"
