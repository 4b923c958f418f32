"""Since the last update: what changed, whether the last forecast came true, whether to retrain."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from storytelling.history import DEFAULT_FOLDER, History, folder_for, read_history, run_record, write_run
from storytelling.monitor import check_forecast, churn_change, edge_trend, mix_shift, score_shift
from storytelling.monitor_findings import Changes, changes_finding
from storytelling.registry import Analysis, LeftOut, Run, register


def history_folder(run: Run) -> Path | None:
    """This data's folder in the history store (None: the setup keeps no history)."""
    root = os.environ.get("STORY_HISTORY", DEFAULT_FOLDER) if run.config.history is None else run.config.history
    return folder_for(root, run.source.name) if root else None


def _compute(run: Run, o: dict) -> Changes:
    ev, data = run.evaluation, run.source.data
    made = run.memo(("run record", ev.as_of, run.lift.contacts), lambda: run_record(ev, run.lift, run.source.name))
    if made is None:
        raise LeftOut("the data has no snapshot dates, so there is no earlier month to compare with.")
    record, forecast = made
    folder = history_folder(run)
    history = read_history(folder) if folder is not None else History([], [])
    earlier = history.before(record.period)
    last = earlier[-1] if earlier else None
    check = None
    for r in reversed(earlier):  # the latest earlier run that forecast the month now measured
        if r.forecast_month == record.period and (f := history.forecast(r)) is not None:
            check = check_forecast(r, f, ev.frame)
            break
    new = ev.current if ev.current is not None and len(ev.current) else ev.frame
    month = pd.Timestamp(new["snapshot_date"].iloc[0])
    frame = data.frame
    learnt_to = ev.train_end if ev.train_end is not None else ev.as_of - pd.Timedelta(days=1)
    reference = frame[(frame["snapshot_date"] <= learnt_to) & frame["churned"].notna()]
    shifts = mix_shift(reference, new, data.features) if len(reference) else []
    scored = score_shift(ev.frame["score"].to_numpy(), new["score"].to_numpy()) if new is not ev.frame else None
    return Changes(record=record, forecast=forecast, last=last, check=check, churn=churn_change(frame),
                   shifts=shifts, shift_month=month.date().isoformat(), score_psi=scored,
                   edge=edge_trend(earlier + [record]), problems=list(history.problems),
                   names={c: run.glossary.name(c) for c in data.features})


def keep(run: Run, changes: Changes) -> Path | None:
    """Record this run in the history (replacing a run of the same month); returns the folder."""
    folder = history_folder(run)
    if folder is not None:
        write_run(folder, changes.record, changes.forecast)
    return folder


def _summary(c: Changes) -> str:
    said = "forecast checked" if c.check else "no earlier forecast for this month"
    return f"{said}; {len(c.problems)} history files skipped" if c.problems else said


ANALYSIS = register(Analysis(
    key="changes", name="Since the last update", order=5, needs=("dates",), page=None,
    compute=_compute, findings=lambda result, lift: [changes_finding(result)],
    options=lambda run: {}, summary=_summary,
))
