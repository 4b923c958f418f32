"""Backtest: had we called the model's list every month, what would it have gained?"""

from __future__ import annotations

import pandas as pd

from storytelling.backtest import backtest_findings, summarise_backtest
from storytelling.errors import DataError
from storytelling.registry import Analysis, LeftOut, Run, register

DEFAULTS = {"window": "expanding", "window_months": 12, "policy": "capacity", "threshold": None, "horizon_days": 30}


def _options(run: Run) -> dict | None:
    """From story.toml: ``backtest_months`` months (the latest, or up to ``[analyses.backtest] end``),
    learning from every earlier month unless ``[analyses.backtest]`` says otherwise (window,
    window_months, policy, threshold: what the Backtest page chose)."""
    n = run.config.backtest_months
    return {**DEFAULTS, **run.config.analyses.get("backtest", {}), "months": n} if n else None


def _compute(run: Run, o: dict):
    o = {**DEFAULTS, **o}
    months = run.source.backtest_months()
    if o.get("end"):
        months = [m for m in months if m <= pd.Timestamp(o["end"])]
    cutoffs = [pd.Timestamp(c) for c in o["cutoffs"]] if o.get("cutoffs") else months[-o.get("months", 12):]
    if not cutoffs:  # named in the story, never fatal: the data cannot replay anything yet
        raise LeftOut("no month has enough earlier history (3 months with known outcomes) to replay yet.")
    steps = (tuple(c.isoformat() for c in cutoffs), o["horizon_days"], o["window"], o["window_months"])
    scores = run.memo(("backtest scores", *steps), lambda: _scores(run, cutoffs, o), slow=True)
    if isinstance(scores, Exception):
        raise scores
    a, uses_value = run.lift.assumptions, run.lift.curves.uses_value
    return run.memo(("backtest", *steps, repr(a), o["policy"], o["threshold"], uses_value), lambda: _said(run, cutoffs, (
        summarise_backtest(scores, a, policy=o["policy"], threshold=o["threshold"], use_value=uses_value))))


def _said(run: Run, cutoffs: list, result):
    """The result, saying so when customers marketing called were left out of its months."""
    from dataclasses import replace

    from storytelling.feedback import backtest_note

    aside = run.source.data.set_aside
    return result if aside is None else replace(result, set_aside=backtest_note(aside, cutoffs))


def _with_edge(findings: list, result) -> list:
    """The replay's edge over random calling, month by month, judged as the nightly monitoring judges
    the runs' (below 1.5x random, or a quarter under the earlier months'): said, with what to do."""
    from storytelling.monitor import edge_series
    from storytelling.monitor_findings import RETRAIN, edge_line

    p = result.periods
    edge = edge_series([(str(c), r / q if q > 0 else float("nan"))
                        for c, r, q in zip(p["cutoff"], p["reached"], p["random_reached"])])
    line = edge_line(edge, "the months before") if edge is not None else None
    if line:
        quality = next(f for f in findings if f.key == "backtest_quality")
        quality.bullets.insert(0, line)
        quality.next_steps.append(RETRAIN)
    return findings


def _scores(run: Run, cutoffs: list, o: dict):
    """Each month scored; a table that cannot be replayed (too little history to train on) is a
    reason to leave the backtest out, kept so it is not tried again on every rerun."""
    try:
        return run.source.backtest_scores(cutoffs, horizon_days=o["horizon_days"], window=o["window"],
                                          window_months=o["window_months"], progress=run.progress)
    except DataError as exc:
        return LeftOut(str(exc))


ANALYSIS = register(Analysis(
    key="backtest", name="Backtest", order=20, needs=("dates",), page="app_pages/backtest.py",
    compute=_compute, findings=lambda result, lift: _with_edge(backtest_findings(result, currency=lift.currency), result),
    options=_options, unasked="the setup asks for no backtest (backtest_months = 0 in story.toml).",
    invite="Replay the past months on the Backtest page to add 'had we used the model since…' to this story",
    supporting=("backtest_timeline", "backtest_quality"), summary=lambda result: f"{len(result.periods)} months",
))
