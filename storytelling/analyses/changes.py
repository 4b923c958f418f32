"""Since the last update: what changed, whether the last forecast came true, whether to retrain."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from storytelling.feedback import monitoring_note
from storytelling.history import DEFAULT_FOLDER, History, folder_for, read_history, run_record, write_run
from storytelling.monitor import Changes, check_forecast, churn_change, edge_trend, mix_shift, score_shift
from storytelling.monitor_findings import changes_finding
from storytelling.registry import Analysis, LeftOut, Run, register


def history_folder(run: Run) -> Path | None:
    """This data's folder in the history store (None: the setup keeps no history)."""
    root = os.environ.get("STORY_HISTORY", DEFAULT_FOLDER) if run.config.history is None else run.config.history
    return folder_for(root, run.source.name) if root else None


def _compute(run: Run, o: dict) -> Changes:
    ev, data = run.evaluation, run.source.data
    made = run_record(ev, run.lift, run.source.name)  # cheap, and follows the scenario: never stored
    if made is None:
        raise LeftOut("the data has no snapshot dates, so there is no earlier month to compare with.")
    record, forecast = made
    folder = history_folder(run)
    history = read_history(folder) if folder is not None else History([], [])
    earlier = history.before(record.period)
    check, notes = None, []
    if data.roles.id is None:  # rows numbered: no customer can be followed from one month to the next
        earlier_forecasts = []
        notes.append("The table has no customer id column, so last month's forecast cannot be checked customer by "
                     "customer. Name the id column on the Data page.")
    else:
        earlier_forecasts = earlier
    for r in reversed(earlier_forecasts):  # the latest earlier run that forecast the month now measured
        if r.forecast_month == record.period and (f := history.forecast(r)) is not None:
            check = check_forecast(r, f, ev.frame)
            break
    moved = run.memo(("changes in the data", str(ev.as_of), str(ev.train_end)), lambda: _moved(run))
    return Changes(record=record, forecast=forecast, last=earlier[-1] if earlier else None, check=check, **moved,
                   edge=edge_trend(earlier + [record]), problems=list(history.problems),
                   names={c: run.glossary.name(c) for c in data.features},
                   set_aside=monitoring_note(data.set_aside, ev.as_of) if data.set_aside is not None else None,
                   notes=notes)


def _moved(run: Run) -> dict:
    """What moved in the data itself (the same for every scenario, so computed once per data set):
    churn against the month before, each column's mix and the scores of the month scored."""
    ev, data = run.evaluation, run.source.data
    new = ev.current if ev.current is not None and len(ev.current) else ev.frame
    frame = data.frame if data.set_aside is None else data.set_aside.restored(data.frame)  # churn, calls and all
    learnt_to = ev.train_end if ev.train_end is not None else ev.as_of - pd.Timedelta(days=1)
    reference = frame[(frame["snapshot_date"] <= learnt_to) & frame["churned"].notna()]
    return {"churn": churn_change(frame), "shifts": mix_shift(reference, new, data.features) if len(reference) else [],
            "shift_month": pd.Timestamp(new["snapshot_date"].iloc[0]).date().isoformat(),
            "score_psi": score_shift(ev.frame["score"].to_numpy(), new["score"].to_numpy()) if new is not ev.frame
            else None}


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
