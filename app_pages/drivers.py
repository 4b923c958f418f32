"""Drivers: why customers leave, and why one customer is at risk."""

import pandas as pd
import streamlit as st

from storytelling.config import server_model_config
from storytelling.data import DataError
from storytelling.drivers import CAUSE_CAVEAT, customer_finding, driver_detail_finding
from storytelling.fairness_findings import model_note
from storytelling.story import DATA_SCIENTIST, fmt_pct, md_escape
from storytelling.ui import render
from storytelling.ui.caches import BASELINE, CONFIGURED, STAND_IN, UPLOADED
from storytelling.ui.scenario import BOUND
from storytelling.ui.session import analysis, customer_set, driver_model, set_glossary_edits
from storytelling.ui.sidebar import context

ctx = context()
render.page_header(ctx, "Why customers leave")
ev = ctx.evaluation
st.info(md_escape(CAUSE_CAVEAT), icon=":material/lightbulb:")
if ev.population is not None and ev.population.sample_note:
    st.caption(md_escape(ev.population.sample_note))

# --- which model to explain -------------------------------------------------------------------
config_model = server_model_config()
options = {}
if ev.source == "baseline":
    options[BASELINE] = "The model trained here"
elif ctx.data.features:
    options[STAND_IN] = "A stand-in model that imitates your scores"
options[UPLOADED] = "Upload your model (.skops)"
if config_model.path:
    options[CONFIGURED] = "The model named in story.toml"
if not ctx.data.features and ev.source == "given":
    render.error("The data has scores but no customer columns, so there is nothing to explain them with. "
                 "Add columns describing the customers (contract, tenure, …).")
    st.stop()
source = st.radio("Explain", list(options), format_func=options.get, horizontal=True, key="drivers_model", **BOUND)

kwargs = {}
if source == UPLOADED:
    up = st.file_uploader("Your model (.skops)", type=["skops"], key="model_upload",
                          help="Save a scikit-learn model with skops.io.dump(model, 'model.skops'). Pickle and "
                               "joblib files are not accepted: opening them can run any code.")
    if up is None:
        st.caption("Upload a scikit-learn model trained on this table's columns to see what drives its scores.")
        st.stop()
    kwargs = {"raw": up.getvalue(), "name": up.name}
elif source == CONFIGURED:
    kwargs = {"path": config_model.path, "name": config_model.path.rsplit("/", 1)[-1],
              "allow_pickle": config_model.allow_pickle}
elif source == STAND_IN and not st.session_state.get("stand_in_ok"):
    st.markdown("Your data has scores from your own model but not the model itself. A stand-in model can learn "
                "to imitate the scores from the customer columns; its drivers then describe your scores.")
    if not st.button("Fit a stand-in model (a few seconds)", type="primary"):
        st.stop()
    st.session_state["stand_in_ok"] = True

# --- names used in sentences --------------------------------------------------------------------
with st.expander("Names used in sentences (edit to match how your team talks)"):
    g = ctx.glossary
    table = g.to_frame()[["column", "name", "unit"]]
    edited = st.data_editor(table, key=f"glossary_{ctx.dataset_key}", hide_index=True, width="stretch",
                            disabled=["column"],
                            column_config={"column": "Column in the data", "name": "Name in sentences",
                                           "unit": st.column_config.TextColumn("Unit", help="months, days, %, $ …")})
    edits = {r["column"]: {"name": r["name"], "unit": r["unit"]} for r in edited.to_dict("records")}
    if edits != {r["column"]: {"name": r["name"], "unit": r["unit"]} for r in table.to_dict("records")}:
        set_glossary_edits(ctx, edits)

try:
    with st.spinner("Finding what sets leavers apart…"):
        model_key, dm = driver_model(ctx, source, **kwargs)
        result, (main,) = analysis(ctx, "drivers", {"model": model_key, "_model": dm})
except DataError as exc:
    render.error(str(exc))
    st.stop()

render.finding(main, ctx.audience, caveats=False)
for c in main.caveats[1:]:
    st.caption(f"⚠️ {md_escape(c)}")
if note := model_note(ctx.data.sensitive, result.sensitive, {c: ctx.glossary.name(c) for c in ctx.data.sensitive},
                      scores="given" if dm.source == STAND_IN else "model"):
    st.caption(md_escape(note))

table = result.table
shown = pd.DataFrame({
    "Driver": table["driver"].str.capitalize(),
    "Share": table["share"],
    "Riskiest": table["riskiest"].str.replace("^(whose|with) ", "", regex=True) + " (" +
                table["riskiest_risk"].map(fmt_pct) + ")",
    "Safest": table["safest"].str.replace("^(whose|with) ", "", regex=True) + " (" +
              table["safest_risk"].map(fmt_pct) + ")",
})
colcfg = {"Share": st.column_config.ProgressColumn("Share of what the model sees", format="percent", min_value=0,
                                                   max_value=float(table["share"].max()))}
if ctx.audience == DATA_SCIENTIST:
    shown[f"Mean |SHAP| ({result.unit})"] = table["importance"].round(4)
    shown["Direction"] = table["direction"]
with st.expander("All drivers"):
    st.dataframe(shown, hide_index=True, width="stretch", column_config=colcfg)

# --- one driver in detail ----------------------------------------------------------------------
st.divider()
cols = table["column"].tolist()
col = st.selectbox("How risk changes with", cols, format_func=lambda c: ctx.glossary.name(c).capitalize(),
                   key="driver_detail", **BOUND)
render.finding(driver_detail_finding(result, col), ctx.audience, level=4, caveats=False)

# --- one customer ------------------------------------------------------------------------------
st.divider()
st.markdown("### Why is this customer at risk?")
cs = customer_set(ctx, model_key, dm)
st.caption(md_escape(f"Picking among {len(cs.frame):,} of {cs.label}, riskiest first."))
search = st.text_input("Find a customer by id", key="customer_search", placeholder="e.g. C100042").strip()
pool = cs.frame
if search:
    pool = pool[pool["customer_id"].str.contains(search, case=False, regex=False)]
    if pool.empty:
        st.warning(md_escape(f"No customer id contains '{search}'."))
        st.stop()
pool = pool.head(500)
labels = dict(zip(pool["customer_id"], pool["risk"].map(fmt_pct)))
cid = st.selectbox("Customer", list(labels), format_func=lambda c: f"{c} · risk {labels[c]}", key="customer")
pos = int(pool.loc[pool["customer_id"] == cid, "_pos"].iloc[0])
expl = cs.explainer.explain(cs.X.iloc[[pos]], customer=f"Customer {cid}", glossary=ctx.glossary,
                            period=ctx.evaluation.period)
render.finding(customer_finding(expl), ctx.audience, level=4, caveats=False)
