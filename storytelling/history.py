"""The history of runs: what each build measured and forecast, so the next can say what changed.

A store is a folder (``history`` in story.toml, default ``story_history``) with one subfolder per
data source (named after it) and, per measured month, two files:

* ``<month>.json``: the run's key figures (:class:`RunRecord`): the month measured, its customers
  and leavers, the list, leavers reached and kept, net value, the model's edge over random calling
  and over today's rule, and the forecast for the month being scored (expected leavers, range);
* ``<month>.forecast.parquet``: that forecast customer by customer (``customer_id``, ``score``,
  ``on_list``), so that when the month's outcomes arrive they are checked against what was said.

A run that measures the same month again replaces its own files; every write goes to a temporary
file first, so a reader never sees half a file. A file that cannot be read is named in
:attr:`History.problems` and skipped, never fatal. Reset the history by deleting the folder.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_FOLDER = "story_history"
SCHEMA = 1
#: The forecast's range: where the month's leavers land 9 times in 10 if the model's risks are right.
Z90 = 1.6449


@dataclass(frozen=True)
class RunRecord:
    """One build's key figures. ``period`` is the month measured (ISO date); ``forecast_month`` the
    month scored for the next list, whose outcomes were not known yet (None without one)."""

    period: str
    made: str
    data_name: str
    customers: int
    leavers: int
    contacts: int
    reached: float
    kept: float
    net: float
    random_reached: float
    rule_reached: float | None
    auc: float | None
    forecast_month: str | None = None
    forecast_customers: int = 0
    forecast_expected: float = 0.0
    forecast_low: float = 0.0
    forecast_high: float = 0.0
    list_expected: float = 0.0  # leavers the model expected among the next list's customers
    schema: int = SCHEMA

    @property
    def churn(self) -> float:
        return self.leavers / self.customers if self.customers else math.nan

    @property
    def edge(self) -> float:
        """Leavers the list reached per leaver random calling would reach."""
        return self.reached / self.random_reached if self.random_reached > 0 else math.nan


@dataclass
class History:
    """The records of earlier runs, oldest first, and the files that could not be read."""

    records: list[RunRecord]
    problems: list[str]
    folder: Path | None = None

    def before(self, period: str) -> list[RunRecord]:
        """The records of months before ``period`` (a rerun of ``period`` is not 'the last update')."""
        return [r for r in self.records if r.period < period]

    def forecast(self, record: RunRecord) -> pd.DataFrame | None:
        """The record's forecast customer by customer, or None (and a problem named) when unreadable."""
        if self.folder is None or record.forecast_month is None:
            return None
        path = self.folder / f"{record.period}.forecast.parquet"
        try:
            f = pd.read_parquet(path)
            if not {"customer_id", "score", "on_list"} <= set(f.columns):
                raise ValueError("columns missing")
            return f
        except Exception as exc:  # noqa: BLE001 - a damaged file is named and skipped, never fatal
            self.problems.append(f"{path.name} could not be read ({type(exc).__name__}): skipped.")
            return None


def folder_for(root: str | os.PathLike, data_name: str) -> Path:
    """The data source's own folder in the store (its name made safe for a file system)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", data_name or "data").strip(".-")[:80] or "data"
    return Path(root) / slug


def read_history(folder: Path) -> History:
    """Every readable record in ``folder`` (missing folder: an empty history)."""
    records, problems = [], []
    if not folder.is_dir():
        return History([], [], folder)
    for path in sorted(folder.glob("*.json")):
        try:
            records.append(_record(json.loads(path.read_text(encoding="utf-8"))))
        except Exception as exc:  # noqa: BLE001 - a damaged file is named and skipped, never fatal
            problems.append(f"The history file {path.name} could not be read ({type(exc).__name__}): skipped.")
    records.sort(key=lambda r: r.period)
    return History(records, problems, folder)


def _record(raw: dict) -> RunRecord:
    """A record from its JSON, every field checked (a hand-edited or truncated file fails here)."""
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
        raise ValueError("not a run record of this version")
    kinds = {"str": str, "int": int, "float": (int, float), "str | None": (str, type(None)),
             "float | None": (int, float, type(None))}
    for f in fields(RunRecord):
        if not isinstance(raw.get(f.name, f.default), kinds[f.type]) or isinstance(raw.get(f.name), bool):
            raise ValueError(f"{f.name} is not a {f.type}")
    pd.Timestamp(raw["period"])  # a real date
    return RunRecord(**{f.name: raw.get(f.name, f.default) for f in fields(RunRecord)})


def write_run(folder: Path, record: RunRecord, forecast: pd.DataFrame | None) -> None:
    """Store ``record`` (replacing a record of the same month) and its forecast, atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    if forecast is not None:
        _atomic(folder / f"{record.period}.forecast.parquet", lambda p: forecast.to_parquet(p, index=False))
    else:
        (folder / f"{record.period}.forecast.parquet").unlink(missing_ok=True)
    text = json.dumps(asdict(record), indent=1)
    _atomic(folder / f"{record.period}.json", lambda p: Path(p).write_text(text, encoding="utf-8"))


def _atomic(dest: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".writing-", suffix=dest.suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)


def forecast_range(p: np.ndarray, z: float = Z90) -> tuple[float, float, float]:
    """Expected leavers among customers with risks ``p``, and the range they land in 9 times in 10
    (``z``: another width) if those risks are right (normal approximation of the sum of independent
    yes/no outcomes)."""
    p = np.asarray(p, dtype=float)
    mean, sd = float(p.sum()), float(np.sqrt((p * (1 - p)).sum()))
    return mean, max(mean - z * sd, 0.0), mean + z * sd


def run_record(evaluation, lift, data_name: str, *, made: datetime | None = None
               ) -> tuple[RunRecord, pd.DataFrame | None] | None:
    """The run's record and forecast (None for data without dates: it has no months to compare)."""
    if evaluation.as_of is None:
        return None
    hold = evaluation.frame
    m, sq = lift.model, lift.status_quo
    base = dict(period=pd.Timestamp(evaluation.as_of).date().isoformat(),
                made=(made or datetime.now()).isoformat(timespec="seconds"), data_name=data_name,
                customers=int(len(hold)), leavers=int(hold["churned"].sum()), contacts=int(lift.contacts),
                reached=float(m.churners_reached), kept=float(m.saved), net=float(m.net),
                random_reached=float(lift.random.churners_reached),
                rule_reached=None if sq is None else float(sq.churners_reached),
                auc=None if evaluation.auc is None or not math.isfinite(evaluation.auc) else float(evaluation.auc))
    now = evaluation.current
    if now is None or "score" not in now or not len(now):
        return RunRecord(**base), None
    from storytelling.lift import contact_list

    ids = now["customer_id"].astype(str)
    on_list = ids.isin(set(contact_list(evaluation, lift.contacts, columns=0)["Customer id"])).to_numpy()
    forecast = pd.DataFrame({"customer_id": ids.to_numpy(), "score": now["score"].to_numpy(float), "on_list": on_list})
    mean, low, high = forecast_range(forecast["score"].to_numpy())
    rec = RunRecord(**base, forecast_month=pd.Timestamp(now["snapshot_date"].iloc[0]).date().isoformat(),
                    forecast_customers=len(forecast), forecast_expected=mean, forecast_low=low, forecast_high=high,
                    list_expected=float(forecast.loc[on_list, "score"].sum()))
    return rec, forecast
