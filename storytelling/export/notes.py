"""Speaker notes a presenter can read aloud: what to say, the question an executive is likely to
ask, and its answer, each taken from the finding's own sentences (so the same figures).

The method and the assumptions are said once, in the appendix's notes; data-scientist terms only
appear in data-scientist mode.
"""

from __future__ import annotations

from collections.abc import Callable

from storytelling.story import DATA_SCIENTIST, Finding, Story, has_jargon

#: By finding: the likely question, and which of the finding's own sentences answers it.
QUESTIONS: dict[str, tuple[str, Callable[[Finding], str | None]]] = {
    "decision": ("Why not go ahead on the replay's figures?", lambda f: f.headline),
    "population": ("Is this month typical?",
                   lambda f: "It is the latest month whose outcome we know; the backtest slides show the months "
                             "before it." if "month" in f.title else None),
    "lift": ("How sure are we of these figures?",
             lambda f: " ".join([*f.bullets[2:3], *f.caveats[:1]]) or None),
    "comparison": ("Why not keep today's rule?", lambda f: f.title + "."),
    "best_depth": ("Why not call more customers?",
                   lambda f: _first(f.bullets[1:], "Without") or (f.caveats[0] if f.caveats else None)),
    "sensitivity": ("What if the offer works less well than we assume?", lambda f: f.title + "."),
    "backtest_total": ("How does that compare with what we do today?", lambda f: _first(f.bullets[1:], "today's rule")),
    "backtest_timeline": ("Did it pay every month?", lambda f: f.title + "."),
    "backtest_quality": ("Will the model go stale?", lambda f: " ".join(f.bullets[1:2]) or f.title + "."),
    "drivers": ("Does this mean these things make customers leave?", lambda f: f.caveats[0] if f.caveats else None),
    "ab_plan": ("Why does the test need so many customers?", lambda f: _first(f.bullets[1:], "Planned so that")),
    "ab_readout": ("What does this result mean for the campaign?",
                   lambda f: " ".join([*f.bullets[1:2], *f.next_steps[:1]]) or None),
}
DEFAULT_QUESTION = ("How sure are we?", lambda f: f.caveats[0] if f.caveats else None)


def _first(lines: list[str], word: str) -> str | None:
    return next((x for x in lines if word in x), None)


def finding_notes(f: Finding, audience: str) -> list[str]:
    """What to say (2-4 sentences), the likely question and its answer; for data scientists, the
    technical bullets too."""
    say = list(f.bullets) if f.key == "decision" else [f.headline, *f.bullets[:1]]  # the rest answers questions
    out = ["Say: " + " ".join(say[:4])]
    question, answer = QUESTIONS.get(f.key, DEFAULT_QUESTION)
    text = answer(f)
    if text:
        out += ["", f"If asked \u201c{question}\u201d", text.strip()]
    if audience == DATA_SCIENTIST and f.technical:
        out += ["", "For data scientists:", *(f"- {t}" for t in f.technical)]
    return out


def appendix_notes(story: Story) -> list[str]:
    """The method and the assumptions, once for the whole deck (for executives, without the method
    notes that need a data scientist's words)."""
    method = list(dict.fromkeys(n for f in story.findings for n in f.notes))
    technical = [m for m in method if has_jargon(m)]
    if story.audience != DATA_SCIENTIST and technical:
        method = [m for m in method if m not in technical] + [
            "The statistical method is in the data scientists' version of this deck."]
    out = ["Assumptions behind every figure in this deck:", *(f"- {k}: {v}" for k, v in story.assumptions.items()),
           "", story.period, *story.sensitive]
    if method:
        out += ["", "How the figures were made:", *(f"- {m}" for m in method)]
    if story.left_out:
        out += ["", "Not in this deck:", *(f"- {k}: {v}" for k, v in story.left_out.items())]
    return out
