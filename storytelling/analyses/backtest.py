"""Backtest: had we called the model's list every month, what would it have gained?"""

from __future__ import annotations

import pandas as pd

from storytelling.backtest import backtest_findings, summarise_backtest
from storytelling.errors import DataError
from storytelling.registry import Analysis, Run, register

DEFAULTS = {"window": "expanding", "window_months": 12, "policy": "capacity", "threshold": None, "horizon_days": 30}


def _options(run: Run) -> dict | None:
    """From story.toml: the latest ``backtest_months`` months, learning from every earlier month."""
    n = run.config.backtest_months
    return {**DEFAULTS, "months": n} if n else None


def _compute(run: Run, o: dict):
    o = {**DEFAULTS, **o}
    months = run.source.backtest_months()
    cutoffs = [pd.Timestamp(c) for c in o["cutoffs"]] if o.get("cutoffs") else months[-o.get("months", 12):]
    if not cutoffs:
        raise DataError("No month has enough earlier history (3 months with known outcomes) to replay. "
                        "Load more months.")
    steps = (tuple(c.isoformat() for c in cutoffs), o["horizon_days"], o["window"], o["window_months"])
    scores = run.memo(("backtest scores", *steps), lambda: run.source.backtest_scores(
        cutoffs, horizon_days=o["horizon_days"], window=o["window"], window_months=o["window_months"],
        progress=run.progress), slow=True)
    a, uses_value = run.lift.assumptions, run.lift.curves.uses_value
    return run.memo(("backtest", *steps, repr(a), o["policy"], o["threshold"], uses_value), lambda: summarise_backtest(
        scores, a, policy=o["policy"], threshold=o["threshold"], use_value=uses_value))


ANALYSIS = register(Analysis(
    key="backtest", name="Backtest", order=20, needs=("dates",), page="app_pages/backtest.py",
    compute=_compute, findings=lambda result, lift: backtest_findings(result, currency=lift.currency),
    options=_options, unasked="story.toml asks for no backtest (backtest_months = 0).",
    invite="Replay the past months on the Backtest page to add 'had we used the model since…' to this story",
    supporting=("backtest_timeline", "backtest_quality"), summary=lambda result: f"{len(result.periods)} months",
))
