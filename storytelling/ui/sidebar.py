"""The global sidebar: data source, business assumptions, audience.

Assumption and audience widgets are bound to the page address (query parameters), so a
scenario can be shared as a link, and they keep their values across pages.
"""

from __future__ import annotations

import streamlit as st

from storytelling.confvalues import LIMITS
from storytelling.data import MAX_UPLOAD_BYTES, DataError, sheet_choices
from storytelling.sqlguard import QUERY_SECONDS, check_seconds, harden
from storytelling.story import AUDIENCES, EXECUTIVE
from storytelling.targeting import Assumptions
from storytelling.ui.caches import SAMPLE_KEY, SAMPLE_NAME
from storytelling.ui.context import CTX, FRESH, AppContext, Loaded, Unready, attach_scenario, fingerprint, load
from storytelling.ui.scenario import BOUND
from storytelling.ui.settings import AUDIENCE, CAPACITY, COST, DEFAULTS, FIXED, SAVE, USE_VALUE, VALUE, VALUE_MONTHS
from storytelling.warehouse import SqlSource, db_error_text, engine_for, engine_options, tables


@st.cache_data(show_spinner=False, max_entries=8)
def _sheets(key: str, _raw: bytes) -> tuple[list[str], str | None]:
    """A workbook's sheets and the one read by default (read once per file, not on every rerun)."""
    try:
        return sheet_choices(_raw)
    except DataError:
        return [], None


WAREHOUSE = "Warehouse"
WRITE_QUERY = "Write a query…"
SECRETS_EXAMPLE = """[connections.warehouse]
url = "duckdb:///warehouse.duckdb"
"""


def _connections() -> dict[str, dict]:
    """The SQL connections configured in .streamlit/secrets.toml (none without the file)."""
    try:
        conns = st.secrets.get("connections", {})
        return {name: dict(c) for name, c in conns.items() if hasattr(c, "keys")}
    except Exception:  # no secrets file, or one that does not parse
        return {}


@st.cache_resource(show_spinner=False, max_entries=4)
def _local_engine(path: str):
    return engine_for(path)


@st.cache_resource(show_spinner=False, max_entries=8)
def _tables(name: str, _engine) -> list[str]:
    return tables(_engine)


def _warehouse_source():
    """Connection (from secrets.toml, opened with st.connection), then a table or a query."""
    conns = _connections()
    if not conns:
        st.info("No warehouse is set up on this server. Add a connection to `.streamlit/secrets.toml` "
                "(see the README), for example:")
        st.code(SECRETS_EXAMPLE, language="toml")
        return None
    names = sorted(conns)
    name = st.selectbox("Connection", names, key="sql_connection", disabled=len(names) == 1)
    secret = conns[name]
    url = str(secret.get("url") or secret.get("dialect", ""))
    try:
        seconds = check_seconds(secret.get("query_seconds", QUERY_SECONDS), f"query_seconds of [connections.{name}]")
        if secret.get("url") and "://" not in url:  # a local DuckDB / SQLite / Parquet path
            engine = _local_engine(url)
        else:
            given = {"url": url} if secret.get("url") else {}  # (AppTest's secrets reach st.secrets, not here)
            engine = harden(st.connection(name, type="sql", **given, **engine_options(url)).engine)
        choices = _tables(name, engine)
    except Exception as exc:  # a wrong URL, a missing driver, an unreachable server
        st.error(f"Can't open the connection '{name}': {db_error_text(exc)}")
        return None
    table = st.selectbox("Table", [*choices, WRITE_QUERY], key="sql_table",
                         help="The scored customers: one row per customer (and month), with a score column.")
    query = None
    if table == WRITE_QUERY:
        query = st.text_area("Query (one SELECT)", key="sql_query", height=120,
                             placeholder="SELECT * FROM scores WHERE region = 'North'")
        if not query.strip():
            st.caption("Write a SELECT that returns one row per customer; until then the sample is shown.")
            return None
        table = None
    src = SqlSource(url=name, table=table, query=query, query_seconds=seconds)
    return src.key, src.name, src, engine


def _data_source() -> tuple[str, str, bytes | None, str | None, str | None, tuple | None]:
    st.subheader("Data")
    choice = st.radio("Customers", ["Sample data", "Upload a file", WAREHOUSE], key="source", horizontal=True,
                      label_visibility="collapsed", persist_state="session")
    if choice == WAREHOUSE:
        picked = _warehouse_source()
        if picked is None:
            return SAMPLE_KEY, SAMPLE_NAME, None, None, None, None
        key, name, src, engine = picked
        st.caption("Counts are computed in the database; only the counts (a few thousand rows) and a sample leave it.")
        return key, name, None, None, None, (src, engine)
    if choice == "Sample data":
        st.caption("Northwind Broadband (synthetic): 20 monthly snapshots of its customers, the latest not yet "
                   "labelled.")
        return SAMPLE_KEY, SAMPLE_NAME, None, None, None, None
    up = st.file_uploader(
        "Customer table (CSV, Excel or Parquet)", type=["csv", "txt", "tsv", "xlsx", "parquet"], key="upload",
        max_upload_size=MAX_UPLOAD_BYTES // (1024 * 1024),
        help="One row per customer (and per month, if you have several snapshots), with a column saying who left.",
    )
    if up is None:
        st.info("Upload a file to use your own customers; until then the sample is shown.")
        return SAMPLE_KEY, SAMPLE_NAME, None, None, None, None
    raw = up.getvalue()
    sheet = None
    if up.name.lower().endswith((".xlsx", ".xlsm")):
        sheets, best = _sheets(fingerprint(raw), raw)
        if len(sheets) > 1:
            sheet = st.selectbox("Sheet", sheets, index=sheets.index(best) if best in sheets else 0, key="sheet")
    return fingerprint(raw) + (f":{sheet}" if sheet else ""), up.name, raw, up.name, sheet, None


def _assumptions(has_value: bool) -> tuple[Assumptions, bool]:
    st.subheader("Business assumptions")
    st.caption("Agree these with marketing; every figure in the story follows them.")
    use_value = has_value and st.toggle(
        "Value each customer by their own monthly charge", value=True, key=USE_VALUE,
        help="Uses the data's monthly value per customer. Off: the same value for everyone.", **BOUND)
    if use_value:
        months = st.number_input("Months of charge a kept customer is worth", *LIMITS["value_months"], DEFAULTS[VALUE_MONTHS],
                                 key=VALUE_MONTHS, **BOUND)
        value = DEFAULTS[VALUE]
    else:
        months = None
        value = st.number_input("Value of keeping one customer ($)", *LIMITS["value_per_saved"], DEFAULTS[VALUE], step=50,
                                key=VALUE, **BOUND)
    cost = st.number_input("Cost per contact ($)", *map(float, LIMITS["cost_per_contact"]), DEFAULTS[COST], step=0.5, key=COST,
                           help="Call time plus the cost of the offer.", **BOUND)
    save = st.slider("Share of contacted leavers the offer keeps (%)", 0, 100, DEFAULTS[SAVE], key=SAVE,
                     help="From past campaigns or an A/B test. Every 'customers kept' figure scales with it.", **BOUND)
    fixed = st.number_input("Fixed campaign cost per month ($)", *LIMITS["fixed_cost"], DEFAULTS[FIXED], step=500,
                            key=FIXED, **BOUND)
    capacity = st.number_input("Marketing can contact per month (customers)", *LIMITS["capacity"], DEFAULTS[CAPACITY],
                               step=100, key=CAPACITY, **BOUND)
    a = Assumptions(value_per_saved=float(value), cost_per_contact=float(cost), save_rate=save / 100,
                    fixed_cost=float(fixed), capacity=int(capacity) if capacity else None,
                    value_months=float(months) if months else None)
    return a, bool(use_value)


def draw() -> AppContext | Unready:
    """Draw the sidebar, load the data and return the page context."""
    with st.sidebar:
        key, name, raw, filename, sheet, sql = _data_source()
        audience = st.segmented_control("Audience", AUDIENCES, default=EXECUTIVE, key=AUDIENCE, required=True,
                                        help="Executive: customers, money and weeks. Data scientist: adds the "
                                             "model's figures and method notes.", **BOUND) or EXECUTIVE
    loaded = load(dataset_key=key, dataset_name=name, raw_bytes=raw, filename=filename, sheet=sheet, sql=sql)
    with st.sidebar:
        a, use_value = _assumptions(isinstance(loaded, Loaded) and loaded.data.has_value)
        if isinstance(loaded, Unready):
            st.error("This data can't be used yet. See the Data page.")
    return attach_scenario(loaded, a, use_value=use_value, audience=audience)


def context() -> AppContext | Unready:
    """The context built by ``app.py`` for this run.

    When a page script runs without ``app.py`` before it (AppTest reruns only the page after
    its first run), the page draws the sidebar itself so it never works on a stale context.
    """
    if st.session_state.pop(FRESH, False):
        return st.session_state[CTX]
    ctx = draw()
    st.session_state.pop(FRESH, None)
    return ctx
