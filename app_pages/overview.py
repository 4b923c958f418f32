"""Overview: the whole story, from the data and the setup alone; each part appears as it is ready."""

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

supporting = registry.supporting_keys()
drawn, plans = [], []


def show(findings) -> None:
    """Draw the headline findings of one analysis as soon as it is done (a test's plan waits: once
    the test has run, its readout is the story)."""
    for f in findings:
        if f.key in supporting:
            continue
        if f.key == "ab_plan":
            plans.append(f)
            continue
        draw(f)


def draw(f) -> None:
    with st.container(border=True):
        render.finding(f, ctx.audience, compact=bool(drawn), level=4)
        if f.key == "drivers":  # said wherever drivers appear
            st.caption(f"⚠️ {md_escape(f.caveats[0])}")
    drawn.append(f.key)


decision_box = st.container()  # the decision asked goes first, once the findings it rests on are known
told, outcome = story(ctx, show=show)
if told.findings and told.findings[0].key == "decision":
    with decision_box, st.container(border=True):
        render.finding(told.findings[0], ctx.audience, level=3)
if "ab_readout" not in outcome.results:
    for f in plans:
        draw(f)
if told.next_steps:
    with st.container(border=True):
        st.markdown("#### What happens next")
        st.markdown(render.bullets_md(told.next_steps[:3]))
for key, why in outcome.missing().items():  # never dropped silently
    a = registry.get(key)
    st.caption(md_escape(f"Not in this story: {a.name}. {why[0].upper() + why[1:]}"))
    if a.page and key not in outcome.cannot and a.invite:
        st.page_link(a.page, label=a.invite, icon=":material/add_circle:")
st.page_link("app_pages/retention_lift.py", label="Explore list sizes on the Retention lift page",
             icon=":material/trending_up:")
for c in ev.notes:
    st.caption(f"⚠️ {md_escape(c)}")
