"""Scored customers in a database: the database computes the aggregates, only they leave it.

A warehouse table (or a query) with one row per customer (and snapshot) and a model score is read
with a handful of bounded queries, built with SQLAlchemy Core so that any dialect renders them
(DuckDB is the embedded default: a ``.duckdb`` file, a Parquet file or a folder of Parquet files):

1. ``peek``: the first 2,000 rows, to recognise the columns exactly as for a file;
2. one row per snapshot date and label value (one scan): customers, score range, missing scores
   and value, from which the label's values are mapped to left / stayed / unknown as for a file;
3. the score histogram of the evaluated month, split by today's rule when it is a flag (one
   scan): per bucket of 0.001 risk customers, leavers, lowest and highest score, summed and
   squared value of the leavers, from which
   :meth:`~storytelling.targeting.TargetingCurve.from_aggregates` builds the curves (exact at
   bucket edges; see :data:`~storytelling.targeting.AGGREGATE_TOLERANCE`); a rule with many values
   (a ranking) is bucketed over its range instead;
4. a bounded sample of the evaluated and the current month (``sample_size`` rows each) for
   features, drivers and SHAP; on demand, the top ``k`` customers for the contact list, and each
   month's histogram for the backtest by stored scores.

Every database error is turned into :class:`~storytelling.data.DataError` with the database's
own words and what to check. Typed queries must be one ``SELECT`` (or ``WITH``) statement.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from storytelling import validate
from storytelling.data import CustomerData, DataError, Roles, binary_values, infer_roles, read_dates
from storytelling.model import Evaluation, Population
from storytelling.sqlguard import (  # noqa: F401  (db_error_text: also the sidebar's)
    QUERY_SECONDS,
    QueryStopped,
    db_error_text,
    execute,
    harden,
    single_select,
    wrap,
)

BUCKETS = 1000  # score buckets of 0.001: thresholds on the 0.1-point grid are exact
PEEK_ROWS = 2000
SAMPLE_ROWS = 5000
MAX_LABEL_VALUES = 50
MAX_DATES = 1000
MAX_FLAG_ROWS = 5000  # score buckets x values of today's rule fetched in one scan (a flag: 2 x 1,001)
MAX_LIST = 100_000  # the longest contact list fetched
DUCKDB_MEMORY = "256MB"  # the embedded DuckDB streams the table through this much memory (add ?memory_limit= to a URL)


@dataclass(frozen=True)
class SqlSource:
    """Where the scored customers live: a SQLAlchemy URL (or a local DuckDB / SQLite / Parquet path)
    and a table name or one SELECT query."""

    url: str
    table: str | None = None
    query: str | None = None
    query_seconds: float = QUERY_SECONDS  # each query's time limit (not part of the key)

    @property
    def name(self) -> str:
        return f"{self.table or 'query'} ({_display_url(self.url)})"

    @property
    def key(self) -> str:
        import hashlib

        return "sql:" + hashlib.sha1(repr((self.url, self.table, self.query)).encode()).hexdigest()[:16]


def _display_url(url: str) -> str:
    """The URL without any password."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


# ---------------------------------------------------------------------------------------------
# Connecting


def _parquet_glob(path: Path) -> str:
    return str(path / "**" / "*.parquet") if path.is_dir() else str(path)


def engine_for(url: str):
    """A SQLAlchemy engine for ``url``: a SQLAlchemy URL, or a local path to a ``.duckdb`` file, a
    SQLite file, a Parquet file or a folder of Parquet files (read by an embedded DuckDB).

    Local DuckDB databases are opened read-only with file access switched off (Parquet sources may
    read only their own folder), so a typed query cannot read other files on the server.
    """
    import sqlalchemy as sa

    url = str(url).strip()
    if not url:
        raise DataError("No database given. Enter a SQLAlchemy URL (e.g. duckdb:///scores.duckdb) or a path.")
    if "://" not in url:
        path = Path(url).expanduser()
        if not path.exists():
            raise DataError(f"'{url}' was not found. Give the path of a .duckdb or SQLite file, a Parquet file or "
                            "a folder of Parquet files, or a SQLAlchemy URL.")
        if path.is_dir() or path.suffix.lower() == ".parquet":
            return _parquet_engine(path.resolve())
        if path.suffix.lower() in (".sqlite", ".sqlite3", ".db"):
            return sa.create_engine(f"sqlite:///{path.resolve()}")
        url = f"duckdb:///{path.resolve()}"
    try:
        return harden(sa.create_engine(url, **engine_options(url)))
    except Exception as exc:  # unknown dialect, missing driver, malformed URL
        raise DataError(f"Can't open the database '{_display_url(url)}': {db_error_text(exc)} Check the URL; for "
                        "Postgres, BigQuery or Snowflake install their SQLAlchemy driver.") from None


def resolve_url(name_or_url: str, secrets: list[Path] | None = None) -> str:
    """A URL or local path as is; otherwise the name of a connection in Streamlit's secrets.toml
    (``[connections.NAME] url = ...`` in ./.streamlit/ or ~/.streamlit/), as ``st.connection`` reads it."""
    import tomllib

    if "://" in name_or_url or Path(name_or_url).expanduser().exists():
        return name_or_url
    for path in secrets or [Path(".streamlit/secrets.toml"), Path.home() / ".streamlit" / "secrets.toml"]:
        try:
            conns = tomllib.loads(path.read_text(encoding="utf-8")).get("connections", {})
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if isinstance(conns.get(name_or_url), dict) and conns[name_or_url].get("url"):
            return str(conns[name_or_url]["url"])
    raise DataError(f"'{name_or_url}' is neither a database URL, a file, nor a connection in .streamlit/secrets.toml. "
                    "Give a SQLAlchemy URL (e.g. duckdb:///warehouse.duckdb) or add [connections."
                    f"{name_or_url}] with url = ... to .streamlit/secrets.toml.")


def write_scored_sample(path: str | Path, *, months: int = 12) -> int:
    """The sample's customers as a warehouse would hold them, as table ``scores`` in a DuckDB file:
    each of the last ``months`` labelled months scored by a model trained only on what was known
    then (the backtest's models), and today's customers scored by the latest model."""
    import duckdb

    from storytelling.backtest import default_cutoffs, score_backtest
    from storytelling.data import prepare
    from storytelling.model import evaluate_cached
    from storytelling.sample import load_sample

    raw = load_sample()
    data = prepare(raw)
    ev = evaluate_cached(data)
    past = score_backtest(data, cutoffs=default_cutoffs(data)[-months:])
    frames = [p.frame.assign(snapshot_date=p.cutoff) for p in past.periods]
    if ev.current is not None:
        frames.append(ev.current)
    keys = pd.concat([f[["customer_id", "snapshot_date", "score"]] for f in frames])
    keys["customer_id"] = keys["customer_id"].astype(raw["customer_id"].dtype)
    scored = raw.merge(keys.rename(columns={"score": "churn_score"}), on=["customer_id", "snapshot_date"])
    scored["churn_score"] = scored["churn_score"].round(6)
    path = Path(path)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.register("scored", scored)
        con.execute("CREATE TABLE scores AS SELECT * FROM scored ORDER BY snapshot_date, customer_id")
    return len(scored)


def engine_options(url: str) -> dict:
    """Options for ``sqlalchemy.create_engine`` (and ``st.connection(type="sql")``): a DuckDB file
    is opened read-only, without file access, streaming through :data:`DUCKDB_MEMORY`."""
    if not str(url).split(":", 1)[0].startswith("duckdb") or ":memory:" in str(url):
        return {}  # (a secrets entry may name the dialect alone: dialect = "duckdb")
    config: dict[str, Any] = {"enable_external_access": False}
    if "memory_limit" not in url:
        config["memory_limit"] = DUCKDB_MEMORY
    return {"connect_args": {"read_only": True, "config": config}}


def _parquet_engine(path: Path):
    import sqlalchemy as sa

    engine = sa.create_engine("duckdb:///:memory:", connect_args={"config": {"memory_limit": DUCKDB_MEMORY}})
    folder = str(path if path.is_dir() else path.parent)
    source = _parquet_glob(path).replace("'", "''")

    @sa.event.listens_for(engine, "connect")
    def _view(dbapi_connection, _record):  # every pooled connection is its own in-memory database
        cur = dbapi_connection.cursor()
        cur.execute(f"CREATE VIEW customers AS SELECT * FROM read_parquet('{source}', union_by_name = true)")
        cur.execute(f"SET allowed_directories = ['{folder.rstrip('/').replace(chr(39), chr(39) * 2)}/']")
        cur.execute("SET enable_external_access = false")
        cur.execute("SET enable_progress_bar = false")
        cur.execute("SET lock_configuration = true")
        cur.close()

    return harden(engine)


def tables(engine) -> list[str]:
    """Tables and views the connection can read (a Parquet source shows one: ``customers``)."""
    import sqlalchemy as sa

    try:
        insp = sa.inspect(engine)
        return sorted(set(insp.get_table_names()) | set(insp.get_view_names()))
    except Exception as exc:
        raise DataError(f"Can't list the database's tables: {db_error_text(exc)}") from None


@dataclass
class _Source:
    """The table or query as a SQLAlchemy selectable with its columns."""

    engine: Any
    rel: Any
    columns: list[str]
    seconds: float = QUERY_SECONDS


def _open(source: SqlSource, engine=None) -> _Source:
    import sqlalchemy as sa

    engine = engine if engine is not None else engine_for(source.url)
    if bool(source.table) == bool(source.query):
        raise DataError("Choose a table or write a query (one of the two).")
    if source.table:
        parts = source.table.split(".")
        if len(parts) > 2 or not all(parts):
            raise DataError(f"'{source.table}' is not a table name. Use name or schema.name.")
        known = tables(engine) if len(parts) == 1 else None
        if known is not None and parts[0] not in known:
            hint = f" Tables here: {', '.join(known[:12])}." if known else " The database has no tables."
            raise DataError(f"There is no table '{source.table}'.{hint}")
        name, schema = parts[-1], (parts[0] if len(parts) == 2 else None)
        probe = sa.table(name, schema=schema)
    else:
        query = wrap(single_select(source.query, engine.dialect.name), engine.dialect.name)
        query = re.sub(r"(?<!\\):", r"\\:", query)  # a colon is the query's own, never a bound parameter
        probe = sa.text(f"({query}) AS st_src")
    try:
        cols = list(execute(engine, sa.select(sa.text("*")).select_from(probe).limit(0), seconds=source.query_seconds))
    except QueryStopped:
        raise
    except Exception as exc:
        raise DataError(f"The database refused the {'query' if source.query else 'table'}: {db_error_text(exc)} "
                        "Check the SQL and the names in it.") from None
    columns = [sa.column(c) for c in cols]
    rel = (sa.table(name, *columns, schema=schema) if source.table else
           sa.text(query).columns(*columns).subquery("st_src"))
    return _Source(engine, rel, cols, source.query_seconds)


def _run(src: _Source, stmt, what: str) -> pd.DataFrame:
    try:
        return execute(src.engine, stmt, seconds=src.seconds)
    except QueryStopped:
        raise
    except Exception as exc:
        raise DataError(f"The database could not {what}: {db_error_text(exc)} Check that the columns chosen for each "
                        "role hold the expected kind of values.") from None


# ---------------------------------------------------------------------------------------------
# Reading


def peek(source: SqlSource, engine=None, rows: int = PEEK_ROWS) -> pd.DataFrame:
    """The first ``rows`` rows, to recognise the columns (and show them on the Data page)."""
    return _first_rows(_open(source, engine), rows)


def _first_rows(src: _Source, rows: int = PEEK_ROWS) -> pd.DataFrame:
    import sqlalchemy as sa

    df = _run(src, sa.select(src.rel).limit(rows), "read the first rows")
    if df.empty:
        raise DataError("The table (or query) returns no rows. Check its name or the query's WHERE clause.")
    return df


def guess_roles(source: SqlSource, engine=None) -> Roles:
    """Column roles recognised from the first rows, exactly as for a file."""
    return infer_roles(peek(source, engine))


@dataclass
class WarehouseTable:
    """What the app needs from a scored table, read with bounded queries."""

    source: SqlSource
    roles: Roles
    months: pd.DataFrame  # one row per snapshot date (or one row): customers, labelled, leavers, value_lost
    as_of: pd.Timestamp | None
    current: pd.Timestamp | None
    buckets: pd.DataFrame  # score histogram of the evaluated month
    rule_buckets: pd.DataFrame | None
    sample: pd.DataFrame  # raw columns, at most sample_size rows of the evaluated and the current month
    rows_fetched: int  # rows that left the database for the aggregates (not the sample)
    seconds: float
    notes: list[str] = field(default_factory=list)
    _src: Any = field(default=None, repr=False)

    @property
    def customers(self) -> int:
        """Customers of the evaluated month with a known outcome (the lift page's population)."""
        return int(self.buckets["customers"].sum())

    def months_with_outcomes(self) -> list[pd.Timestamp]:
        """Snapshot months whose outcomes are known: each can be replayed with its stored scores."""
        m = self.months
        return sorted(pd.Timestamp(d) for d in m.loc[m["labelled"] > 0, "snapshot_date"]) if "snapshot_date" in m else []

    def overview(self) -> dict[str, Any]:
        """The whole table in a few figures (from the per-date counts, not the sample)."""
        m = self.months
        dated = "snapshot_date" in m
        return {"rows": int(m["customers"].sum()), "snapshots": len(m) if dated else None,
                "first": m["snapshot_date"].min() if dated else None, "last": m["snapshot_date"].max() if dated else None,
                "labelled": int(m["labelled"].sum()), "leavers": int(m["leavers"].sum()),
                "churn_rate": float(m["leavers"].sum() / max(m["labelled"].sum(), 1)),
                "rows_sent": self.rows_fetched, "sample_rows": len(self.sample), "seconds": self.seconds}

    def top(self, k: int) -> pd.DataFrame:
        """The top ``k`` customers by score (today's month when there is one, else the evaluated
        month), raw columns, riskiest first; at most :data:`MAX_LIST` rows."""
        import sqlalchemy as sa

        src, r = self._src, self.roles
        k = int(min(max(k, 0), MAX_LIST))
        rel = src.rel
        stmt = sa.select(rel).where(rel.c[r.score].is_not(None))
        month = self.current if self.current is not None else self.as_of
        if month is not None:
            stmt = stmt.where(rel.c[r.date] == self._date_value(month))
        if self.current is None:
            stmt = stmt.where(self._labelled())
        order = [rel.c[r.score].desc()] + ([rel.c[r.id].asc()] if r.id else [])
        top = _run(src, stmt.order_by(*order).limit(k), "list the riskiest customers")
        names = {r.id: "customer_id", r.score: "score", r.value: "value", r.status_quo: "status_quo"}
        top = top.rename(columns={c: n for c, n in names.items() if c})
        if "customer_id" not in top:
            top.insert(0, "customer_id", np.arange(1, len(top) + 1))
        for c in ("score", "value", "status_quo"):
            if c in top:
                top[c] = pd.to_numeric(top[c], errors="coerce")
        return top[[c for c in ("customer_id", "score", "value", "status_quo", *r.features) if c in top]]

    # -- internals shared by the queries --------------------------------------------------------
    _label_map: dict = field(default_factory=dict, repr=False)
    _date_values: dict = field(default_factory=dict, repr=False)

    def _labelled(self):
        import sqlalchemy as sa

        known = [v for v, y in self._label_map.items() if y in (0.0, 1.0)]
        return self._src.rel.c[self.roles.label].in_(known) if known else sa.false()

    def _date_value(self, ts: pd.Timestamp):
        return self._date_values[pd.Timestamp(ts)]


def _label_map(values: list, label: str) -> dict:
    """Each distinct label value -> 1.0 (left), 0.0 (stayed) or nan (not known yet)."""
    if len(values) > MAX_LABEL_VALUES:
        raise validate.too_many_label_values(label, MAX_LABEL_VALUES)
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    plain = pd.Series([int(v) if isinstance(v, bool | np.bool_) else v for v in values], dtype=object)
    with contextlib.suppress(TypeError, ValueError):  # text labels stay text: left / stayed, yes / no...
        plain = pd.to_numeric(plain)
    mapped = binary_values(plain)
    if mapped is None:
        validate.label_readable(label, [v for v in plain if binary_values(pd.Series([v])) is None] or values)
    return dict(zip(values, mapped.tolist(), strict=True))


def read_warehouse(source: SqlSource, roles: Roles | None = None, *, engine=None, sample_size: int = SAMPLE_ROWS,
                   buckets: int = BUCKETS, seed: int = 0) -> WarehouseTable:
    """Read a scored table with bounded queries (see the module notes). ``roles`` defaults to
    those recognised from the first rows; each role is checked by :mod:`storytelling.validate` on
    the counts, as a file's rows are."""
    t0 = time.perf_counter()
    src = _open(source, engine)
    if roles is None:
        roles = infer_roles(_first_rows(src))
    validate.roles_fit(roles.single(), src.columns)
    if roles.contacted:
        raise DataError("Setting aside the customers marketing called works on a file for now, not on a warehouse "
                        "table: clear 'Called by marketing' on the Data page, or export the months to a file.")
    if not roles.score:
        raise DataError("Warehouse tables need a score column (each customer's risk from your model): the app does "
                        "not train on millions of rows. Choose the score column on the Data page, or load a file "
                        "to train a model here.")
    months, labels, fetched = _count_months(src, roles)
    as_of, current, where = _evaluated_month(src, roles, months, labels)
    hist, rule_hist, sent = _histograms(src, roles, where, labels, buckets)
    table = WarehouseTable(source=source, roles=roles, months=months.drop(columns=["date_value"], errors="ignore"),
                           as_of=as_of, current=current, buckets=hist, rule_buckets=rule_hist, sample=pd.DataFrame(),
                           rows_fetched=fetched + sent, seconds=0.0, _src=src,
                           _label_map=labels, _date_values=_date_values(months))
    table.sample = _sample(table, sample_size, seed)
    table.seconds = time.perf_counter() - t0
    total = int(hist["customers"].sum())
    drawn = min(sample_size, total)
    if drawn < total:
        table.notes.append(f"Customer details (drivers, groups, the Data page) come from a sample of {drawn:,} "
                           f"customers a month; every count and amount comes from all {total:,} in the database.")
    return table


def _count_months(src: _Source, roles: Roles) -> tuple[pd.DataFrame, dict, int]:
    """One scan: per snapshot date and label value, customers, score range, missing scores, value;
    the label's values mapped to left / stayed / unknown; the outcomes and scores checked."""
    import sqlalchemy as sa

    rel = src.rel
    score, lab = rel.c[roles.score], rel.c[roles.label]
    cols = [sa.func.count().label("customers"), sa.func.min(score).label("score_min"),
            sa.func.max(score).label("score_max"),
            sa.func.sum(sa.case((score.is_(None), 1), else_=0)).label("no_score")]
    if roles.value:
        cols.append(sa.func.sum(rel.c[roles.value]).label("value"))
    keys = ([rel.c[roles.date].label("date_value")] if roles.date else []) + [lab.label("label_value")]
    cap = (MAX_DATES + 1) * (MAX_LABEL_VALUES + 1)
    counts = _run(src, sa.select(*keys, *cols).group_by(*keys).limit(cap + 1), "count customers per date and outcome")
    labels = _label_map(list(dict.fromkeys(counts["label_value"].tolist())), roles.label)  # Python values to bind
    outcome = counts["label_value"].map(lambda v: labels.get(v, math.nan) if v is not None else math.nan)
    num = counts[[c.name for c in cols]].apply(pd.to_numeric).fillna(0)
    per = pd.DataFrame({
        "date_value": counts["date_value"] if roles.date else 0,
        "customers": num["customers"],
        "labelled": num["customers"].where(outcome.notna(), 0),
        "leavers": num["customers"].where(outcome == 1.0, 0),
        "no_score": num["no_score"].where(outcome.notna(), 0),
        "score_min": pd.to_numeric(counts["score_min"]), "score_max": pd.to_numeric(counts["score_max"]),
    })
    agg = {"customers": "sum", "labelled": "sum", "leavers": "sum", "no_score": "sum", "score_min": "min",
           "score_max": "max"}
    if roles.value:
        per["value_lost"] = num["value"].where(outcome == 1.0, 0.0)
        agg["value_lost"] = "sum"
    months = per.groupby("date_value", sort=True, dropna=False).agg(agg).reset_index()
    for c in ("customers", "labelled", "leavers", "no_score"):
        months[c] = months[c].astype(np.int64)
    validate.outcomes(roles.label, labelled=int(months["labelled"].sum()), leavers=int(months["leavers"].sum()))
    validate.score_range(roles.score, float(months["score_min"].min()), float(months["score_max"].max()))
    if roles.date:
        months = _month_dates(months, roles.date)
    return months, labels, len(counts)


def _month_dates(months: pd.DataFrame, col: str) -> pd.DataFrame:
    """The snapshot dates read as dates (a few dozen values), months in order."""
    if len(months) > MAX_DATES:
        raise validate.too_many_dates(col, MAX_DATES)
    months["snapshot_date"] = read_dates(months["date_value"].astype(str))
    bad = months["snapshot_date"].isna()
    validate.dates_readable(col, int(months.loc[bad, "customers"].sum()), months.loc[bad, "date_value"].dropna())
    return months.sort_values("snapshot_date").reset_index(drop=True)


def _date_values(months: pd.DataFrame) -> dict:
    """Each snapshot date -> the value the database holds for it (to bind in queries)."""
    if "snapshot_date" not in months:
        return {}
    return dict(zip(months["snapshot_date"], months["date_value"], strict=True))


def _evaluated_month(src: _Source, roles: Roles, months: pd.DataFrame, labels: dict):
    """(the evaluated month, today's month, the SQL conditions selecting the evaluated customers):
    the latest month with outcomes, and a later month without any."""
    rel = src.rel
    lab_months = months[months["labelled"] > 0]
    as_of = current = None
    where = []
    if roles.date:
        as_of = pd.Timestamp(lab_months["snapshot_date"].max())
        later = months[(months["snapshot_date"] > as_of) & (months["labelled"] == 0)]
        current = pd.Timestamp(later["snapshot_date"].max()) if len(later) else None
        value = months.loc[months["snapshot_date"] == as_of, "date_value"].iloc[0]
        where.append(rel.c[roles.date] == value)
        row = lab_months[lab_months["snapshot_date"] == as_of].iloc[0]
    else:
        row = lab_months.iloc[0]
    validate.score_complete(roles.score, int(row["no_score"]), where=" of the evaluated month")
    where.append(rel.c[roles.label].in_([v for v, y in labels.items() if y in (0.0, 1.0)]))
    return as_of, current, where


def _histograms(src: _Source, roles: Roles, where: list, labels: dict, buckets: int):
    """The evaluated month's score histogram, split by today's rule when it is a flag (one scan;
    at most MAX_FLAG_ROWS rows), else the rule bucketed on its own; and the rows they took."""
    import sqlalchemy as sa

    rel = src.rel
    score = rel.c[roles.score]
    is_left = sa.case((rel.c[roles.label].in_([v for v, y in labels.items() if y == 1.0]), 1), else_=0)
    b = sa.func.floor(score * sa.literal_column(str(int(buckets))))  # a number in the SQL: DuckDB is faster
    agg = [sa.func.count().label("customers"), sa.func.sum(is_left).label("leavers"),
           sa.func.min(score).label("score_low"), sa.func.max(score).label("score_high")]
    sums = ["customers", "leavers"]
    if roles.value:
        lv = sa.case((is_left == 1, rel.c[roles.value]), else_=0)
        agg += [sa.func.sum(lv).label("value"), sa.func.sum(lv * lv).label("value_sq")]
        sums += ["value", "value_sq"]
    hist = rule_hist = None
    fetched = 0
    if roles.status_quo:
        q = rel.c[roles.status_quo]
        both = _run(src, sa.select(b.label("bucket"), q.label("rule"), *agg).where(*where).group_by(b, q)
                    .limit(MAX_FLAG_ROWS + 1), "build the score histogram").apply(pd.to_numeric)
        fetched += len(both)
        if len(both) <= MAX_FLAG_ROWS:
            hist = both.groupby("bucket").agg({**dict.fromkeys(sums, "sum"), "score_low": "min",
                                               "score_high": "max"}).reset_index()
            rule_hist = both.groupby("rule", dropna=False)[sums].sum().reset_index()
        else:  # a ranking rather than a flag (days since login...): bucketed over its range
            rule_hist = _ranking_rule(src, q, where, agg[:2] + agg[4:], buckets)
            fetched += len(rule_hist)
        validate.rule_complete(roles.status_quo, int(rule_hist.loc[rule_hist["rule"].isna(), "customers"].sum()))
    if hist is None:
        hist = _run(src, sa.select(b.label("bucket"), *agg).where(*where).group_by(b).order_by(b),
                    "build the score histogram").apply(pd.to_numeric)
        fetched += len(hist)
    return hist, rule_hist, fetched


def _ranking_rule(src: _Source, q, where: list, agg: list, buckets: int) -> pd.DataFrame:
    import sqlalchemy as sa

    span = _run(src, sa.select(sa.func.min(q).label("lo"), sa.func.max(q).label("hi")).where(*where),
                "find the range of today's rule").apply(pd.to_numeric)
    r_lo, r_hi = float(span["lo"].iloc[0]), float(span["hi"].iloc[0])
    rb = sa.func.floor((q - r_lo) / ((r_hi - r_lo) or 1.0) * buckets)
    return _run(src, sa.select(rb.label("bucket"), sa.func.min(q).label("rule_low"), sa.func.max(q).label("rule"), *agg)
                .where(*where).group_by(rb), "bucket today's rule").apply(pd.to_numeric)


def _random_order(src: _Source, roles: Roles, seed: int):
    """A repeatable pseudo-random order where the dialect has one, else the database's random()."""
    import sqlalchemy as sa

    name = src.engine.dialect.name
    key = src.rel.c[roles.id] if roles.id else src.rel.c[roles.score]
    if name == "duckdb":  # numbers written into the SQL: a bound seed makes DuckDB 15x slower here
        return sa.func.hash(key, sa.literal_column(str(int(seed))))
    if name == "postgresql":
        return sa.func.md5(sa.func.concat(sa.cast(key, sa.String), str(seed)))
    if name in ("mysql", "mariadb", "bigquery"):
        return sa.func.rand()
    if name == "mssql":
        return sa.func.newid()
    return sa.func.random()


def _sample(table: WarehouseTable, n: int, seed: int) -> pd.DataFrame:
    """At most ``n`` labelled customers of the evaluated month and ``n`` of today's month."""
    import sqlalchemy as sa

    src, r = table._src, table.roles
    rel = src.rel
    order = _random_order(src, r, seed)
    m = table.months
    parts = []
    for month, labelled in ((table.as_of, True), (table.current, False)):
        if month is None and not labelled:
            continue
        stmt = sa.select(rel)
        rows = m.loc[m["snapshot_date"] == month].iloc[0] if month is not None else m.iloc[0]
        if month is not None:
            stmt = stmt.where(rel.c[r.date] == table._date_value(month))
        if labelled:
            stmt = stmt.where(table._labelled())
        step = int(rows["labelled" if labelled else "customers"]) // (4 * n)
        if src.engine.dialect.name == "duckdb" and step > 1:  # keep ~4n rows by hash before sorting them
            stmt = stmt.where(order % sa.literal_column(str(step)) == sa.literal_column("0"))
        parts.append(_run(src, stmt.order_by(order).limit(n), "draw a sample of customers"))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


# ---------------------------------------------------------------------------------------------
# Into the story's objects


def _bucket_curve(h: pd.DataFrame, high: str, low: str, use_value: bool):
    from storytelling.targeting import TargetingCurve

    v = use_value and "value" in h
    return TargetingCurve.from_aggregates(h[high], h[low], h["customers"], h["leavers"],
                                          h["value"] if v else None, h["value_sq"] if v else None)


def warehouse_curves(table: WarehouseTable, evaluation: Evaluation, *, use_value: bool = True):
    """The model's and today's rule's curves over every customer of the evaluated month, built
    from the histograms (the same queries as a file's curves; see the module notes)."""
    from storytelling.lift import Curves

    use_value = bool(use_value and table.roles.value)
    model = _bucket_curve(table.buckets, "score_high", "score_low", use_value)
    rule = None
    if table.rule_buckets is not None:
        h = table.rule_buckets
        rule = _bucket_curve(h, "rule", "rule_low" if "rule_low" in h else "rule", use_value)
    return Curves(model, rule, evaluation, use_value)


MONTH_BUCKETS = 250  # per month in the backtest: at most 251 rows a month


def backtest_scores(table: WarehouseTable, *, buckets: int = MONTH_BUCKETS):
    """Backtest by the stored scores: every labelled month's score histogram (and today's rule), in
    one query each, priced later by :func:`~storytelling.backtest.summarise_backtest`."""
    import sqlalchemy as sa

    from storytelling.backtest import BacktestScores, ScoredPeriod

    src, r = table._src, table.roles
    if not r.date:
        raise DataError("A backtest needs a snapshot date column: this table has no dates. Choose one on the Data page.")
    rel = src.rel
    d = rel.c[r.date]
    left = [v for v, y in table._label_map.items() if y == 1.0]
    is_left = sa.case((rel.c[r.label].in_(left), 1), else_=0)
    agg = [sa.func.count().label("customers"), sa.func.sum(is_left).label("leavers")]
    if r.value:
        lv = sa.case((is_left == 1, rel.c[r.value]), else_=0)
        agg += [sa.func.sum(lv).label("value"), sa.func.sum(lv * lv).label("value_sq")]
    b = sa.func.floor(rel.c[r.score] * sa.literal_column(str(int(buckets))))
    hist = _run(src, sa.select(d.label("date_value"), b.label("bucket"), sa.func.min(rel.c[r.score]).label("score_low"),
                               sa.func.max(rel.c[r.score]).label("score_high"), *agg)
                .where(table._labelled()).group_by(d, b), "build each month's score histogram")
    rules = None
    if table.rule_buckets is not None and "rule_low" not in table.rule_buckets:  # a flag with few values
        q = rel.c[r.status_quo]
        rules = _run(src, sa.select(d.label("date_value"), q.label("rule"), *agg).where(table._labelled())
                     .group_by(d, q), "group each month's customers by today's rule")
    to_ts = {v: ts for ts, v in table._date_values.items()}
    periods = []
    for value, h in hist.groupby("date_value", sort=False):
        h = h.drop(columns="date_value").apply(pd.to_numeric)
        rh = None if rules is None else rules[rules["date_value"] == value].drop(columns="date_value").apply(pd.to_numeric)
        curves = {}
        for use_value in ([False, True] if r.value else [False]):
            rule = _bucket_curve(rh, "rule", "rule", use_value) if rh is not None and len(rh) else None
            curves[use_value] = (_bucket_curve(h, "score_high", "score_low", use_value), rule)
        periods.append(ScoredPeriod(to_ts[value], None, 0, [], None, curves=curves, auc=auc_from_buckets(h)))
    periods.sort(key=lambda p: p.cutoff)
    return BacktestScores(periods, 30, "expanding", "given scores")


def auc_from_buckets(buckets: pd.DataFrame) -> float:
    """Chance a leaver scores above a stayer, customers of one bucket counted as tied."""
    h = buckets.sort_values("score_high")
    c = h["leavers"].to_numpy(dtype=float)
    s = h["customers"].to_numpy(dtype=float) - c
    below = np.concatenate([[0.0], np.cumsum(s)[:-1]])
    total = c.sum() * s.sum()
    return float((c * (below + 0.5 * s)).sum() / total) if total else math.nan


def evaluate_warehouse(table: WarehouseTable, data: CustomerData) -> Evaluation:
    """The evaluation the pages use: customer rows from the sample (``data`` is the prepared
    sample), every count from the database."""
    from storytelling.model import evaluate

    ev = evaluate(data)
    months = table.months
    row = months[months["snapshot_date"] == table.as_of].iloc[0] if table.as_of is not None else months.iloc[0]
    cur = (int(months.loc[months["snapshot_date"] == table.current, "customers"].iloc[0])
           if table.current is not None else None)
    value_lost = float(row["value_lost"]) if "value_lost" in row and pd.notna(row["value_lost"]) else None
    population = Population(customers=int(row["labelled"]), leavers=int(row["leavers"]), value_lost=value_lost,
                            current_customers=cur, top=table.top, sample_note=" ".join(table.notes) or None)
    return replace(ev, auc=auc_from_buckets(table.buckets), population=population)
