"""Overview: the whole story the registry can tell now, in a few headline findings."""

import streamlit as st

from storytelling import registry
from storytelling.story import md_escape
from storytelling.ui import render
from storytelling.ui.session import story
from storytelling.ui.sidebar import context

ctx = context()
st.title("The churn story")
if not ctx.ready:
    render.error(ctx.error)
    st.page_link("app_pages/data.py", label="Fix the data on the Data page", icon=":material/table:")
    st.stop()

ev = ctx.evaluation
st.caption(md_escape(f"{ctx.dataset_name} · measured on the customers of {ev.period.label} · {ctx.audience} view"))

told, outcome = story(ctx)
for i, f in enumerate(told.findings):
    with st.container(border=True):
        render.finding(f, ctx.audience, compact=i > 0, level=4)
        if f.key == "drivers":  # said wherever drivers appear
            st.caption(f"⚠️ {md_escape(f.caveats[0])}")
linked = set()  # what the story lacks and where to add it (not what the data cannot support), one link a page
for a in registry.analyses():
    if (a.key in outcome.left_out or a.key in outcome.failed) and a.page and a.invite and a.page not in linked:
        st.page_link(a.page, label=a.invite, icon=":material/add_circle:")
        linked.add(a.page)
st.page_link("app_pages/retention_lift.py", label="Explore list sizes on the Retention lift page",
             icon=":material/trending_up:")
for c in ev.notes:
    st.caption(f"⚠️ {md_escape(c)}")
