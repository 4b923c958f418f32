"""Overview: the story so far in a few headline findings."""

import streamlit as st

from storytelling.story import md_escape
from storytelling.ui import render
from storytelling.ui.session import last_ab, last_backtest, last_drivers, session_story
from storytelling.ui.sidebar import context

ctx = context()
st.title("The churn story")
if not ctx.ready:
    render.error(ctx.error or "No data loaded.")
    st.page_link("app_pages/data.py", label="Fix the data on the Data page", icon=":material/table:")
    st.stop()

ev = ctx.evaluation
st.caption(md_escape(f"{ctx.dataset_name} · measured on the customers of {ev.period.label} · {ctx.audience} view"))

bt, dr, ab = last_backtest(ctx), last_drivers(ctx), last_ab(ctx)
story = session_story(ctx)
for i, f in enumerate(story.findings):
    with st.container(border=True):
        render.finding(f, ctx.audience, compact=i > 0, level=4)
        if f.key == "drivers":  # said wherever drivers appear
            st.caption(f"⚠️ {md_escape(f.caveats[0])}")
if bt is None and ev.period.dated:
    st.page_link("app_pages/backtest.py", label="Replay the past months on the Backtest page to add "
                 "'had we used the model since…' to this story", icon=":material/history:")
if dr is None:
    st.page_link("app_pages/drivers.py", label="See why customers leave on the Drivers page",
                 icon=":material/psychology:")
if ab is None:
    st.page_link("app_pages/ab_test.py", label="Plan or read the A/B test that confirms the figures",
                 icon=":material/science:")
st.page_link("app_pages/retention_lift.py", label="Explore list sizes on the Retention lift page",
             icon=":material/trending_up:")
for c in ev.notes:
    st.caption(f"⚠️ {md_escape(c)}")
