"""Options side by side: the scenarios kept on the Retention lift page (or listed in story.toml's
[[options]]), priced on the story's customers and compared in words."""

from __future__ import annotations

from dataclasses import dataclass

from storytelling.options import ScenarioResult, evaluate_all
from storytelling.options_findings import options_finding
from storytelling.registry import Analysis, LeftOut, Run, register
from storytelling.story import Period


@dataclass
class OptionsResult:
    results: list[ScenarioResult]
    cannot: dict[str, str]  # scenario name -> why it cannot be priced on this data
    names: dict[str, str]
    currency: str
    period: Period


def _options(run: Run) -> dict | None:
    return {"scenarios": list(run.config.options)} if run.config.options else None


def _compute(run: Run, options: dict) -> OptionsResult:
    curves = run.lift.curves
    names = {c: run.glossary.name(c) for c in run.source.data.features}  # the columns a scenario may pick groups by
    results, cannot = evaluate_all(curves, list(options["scenarios"]), names)
    if not results:
        raise LeftOut("no kept scenario can be priced on this data: " + " ".join(cannot.values()))
    return OptionsResult(results, cannot, names, run.currency, run.evaluation.period)


ANALYSIS = register(Analysis(
    key="options", name="Options side by side", order=12, page="app_pages/retention_lift.py",
    compute=_compute, options=_options,
    findings=lambda r, _lift: [options_finding(r.results, r.cannot, names=r.names, currency=r.currency,
                                               period=r.period)],
    unasked="no scenarios were kept to compare (keep some on the Retention lift page, or list them in story.toml "
            "as [[options]]).",
    invite="Keep a few scenarios on the Retention lift page to compare them side by side.",
    summary=lambda r: f"{len(r.results)} options compared",
))
