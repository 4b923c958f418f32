"""Who is on the list: whom the list picks in each group of the sensitive columns (and of any
column picked here), and what other lists of the same length would keep and make."""

import streamlit as st

from storytelling import charts
from storytelling.data import DataError
from storytelling.fairness_findings import mix_table, options_table
from storytelling.sensitive import REASON
from storytelling.story import md_escape
from storytelling.ui import render
from storytelling.ui.scenario import BOUND
from storytelling.ui.session import analysis
from storytelling.ui.sidebar import context

ctx = context()
render.page_header(ctx, "Who is on the list")
st.caption(md_escape(REASON))
data = ctx.data
if not data.sensitive:
    st.info("No column of this data was recognised as sensitive (sex or gender, age, ethnicity, religion, marital "
            "or family status, disability, nationality, postcode). If one is, mark it on the Data page.",
            icon=":material/info:")
    st.page_link("app_pages/data.py", label="Mark sensitive columns on the Data page", icon=":material/table:")
    st.stop()
others = [c for c in data.features if c not in data.sensitive]
if "fairness_columns" in st.session_state:  # a loaded story.toml may name columns this data lacks
    st.session_state["fairness_columns"] = [c for c in st.session_state["fairness_columns"] if c in others]
extra = st.multiselect("Also look at", others, format_func=lambda c: ctx.glossary.name(c).capitalize(),
                       key="fairness_columns", placeholder="Any other customer column", **BOUND)
try:
    with st.spinner("Comparing the list with a second model trained the other way (once per data set)…"):
        result, findings = analysis(ctx, "fairness", {"columns": list(extra)})
except DataError as exc:
    render.error(str(exc))
    st.stop()

for f in findings:
    render.finding(f, ctx.audience, chart=False)  # each column's chart is drawn below, with its table

st.subheader(f"Each group on the list of {result.contacts:,}")
st.caption(md_escape(f"Shares, with the range {ctx.evaluation.period.range_meaning}."))
for mix in result.mixes:
    st.markdown(f"#### {md_escape(mix.name.capitalize())}" + (f" · sensitive: {md_escape(mix.kind)}" if mix.kind else ""))
    st.dataframe(mix_table(mix), hide_index=True, width="stretch")
    render.draw_chart(charts.fairness_chart(mix.table, mix.name.capitalize()))

if result.options:
    st.subheader("Other ways to build a list of the same length")
    st.caption("Priced with the same assumptions as the story's list.")
    st.dataframe(options_table(result), hide_index=True, width="stretch")
