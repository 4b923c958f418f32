"""Overview: the story so far in a few headline findings."""

import streamlit as st

from storytelling.backtest import backtest_findings
from storytelling.drivers import drivers_finding
from storytelling.lift import best_depth_finding, comparison_finding, lift_finding, population_finding
from storytelling.story import fmt_date, md_escape
from storytelling.ui import render
from storytelling.ui.scenario import current_result
from storytelling.ui.state import context, last_backtest, last_drivers

ctx = context()
st.title("The churn story")
if not ctx.ready:
    render.error(ctx.error or "No data loaded.")
    st.page_link("app_pages/data.py", label="Fix the data on the Data page", icon=":material/table:")
    st.stop()

ev = ctx.evaluation
month = fmt_date(ev.as_of) if ev.as_of is not None else "the evaluated period"
st.caption(md_escape(f"{ctx.dataset_name} · measured on the customers of {month} · {ctx.audience} view"))

result = current_result(ctx)
story = [population_finding(ev, currency=ctx.currency), lift_finding(result),
         comparison_finding(result), best_depth_finding(result)]
for i, f in enumerate(story):
    with st.container(border=True):
        render.finding(f, ctx.audience, compact=i > 0, level=4)
bt = last_backtest(ctx)
if bt is not None:
    with st.container(border=True):
        render.finding(backtest_findings(bt, currency=ctx.currency)[0], ctx.audience, compact=True, level=4)
else:
    st.page_link("app_pages/backtest.py", label="Replay the past months on the Backtest page to add "
                 "'had we used the model since…' to this story", icon=":material/history:")
dr = last_drivers(ctx)
if dr is not None:
    with st.container(border=True):
        render.finding(drivers_finding(dr), ctx.audience, compact=True, level=4)
        st.caption(f"⚠️ {md_escape(drivers_finding(dr).caveats[0])}")
else:
    st.page_link("app_pages/drivers.py", label="See why customers leave on the Drivers page",
                 icon=":material/psychology:")
st.page_link("app_pages/retention_lift.py", label="Explore list sizes on the Retention lift page",
             icon=":material/trending_up:")
for c in ev.notes:
    st.caption(f"⚠️ {md_escape(c)}")
