"""Data: preview, column roles (editable) and a health report."""

import pandas as pd
import streamlit as st

from storytelling.data import ROLE_LABELS, Roles
from storytelling.sensitive import REASON as SENSITIVE_REASON
from storytelling.story import fmt_date, fmt_exact, fmt_pct, md_escape
from storytelling.ui import render
from storytelling.ui.session import health
from storytelling.ui.sidebar import context

ctx = context()
st.title("Data")
st.caption(md_escape(ctx.dataset_name))
if ctx.raw is None:
    render.error(ctx.error or "No data loaded.")
    st.stop()
raw = ctx.raw
if ctx.error:
    render.error(ctx.error)

st.subheader("Column roles")
st.caption("We guessed which column plays which part. Change any guess and press Apply.")
roles = ctx.roles or Roles()
cols = [str(c) for c in raw.columns]


ROLE_HELP = {"contacted": "Yes/no per customer and month: whom marketing called. A call changes whether a customer "
                          "leaves, so their outcome is set aside: the model neither learns from it nor is judged on "
                          "it. Never a model input."}


def key(name: str) -> str:
    """A widget key per table: another table gets its own guesses, never the last table's choices."""
    return f"role_{name}@{ctx.dataset_key}"


def apply_roles() -> None:
    """Form callback: runs before the next script run, so the whole app uses the new roles."""
    new = {role: st.session_state.get(key(role)) for role in ROLE_LABELS}
    new = {k: (None if v in (None, "(none)") else v) for k, v in new.items()}
    st.session_state["roles"] = {"_key": ctx.dataset_key, **new,
                                 "features": list(st.session_state.get(key("features"), [])),
                                 "sensitive": list(st.session_state.get(key("sensitive"), [])),
                                 "use_sensitive": bool(st.session_state.get(key("use_sensitive"), False))}


decided = ctx.source.data.roles if ctx.ready else roles  # the sensitive columns recognised when none were chosen


with st.form("roles_form"):
    grid = st.columns(3)
    for i, (role, label) in enumerate(ROLE_LABELS.items()):
        current = getattr(roles, role)
        options = ["(none)"] + cols
        grid[i % 3].selectbox(label, options, index=options.index(current) if current in cols else 0,
                              key=key(role), help=ROLE_HELP.get(role))
    st.multiselect("Customer features (used to train the baseline model)", cols,
                              default=[c for c in roles.features if c in cols], key=key("features"))
    st.multiselect("Sensitive columns: described, never used", cols,
                   default=[c for c in decided.sensitive or [] if c in cols], key=key("sensitive"),
                   help="Who the list picks in each group of these columns is on the 'Who is on the list' page.")
    st.checkbox("Let the baseline model use the sensitive columns", value=decided.use_sensitive,
                key=key("use_sensitive"))
    st.caption(md_escape(SENSITIVE_REASON))
    st.form_submit_button("Apply", type="primary", on_click=apply_roles)

w = ctx.source.describe() if ctx.ready else None
if w is not None:  # the rows here are a sample: the whole table in figures first
    st.subheader("In the warehouse")
    m = st.columns([1, 1, 1.7, 1])
    m[0].metric("Rows", fmt_exact(w["rows"]))
    m[1].metric("With a known outcome", fmt_exact(w["labelled"]))
    if w["first"] is not None:
        m[2].metric(f"Period ({w['snapshots']} snapshots)", f"{w['first']:%b %Y} – {w['last']:%b %Y}")
    m[3].metric("Left, all months", fmt_pct(w["churn_rate"]), help="Share of rows with a known outcome that left.")
    st.caption(f"Counted in the database in {w['seconds']:.1f} s; {fmt_exact(w['rows_sent'])} rows of counts were "
               f"sent here. The health report and preview below check a sample of {fmt_exact(w['sample_rows'])} rows.")

rep = health(ctx)
st.subheader("Health report" if w is None else "Health report (sample)")
m = st.columns([1, 1, 1.7, 1])
m[0].metric("Rows", fmt_exact(rep.rows))
m[1].metric("Customers", fmt_exact(rep.customers) if rep.customers is not None else "n/a")
if rep.first_date is not None and pd.notna(rep.first_date):
    m[2].metric(f"Period ({rep.snapshots} snapshots)", f"{rep.first_date:%b %Y} – {rep.last_date:%b %Y}",
                help=f"From {fmt_date(rep.first_date)} to {fmt_date(rep.last_date)}")
else:
    m[2].metric("Period", "no dates")
m[3].metric("Left, all months" if rep.snapshots and rep.snapshots > 1 else "Left",
            fmt_pct(rep.churn_rate) if rep.churn_rate is not None else "n/a",
            help="Share of rows with a known outcome whose customer left, over the whole table (the story itself "
                 "speaks of one month's customers when the table has dates).")
checks = []
if rep.duplicate_rows:
    checks.append(f"{fmt_exact(rep.duplicate_rows)} rows are exact duplicates of another row.")
if rep.duplicate_keys:
    checks.append(f"{fmt_exact(rep.duplicate_keys)} rows repeat a customer on the same date.")
if rep.labelled_rows is not None and rep.labelled_rows < rep.rows:
    checks.append(f"{fmt_exact(rep.rows - rep.labelled_rows)} rows have no outcome yet (for example this month's "
                  "customers); they are scored but not counted in results.")
checks += ctx.notes if ctx.ready else []
for c in checks:
    st.markdown(f"- {md_escape(c)}")


def table(title: str, frame: pd.DataFrame, when_empty: str, config: dict) -> None:
    st.markdown(title)
    if frame.empty:
        st.caption(when_empty)
    else:
        st.dataframe(frame, hide_index=True, column_config=config)


left, right = st.columns(2)
with left:
    table("**Missing values**", rep.missing, "No missing values.",
          {"share": st.column_config.NumberColumn("share", format="percent")})
with right:
    table("**Unusual values** (far outside the typical range)", rep.outliers, "None found.",
          {"count": st.column_config.NumberColumn("rows outside"),
           "low": st.column_config.NumberColumn("typical from", format="%.4g"),
           "high": st.column_config.NumberColumn("typical to", format="%.4g")})

st.subheader("Preview")
st.caption(f"First 200 of {fmt_exact(len(raw))} rows.")
dates = {c: st.column_config.DateColumn(c, format="YYYY-MM-DD")
         for c in raw.columns if pd.api.types.is_datetime64_any_dtype(raw[c])}
st.dataframe(raw.head(200), hide_index=True, column_config=dates)
