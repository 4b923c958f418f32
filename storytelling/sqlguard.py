"""Typed queries and every query's run, guarded: one SELECT, a locked engine, a time limit.

* :func:`single_select` asks a real SQL parser (DuckDB's own for DuckDB, sqlglot in the
  database's dialect otherwise) how many statements a typed query holds and of which kind, so a
  quote inside an identifier, a comment or a string cannot hide a second statement; the text
  returned is the parser's one statement, and the wrapper it is put in is parsed again.
* :func:`harden` locks an embedded DuckDB's configuration on every connection it opens (no
  ``SET`` can change memory, threads or file access afterwards).
* :func:`execute` runs a statement with a time limit and stops it when the limit is hit or when
  the caller no longer wants the answer (:func:`cancel_when`: the page changed, the tab closed).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import threading
import time
from collections.abc import Callable, Iterator

import pandas as pd

from storytelling.errors import DataError

QUERY_SECONDS = 120.0  # the default time limit of one query (``query_seconds`` of a connection)
MAX_QUERY_SECONDS = 3600.0
_POLL = 0.1  # seconds between looks at the clock and at the page

# sqlglot's names for SQLAlchemy's dialects (the same name where they agree)
_SQLGLOT = {"postgresql": "postgres", "mssql": "tsql", "mariadb": "mysql", "awsathena": "athena"}


class QueryStopped(DataError):
    """A query stopped by its time limit or because the page no longer needs it."""


def single_select(query: str, dialect: str) -> str:
    """The one SELECT (or WITH ... SELECT) statement in ``query``, as the parser reads it.

    Raises :class:`DataError` for an empty query, a syntax error, several statements, or a
    statement that is not a query.
    """
    if not query or not query.strip().rstrip(";").strip():
        raise DataError("The query is empty. Write one SELECT statement that returns one row per customer.")
    kinds = _statements(query, dialect)
    if len(kinds) != 1:
        raise DataError(f"Write a single SELECT statement: this text holds {len(kinds)} statements.")
    kind, text = kinds[0]
    if kind != "select":
        raise DataError("Only a SELECT (or WITH ... SELECT) query can be used: it reads customers and changes "
                        "nothing.")
    return re.sub(r"[\s;]+$", "", text)


def wrap(query: str, dialect: str) -> str:
    """``query`` as a subquery the caller selects from, checked again as a whole: the result is
    one SELECT, so the query cannot have closed the brackets around it."""
    kinds = _statements(f"SELECT * FROM (\n{query}\n) AS st_src", dialect)
    if [k for k, _ in kinds] != ["select"]:
        raise DataError("The query could not be read as one SELECT statement.")
    return query + "\n"  # a closing line: a trailing -- comment cannot swallow the bracket after it


def _statements(query: str, dialect: str) -> list[tuple[str, str]]:
    """(kind, text) of each statement: kind is "select" for a query, else the parser's name."""
    if dialect == "duckdb":
        import duckdb

        with duckdb.connect(":memory:") as con:  # the engine's own parser
            try:
                found = con.extract_statements(query)
            except duckdb.Error as exc:
                raise DataError(f"The query is not valid SQL: {db_error_text(exc)} Check the SQL.") from None
        return [("select" if s.type == duckdb.StatementType.SELECT else s.type.name.lower(), s.query) for s in found]
    import sqlglot
    from sqlglot import exp

    try:
        found = [e for e in sqlglot.parse(query, read=_SQLGLOT.get(dialect, dialect) if _known(dialect) else None)
                 if e is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise DataError(f"The query is not valid SQL: {db_error_text(exc)} Check the SQL.") from None
    except RecursionError:
        raise DataError("The query is nested too deeply to read.") from None
    return [("select" if isinstance(e, exp.Query) else e.key, e.sql(dialect=_SQLGLOT.get(dialect, dialect)
                                                                     if _known(dialect) else None)) for e in found]


def _known(dialect: str) -> bool:
    from sqlglot.dialects.dialect import Dialect

    try:
        Dialect.get_or_raise(_SQLGLOT.get(dialect, dialect))
        return True
    except ValueError:
        return False


def db_error_text(exc: Exception) -> str:
    """The database's (or parser's) own words, first line, without SQLAlchemy's boilerplate."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"^\(\S+\)\s*", "", text)
    return text[:300].rstrip(".") + "."


# ---------------------------------------------------------------------------------------------
# A locked engine


def _lock(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    try:
        with contextlib.suppress(Exception):  # already locked by another connection to the same file
            cur.execute("SET enable_progress_bar = false")  # DuckDB would draw one on the server's output
        with contextlib.suppress(Exception):
            cur.execute("SET lock_configuration = true")
    finally:
        cur.close()


def harden(engine):
    """The engine, with every DuckDB connection it opens locked (idempotent). A DuckDB file's
    connections share one database, whose configuration then no statement can change."""
    import sqlalchemy as sa

    if engine.dialect.name == "duckdb" and not sa.event.contains(engine, "connect", _lock):
        sa.event.listen(engine, "connect", _lock)
    return engine


def is_locked(dbapi_connection) -> bool:
    cur = dbapi_connection.cursor()
    try:
        cur.execute("SELECT current_setting('lock_configuration')")
        return bool(cur.fetchone()[0])
    finally:
        cur.close()


# ---------------------------------------------------------------------------------------------
# Time limit and cancellation

_CANCEL: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar("storytelling_cancel",
                                                                                   default=None)


@contextlib.contextmanager
def cancel_when(cancelled: Callable[[], bool] | None) -> Iterator[None]:
    """Queries run inside stop as soon as ``cancelled()`` is true (checked every 0.1 s from a
    watcher thread: it must be cheap and thread-safe)."""
    token = _CANCEL.set(cancelled)
    try:
        yield
    finally:
        _CANCEL.reset(token)


def check_seconds(seconds, where: str) -> float:
    """A query time limit from a config: a number of seconds between 1 and an hour."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 1 <= seconds <= MAX_QUERY_SECONDS:
        raise DataError(f"{where} must be a number of seconds between 1 and {MAX_QUERY_SECONDS:.0f} "
                        f"(got {seconds!r}).")
    return float(seconds)


def execute(engine, stmt, *, seconds: float = QUERY_SECONDS) -> pd.DataFrame:
    """Run ``stmt`` and fetch its rows, stopping it after ``seconds`` or when the current
    :func:`cancel_when` says so (the database's own stop: DuckDB's and SQLite's ``interrupt``,
    Postgres' ``cancel``; a driver without one is left to the server's own statement timeout)."""
    with engine.connect() as con:
        watch = _Watch(_stopper(con.connection.dbapi_connection), seconds, _CANCEL.get())
        try:
            res = con.execute(stmt)
            return pd.DataFrame(res.fetchall(), columns=list(res.keys()))
        except Exception:
            if watch.why:
                raise QueryStopped(watch.why) from None
            raise
        finally:
            watch.done()


def _stopper(dbapi_connection) -> Callable[[], None] | None:
    for name in ("interrupt", "cancel"):  # DuckDB, sqlite3 / psycopg, psycopg2
        fn = getattr(dbapi_connection, name, None)
        if callable(fn):
            return fn
    return None


class _Watch:
    """A thread that stops the running statement when its time is up or the caller cancels."""

    def __init__(self, stop: Callable[[], None] | None, seconds: float, cancelled: Callable[[], bool] | None):
        self.why: str | None = None
        self._stop, self._seconds, self._cancelled = stop, seconds, cancelled
        self._finished = threading.Event()
        self._lock = threading.Lock()  # never stop a connection whose statement has already finished
        self._deadline = time.monotonic() + seconds
        self._thread = None
        if stop is not None:
            self._thread = threading.Thread(target=self._run, name="storytelling-query-watch", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._finished.wait(_POLL):
            if time.monotonic() >= self._deadline:
                self.why = (f"The database did not answer within {self._seconds:g} seconds, so the query was "
                            "stopped. Narrow it (fewer months, a WHERE clause), or ask whoever runs this server "
                            "to raise query_seconds for this connection.")
            elif self._cancelled is not None and _safe(self._cancelled):
                self.why = "The query was stopped: the page changed before the database answered."
            if self.why:
                with self._lock, contextlib.suppress(Exception):
                    if not self._finished.is_set():
                        self._stop()
                return

    def done(self) -> None:
        with self._lock:
            self._finished.set()
        if self._thread is not None:
            self._thread.join()


def _safe(fn: Callable[[], bool]) -> bool:
    try:
        return bool(fn())
    except Exception:
        return False
