"""Where the customers come from, behind one interface.

A :class:`Source` answers what the analyses ask of the data: the prepared customers (every row of a
file, a bounded sample of a warehouse table), the model's evaluation, the targeting curves, the
months a backtest can replay and their scores. :class:`FileSource` holds a table in memory and
trains where it must; :class:`WarehouseSource` asks the database for counts (see
:mod:`storytelling.warehouse`). The CLI, the app and the analyses call these methods and never ask
which kind of source they hold.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pandas as pd

from storytelling.data import CustomerData, Roles, infer_roles, prepare

SAMPLE_NAME = "Sample: Northwind Broadband"

if TYPE_CHECKING:
    from storytelling.backtest import BacktestScores, Progress
    from storytelling.lift import Curves
    from storytelling.model import Evaluation
    from storytelling.warehouse import SqlSource, WarehouseTable


@runtime_checkable
class Source(Protocol):
    """What the analyses need from the data, whatever holds it."""

    name: str
    data: CustomerData  # the customers the app holds: every row of a file, a warehouse's sample

    @property
    def roles(self) -> Roles: ...

    @property
    def rows(self) -> pd.DataFrame:
        """The table's own columns for the Data page's preview and health report (a warehouse:
        its sample)."""

    @property
    def stored_scores(self) -> bool:
        """True when a backtest replays each month's stored scores instead of training."""

    @property
    def notes(self) -> list[str]:
        """What the reader should know about how the data was read."""

    def describe(self) -> dict[str, Any] | None:
        """The whole table in a few figures when the rows held are a sample (else None)."""

    def evaluate(self) -> Evaluation: ...

    def curves(self, evaluation: Evaluation, *, use_value: bool) -> Curves: ...

    def backtest_months(self) -> list[pd.Timestamp]:
        """Months that can be replayed (with enough history, or with stored scores and outcomes)."""

    def backtest_scores(self, cutoffs: list, *, horizon_days: int = 30, window: str = "expanding",
                        window_months: int = 12, progress: Progress | None = None) -> BacktestScores: ...

    def config_fields(self) -> dict[str, Any]:
        """How ``story.toml`` names this source (``data_path`` or ``data_sql``/``data_table``/``data_query``)."""

    def campaign_results(self) -> tuple[int, int, int, int] | None:
        """The campaign test that comes with the data (the sample ships one), as counts; else None."""

    def campaign_table(self) -> pd.DataFrame | None:
        """The campaign test that comes with the data, one row per customer; else None."""


@dataclass
class FileSource:
    """A table held in memory (a file, an upload or the sample)."""

    name: str
    raw: pd.DataFrame
    data: CustomerData
    path: str | None = None  # where the nightly build reads it again (None: the sample, or an upload)
    sample: bool = False  # the embedded sample (which comes with a campaign test)
    # each backtest month's scores as they are made: an interrupted replay resumes (see score_backtest)
    _months: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def read(cls, raw: pd.DataFrame, roles: Roles | None = None, *, name: str = "", path: str | None = None,
             sample: bool = False, today: pd.Timestamp | None = None,
             called: tuple[str, pd.DataFrame] | None = None) -> FileSource:
        """``called``: a file naming the customers marketing called (its name, its rows), when the
        table has no column for it (``roles.contacted``); their outcomes are set aside (see
        :mod:`storytelling.feedback`)."""
        from storytelling import feedback

        data = prepare(raw, roles if roles is not None else infer_roles(raw), today=today)
        if called is not None and data.set_aside is None:
            flags, rows, matched = feedback.listed_flags(raw, data.roles, called[1])
            data = feedback.set_aside(data, flags, f"the file {called[0]}", (rows, matched))
        return cls(name=name, raw=raw, data=data, path=path, sample=sample)

    @property
    def roles(self) -> Roles:
        return self.data.roles

    @property
    def rows(self) -> pd.DataFrame:
        return self.raw

    stored_scores = False

    @property
    def notes(self) -> list[str]:
        return list(self.data.notes)

    def describe(self) -> None:
        return None

    def evaluate(self) -> Evaluation:
        from storytelling.model import evaluate_cached

        return evaluate_cached(self.data)

    def curves(self, evaluation: Evaluation, *, use_value: bool) -> Curves:
        from storytelling.lift import build_curves

        return build_curves(evaluation, use_value=use_value and self.data.has_value)

    def backtest_months(self) -> list[pd.Timestamp]:
        from storytelling.backtest import default_cutoffs

        return default_cutoffs(self.data) if self.data.has_dates else []

    def backtest_scores(self, cutoffs: list, *, horizon_days: int = 30, window: str = "expanding",
                        window_months: int = 12, progress: Progress | None = None) -> BacktestScores:
        from storytelling.backtest import score_backtest

        return score_backtest(self.data, cutoffs=list(cutoffs), horizon_days=horizon_days, window=window,
                              window_months=window_months, progress=progress, months=self._months)

    def config_fields(self) -> dict[str, Any]:
        return {"data_path": self.path}

    def campaign_results(self) -> tuple[int, int, int, int] | None:
        return _sample_campaign() if self.sample else None

    def campaign_table(self) -> pd.DataFrame | None:
        from storytelling.sample import load_sample_ab

        return load_sample_ab() if self.sample else None


@dataclass
class WarehouseSource:
    """A scored table in a database: counts from the database, customer details from a sample."""

    name: str
    table: WarehouseTable
    data: CustomerData  # the prepared sample
    connection: str | None = None  # how story.toml names the database (default: the source's url)
    _months: BacktestScores | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def read(cls, sql: SqlSource, roles: Roles | None = None, *, engine=None, name: str = "",
             connection: str | None = None) -> WarehouseSource:
        from storytelling.warehouse import read_warehouse

        src = cls.of(read_warehouse(sql, roles, engine=engine), name=name or sql.name)
        src.connection = connection
        return src

    @classmethod
    def of(cls, table: WarehouseTable, *, name: str = "") -> WarehouseSource:
        """The source of a table already read (its sample prepared as a file's rows are)."""
        return cls(name=name or table.source.name, table=table, data=prepare(table.sample, table.roles))

    @property
    def roles(self) -> Roles:
        return self.table.roles

    @property
    def rows(self) -> pd.DataFrame:
        return self.table.sample

    stored_scores = True

    @property
    def notes(self) -> list[str]:
        return list(self.data.notes)

    def describe(self) -> dict[str, Any]:
        return self.table.overview()

    def evaluate(self) -> Evaluation:
        from storytelling.warehouse import evaluate_warehouse

        return evaluate_warehouse(self.table, self.data)

    def curves(self, evaluation: Evaluation, *, use_value: bool) -> Curves:
        from storytelling.warehouse import warehouse_curves

        return warehouse_curves(self.table, evaluation, use_value=use_value)

    def backtest_months(self) -> list[pd.Timestamp]:
        return self.table.months_with_outcomes()

    def backtest_scores(self, cutoffs: list, *, horizon_days: int = 30, window: str = "expanding",
                        window_months: int = 12, progress: Progress | None = None) -> BacktestScores:
        """The chosen months' stored scores, from one query over every month (asked once)."""
        from storytelling.data import DataError
        from storytelling.warehouse import backtest_scores

        with self._lock:
            if self._months is None:
                self._months = backtest_scores(self.table)
        chosen = self._months.only(cutoffs)
        if chosen is None:
            raise DataError("None of the chosen months has customers with known outcomes in the warehouse.")
        return chosen

    def config_fields(self) -> dict[str, Any]:
        sql = self.table.source  # in the app, url is the secrets.toml connection's name
        return {"data_sql": self.connection or sql.url, "data_table": sql.table, "data_query": sql.query}

    def campaign_table(self) -> None:
        return None

    def campaign_results(self) -> None:
        return None


@functools.cache
def _sample_campaign() -> tuple[int, int, int, int]:
    """The sample's campaign test as counts (read once per process)."""
    from storytelling.abtest import results_from_table
    from storytelling.sample import load_sample_ab

    return results_from_table(load_sample_ab())


def open_source(*, path: str | None = None, sheet: str | None = None, sql: str | None = None,
                table: str | None = None, query: str | None = None, query_seconds: float | None = None,
                roles: dict | None = None, name: str | None = None, contacted: str | None = None,
                contacted_file: str | None = None) -> Source:
    """The source ``story.toml`` names: a warehouse (``sql`` with a table or query), a file
    (``path``), or the sample; ``contacted`` (a column: the role, on the given or recognised
    roles) or ``contacted_file``: the customers marketing called."""
    given = Roles.from_dict(roles) if roles else None
    if sql and (contacted or contacted_file):
        from storytelling.errors import DataError

        raise DataError("Setting aside the customers marketing called works on a file for now, not on a warehouse "
                        "table: export the months with the contacted column to a file, or leave it out.")
    if sql:
        from storytelling.warehouse import SqlSource, resolve_url

        named = SqlSource(sql, table, query)  # as the app names it (a secrets.toml connection, never its URL)
        kw = {"query_seconds": query_seconds} if query_seconds is not None else {}
        return WarehouseSource.read(SqlSource(resolve_url(sql), table=table, query=query, **kw), given,
                                    name=name or named.name, connection=sql)
    from storytelling.data import load_table
    from storytelling.sample import load_sample

    raw = load_table(path, sheet=sheet) if path else load_sample()
    from pathlib import Path

    if contacted:
        from dataclasses import replace

        guessed = given is None  # a recognised role that is really who was called gives way
        given = given if given is not None else infer_roles(raw)
        given = replace(given, contacted=contacted, **{r: None for r, c in given.single().items()
                                                        if guessed and c == contacted and r != "contacted"})
    called = (Path(contacted_file).name, load_table(contacted_file)) if contacted_file else None
    return FileSource.read(raw, given, name=name or (Path(path).name if path else SAMPLE_NAME), path=path,
                           sample=not path, called=called)
