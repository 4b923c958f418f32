"""The global sidebar: data source, business assumptions, audience.

Assumption and audience widgets are bound to the page address (query parameters), so a
scenario can be shared as a link, and they keep their values across pages.
"""

from __future__ import annotations

import streamlit as st

from storytelling.data import MAX_UPLOAD_BYTES, DataError, default_sheet, excel_sheets
from storytelling.story import AUDIENCES, EXECUTIVE
from storytelling.targeting import Assumptions
from storytelling.ui.scenario import BOUND
from storytelling.ui.state import SAMPLE_KEY, AppContext, attach_scenario, build_context, fingerprint

DEFAULTS = {
    "value_months": 12,
    "value": 600,
    "cost": 8.0,
    "save": 30,
    "fixed": 0,
    "capacity": 1000,
}


@st.cache_data(show_spinner=False, max_entries=8)
def _sheets(key: str, _raw: bytes) -> tuple[list[str], str | None]:
    """A workbook's sheets and the one read by default (read once per file, not on every rerun)."""
    try:
        return excel_sheets(_raw), default_sheet(_raw)
    except DataError:
        return [], None


def _data_source() -> tuple[str, str, bytes | None, str | None, str | None]:
    st.subheader("Data")
    choice = st.radio("Customers", ["Sample data", "Upload a file"], key="source", horizontal=True,
                      label_visibility="collapsed", persist_state="session")
    if choice == "Sample data":
        st.caption("Northwind Broadband (synthetic): 20 monthly snapshots of about 11,000 customers.")
        return SAMPLE_KEY, "Sample: Northwind Broadband", None, None, None
    up = st.file_uploader(
        "Customer table (CSV, Excel or Parquet)", type=["csv", "txt", "tsv", "xlsx", "parquet"], key="upload",
        max_upload_size=MAX_UPLOAD_BYTES // (1024 * 1024),
        help="One row per customer (and per month, if you have several snapshots), with a column saying who left.",
    )
    if up is None:
        st.info("Upload a file to use your own customers; until then the sample is shown.")
        return SAMPLE_KEY, "Sample: Northwind Broadband", None, None, None
    raw = up.getvalue()
    sheet = None
    if up.name.lower().endswith((".xlsx", ".xlsm")):
        sheets, best = _sheets(fingerprint(raw), raw)
        if len(sheets) > 1:
            sheet = st.selectbox("Sheet", sheets, index=sheets.index(best) if best in sheets else 0, key="sheet")
    return fingerprint(raw) + (f":{sheet}" if sheet else ""), up.name, raw, up.name, sheet


def _assumptions(has_value: bool) -> tuple[Assumptions, bool]:
    st.subheader("Business assumptions")
    st.caption("Agree these with marketing; every figure in the story follows them.")
    use_value = has_value and st.toggle(
        "Value each customer by their own monthly charge", value=True, key="use_value",
        help="Uses the data's monthly value per customer. Off: the same value for everyone.", **BOUND)
    if use_value:
        months = st.number_input("Months of charge a kept customer is worth", 1, 120, DEFAULTS["value_months"],
                                 key="value_months", **BOUND)
        value = DEFAULTS["value"]
    else:
        months = None
        value = st.number_input("Value of keeping one customer ($)", 0, 1_000_000, DEFAULTS["value"], step=50,
                                key="value", **BOUND)
    cost = st.number_input("Cost per contact ($)", 0.0, 10_000.0, DEFAULTS["cost"], step=0.5, key="cost",
                           help="Call time plus the cost of the offer.", **BOUND)
    save = st.slider("Share of contacted leavers the offer keeps (%)", 0, 100, DEFAULTS["save"], key="save",
                     help="From past campaigns or an A/B test. Every 'customers kept' figure scales with it.", **BOUND)
    fixed = st.number_input("Fixed campaign cost per month ($)", 0, 10_000_000, DEFAULTS["fixed"], step=500,
                            key="fixed", **BOUND)
    capacity = st.number_input("Marketing can contact per month (customers)", 0, 10_000_000, DEFAULTS["capacity"],
                               step=100, key="capacity", **BOUND)
    a = Assumptions(value_per_saved=float(value), cost_per_contact=float(cost), save_rate=save / 100,
                    fixed_cost=float(fixed), capacity=int(capacity) if capacity else None,
                    value_months=float(months) if months else None)
    return a, bool(use_value)


def draw() -> AppContext:
    """Draw the sidebar, load the data and return the page context."""
    with st.sidebar:
        key, name, raw, filename, sheet = _data_source()
        audience = st.segmented_control("Audience", AUDIENCES, default=EXECUTIVE, key="audience", required=True,
                                        help="Executive: customers, money and weeks. Data scientist: adds the "
                                             "model's figures and method notes.", **BOUND) or EXECUTIVE
    ctx = build_context(dataset_key=key, dataset_name=name, raw_bytes=raw, filename=filename, sheet=sheet)
    with st.sidebar:
        a, use_value = _assumptions(ctx.data is not None and ctx.data.has_value)
        if ctx.error:
            st.error("This data can't be used yet. See the Data page.")
    return attach_scenario(ctx, a, use_value=use_value, audience=audience)
