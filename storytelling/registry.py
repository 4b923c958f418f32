"""The registry of analyses: each plugs in once, and every view asks here for the story.

An :class:`Analysis` declares what it needs from the data (``needs``), what it is asked for
(``options``: from the choices made on its page, else from ``story.toml``), how it computes (a
function of the :class:`Run` and those options, which caches its slow steps through
:meth:`Run.memo` and reports progress), and the findings it yields. The built-in analyses are the
modules of :mod:`storytelling.analyses`, found when the registry is first read; a new analysis is
one module there (or a :func:`register` call) plus its page. The Overview, the Export page and
the CLI call :func:`run_all` for the whole story; a page calls :func:`run_one` for its own.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from storytelling.errors import DataError

if TYPE_CHECKING:
    from storytelling.config import StoryConfig
    from storytelling.glossary import Glossary
    from storytelling.lift import LiftResult
    from storytelling.model import Evaluation
    from storytelling.source import Source
    from storytelling.story import Finding

Progress = Callable[[int, int, str], None]

#: What an analysis may need from the data, and how to say that it is missing.
NEEDS: dict[str, tuple[Callable[[Run], bool], str]] = {
    "dates": (lambda run: run.source.data.has_dates, "the data has no snapshot dates"),
    "features": (lambda run: bool(run.source.data.features), "the data has no customer features"),
}


class NotComputed(LookupError):
    """A slow step that this view does not start (the Overview never trains); its page does."""


class LeftOut(DataError):
    """The analysis has nothing true to say on this data (said instead of a finding), as opposed to
    a problem with what it was asked for (a :class:`DataError`, which fails a nightly build)."""


def register_need(name: str, check: Callable[[Run], bool], why: str) -> None:
    """A new kind of need: ``check(run)`` says whether the data has it, ``why`` says what is missing."""
    NEEDS[name] = (check, why)


def direct(key: tuple, fn: Callable[[], Any], *, slow: bool = False) -> Any:
    """The CLI's memo: compute every time (a nightly build computes each step once anyway)."""
    return fn()


@dataclass
class Run:
    """What an analysis may use: the data, the model's evaluation, the scenario, the setup and
    the choices made on the pages (per analysis key)."""

    source: Source
    evaluation: Evaluation
    lift: LiftResult
    config: StoryConfig
    glossary: Glossary
    choices: dict[str, dict] = field(default_factory=dict)
    memo: Callable[..., Any] = direct  # memo(key, fn, slow=...) -> fn() or a stored result
    progress: Progress | None = None

    @property
    def currency(self) -> str:
        return self.lift.currency


@dataclass(frozen=True)
class Analysis:
    """One analysis, as the registry knows it."""

    key: str
    name: str  # how a reader knows it: "Backtest", "A/B test readout"
    order: int  # its place in the story
    compute: Callable[[Run, dict], Any]  # (run, options) -> a typed result
    findings: Callable[[Any, LiftResult], list[Finding]]  # (result, the scenario) -> findings
    options: Callable[[Run], dict | None]  # what it is asked for; None: not asked for (why: ``unasked``)
    needs: tuple[str, ...] = ()
    unasked: str = ""  # why it is not in the story when ``options`` is None
    supporting: tuple[str, ...] = ()  # finding keys shown only in a full story
    page: str | None = None  # the app page that shows it
    invite: str = ""  # the Overview's link to that page when the story lacks this analysis
    summary: Callable[[Any], str] = lambda result: "done"  # for the nightly build's log


_REGISTRY: dict[str, Analysis] = {}
_LOCK = threading.Lock()
_LOADED = False


def register(analysis: Analysis) -> Analysis:
    """Add (or replace) an analysis; returns it, so a module can write ``ANALYSIS = register(...)``."""
    with _LOCK:
        _REGISTRY[analysis.key] = analysis
    return analysis


def unregister(key: str) -> None:
    with _LOCK:
        _REGISTRY.pop(key, None)


def analyses() -> list[Analysis]:
    """Every registered analysis in story order (the built-in ones found on first use)."""
    global _LOADED
    if not _LOADED:
        from storytelling import analyses as package

        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")
        _LOADED = True
    with _LOCK:
        return sorted(_REGISTRY.values(), key=lambda a: (a.order, a.key))


def get(key: str) -> Analysis:
    found = {a.key: a for a in analyses()}
    if key not in found:
        raise KeyError(f"No analysis '{key}' is registered.")
    return found[key]


def supporting_keys() -> set[str]:
    return {k for a in analyses() for k in a.supporting}


@dataclass
class Outcome:
    """What the registry could say: results and findings by analysis, and what was left out, why."""

    results: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)  # analysis key -> why, in words
    cannot: dict[str, str] = field(default_factory=dict)  # analysis key -> what the data lacks for it
    failed: dict[str, str] = field(default_factory=dict)  # analysis key -> the problem with what it was asked

    def missing(self) -> dict[str, str]:
        """Every analysis not in the story and why (what the data lacks first)."""
        return {**self.cannot, **self.failed, **self.left_out}


def missing_need(analysis: Analysis, run: Run) -> str | None:
    for need in analysis.needs:
        check, why = NEEDS[need]
        if not check(run):
            return why
    return None


def run_one(analysis: Analysis | str, run: Run, options: dict | None = None) -> tuple[Any, list[Finding]]:
    """One analysis's result and findings (``options``: the page's choices, else its own defaults)."""
    a = get(analysis) if isinstance(analysis, str) else analysis
    if (why := missing_need(a, run)) is not None:
        raise DataError(f"{a.name} cannot be shown: {why}.")
    options = a.options(run) if options is None else options
    if options is None:
        raise DataError(f"{a.name} is not asked for: {a.unasked}")
    result = a.compute(run, options)
    return result, (a.findings(result, run.lift) if result is not None else [])


def run_all(run: Run, *, contain: Callable[[Analysis, Exception], str] | None = None) -> Outcome:
    """Every analysis the data and the setup allow, in story order; the rest named with why.

    ``contain`` (the app's): an unexpected error in one analysis is reported by it and that
    analysis left out, so one broken analysis never hides the others; without it (the CLI), it
    propagates.
    """
    out = Outcome()
    for _ in run_each(run, out, contain=contain):
        pass
    return out


def run_each(run: Run, out: Outcome, *, contain: Callable[[Analysis, Exception], str] | None = None,
             before: Callable[[Analysis], Any] | None = None) -> Iterator[Analysis]:
    """:func:`run_all` one analysis at a time, filling ``out``: yields each analysis once it is done,
    so a page can show its findings while the next computes. ``before(analysis)`` is called first
    (a page starts a progress bar there)."""
    for a in analyses():
        if before is not None:
            before(a)
        try:
            _run_into(out, a, run)
        except Exception as exc:
            if contain is None:
                raise
            out.failed[a.key] = contain(a, exc)
        yield a


def _run_into(out: Outcome, a: Analysis, run: Run) -> None:
    if (why := missing_need(a, run)) is not None:
        out.cannot[a.key] = why
        return
    options = run.choices.get(a.key) or a.options(run)
    if options is None:
        out.left_out[a.key] = a.unasked
        return
    try:
        result = a.compute(run, options)
    except (NotComputed, LeftOut) as exc:
        out.left_out[a.key] = str(exc)
        return
    except DataError as exc:
        out.failed[a.key] = str(exc)
        return
    if result is not None:
        out.findings += a.findings(result, run.lift)
        out.results[a.key] = result
