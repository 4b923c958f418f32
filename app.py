"""storytelling: the Streamlit entry point (navigation and the global sidebar)."""

import streamlit as st

from storytelling.ui import render, sidebar
from storytelling.ui.budget import keep_memory_in_check
from storytelling.ui.downloads import hold_built_downloads
from storytelling.ui.guard import page_guard

st.set_page_config(page_title="Churn story", page_icon=render.app_icon(), layout="wide")
keep_memory_in_check()  # once per server: idle data sets leave the caches, freed memory goes back
hold_built_downloads()  # once per server: a file built on click waits for the browser to fetch it

pages = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("app_pages/data.py", title="Data", icon=":material/table:"),
    st.Page("app_pages/retention_lift.py", title="Retention lift", icon=":material/trending_up:"),
    st.Page("app_pages/fairness.py", title="Who is on the list", icon=":material/diversity_3:"),
    st.Page("app_pages/backtest.py", title="Backtest", icon=":material/history:"),
    st.Page("app_pages/drivers.py", title="Drivers", icon=":material/psychology:"),
    st.Page("app_pages/ab_test.py", title="A/B test", icon=":material/science:"),
    st.Page("app_pages/uplift.py", title="Whom the campaign keeps", icon=":material/person_check:"),
    st.Page("app_pages/export.py", title="Export", icon=":material/ios_share:"),
]
nav = st.navigation(pages)
with page_guard():  # data problems as messages, faults as an error id: never a traceback
    sidebar.draw()
    nav.run()
