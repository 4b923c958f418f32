"""Backtest: had we used the model since month X, what would it have gained, month by month?"""

import pandas as pd
import streamlit as st

from storytelling.data import DataError
from storytelling.story import DATA_SCIENTIST, fmt_date, md_escape
from storytelling.ui import render
from storytelling.ui.session import analysis, backtest_months
from storytelling.ui.sidebar import context

KW = {"persist_state": "session"}

ctx = context()
st.title("Backtest")
if not ctx.ready:
    render.error(ctx.error)
    st.stop()
if not ctx.data.has_dates:
    render.error("A backtest needs a snapshot date column: this data has no dates. Choose one on the Data page.")
    st.stop()
if ctx.source.stored_scores:
    st.caption("Replay history as if marketing had called the model's list every month, using the score each "
               "customer had in the warehouse that month. Counts per score come from the database.")
else:
    st.caption("Replay history as if marketing had called the model's list every month. At each month the model "
               "learns only from what was known then.")

cutoffs = backtest_months(ctx)
if not cutoffs:
    render.error("No month has enough earlier history (3 months with known outcomes) to backtest. Load more months.")
    st.stop()
labels = [fmt_date(c) for c in cutoffs]
c1, c2 = st.columns([3, 2])
start, end = c1.select_slider("Months to replay", labels, value=(labels[max(0, len(labels) - 12)], labels[-1]),
                              key="bt_period", **KW)
chosen = cutoffs[labels.index(start): labels.index(end) + 1]
policy = c2.segmented_control("Who we call each month", ["Capacity", "Risk threshold"], default="Capacity",
                              key="bt_policy", required=True, **KW)
threshold = None
if policy == "Risk threshold":
    threshold = c2.slider("Call everyone whose risk is at least (%)", 0.5, 50.0, 5.0, step=0.5, key="bt_threshold",
                          **KW) / 100
else:
    cap = ctx.assumptions.capacity
    c2.caption(f"Each month, the most profitable list within marketing's capacity of {cap:,} (set in the sidebar), "
               "as the Retention lift page recommends." if cap else "No capacity set: each month's most profitable "
               "list size.")
window, window_months = "expanding", 12
if not ctx.source.stored_scores:  # stored scores need no training
    with st.expander("Training window"):
        window = st.radio("Learn from", ["expanding", "sliding"], horizontal=True, key="bt_window",
                          format_func=lambda w: "all earlier months" if w == "expanding" else "the latest months only",
                          **KW)
        window_months = st.slider("Months to learn from (sliding window)", 3, 24, 12, key="bt_window_months",
                                  disabled=window == "expanding", **KW)

bar = st.empty()


def progress(i: int, n: int, label: str) -> None:
    bar.progress(i / n, text=f"Training on what was known before {label} ({i + 1} of {n})" if i < n else "Done")


try:
    with st.spinner("Replaying the months…"):
        result, findings = analysis(ctx, "backtest", {
            "cutoffs": [pd.Timestamp(c).isoformat() for c in chosen], "window": window,
            "window_months": window_months, "policy": "threshold" if policy == "Risk threshold" else "capacity",
            "threshold": threshold, "horizon_days": 30}, progress=progress)
except DataError as exc:
    bar.empty()
    render.error(str(exc))
    st.stop()
bar.empty()

for f in findings:
    with st.container(border=True):
        render.finding(f, ctx.audience, level=3, caveats=False)
render.caveat_box(findings[0].caveats)
st.page_link("app_pages/ab_test.py", label="Plan the A/B test that shows how customers react to being called",
             icon=":material/science:")

st.subheader("Month by month")
p = result.periods
table = pd.DataFrame({
    "Month": p["cutoff"].dt.strftime("%b %Y"),
    "Customers": p["customers"],
    "Leavers": p["leavers"],
    "Called": p["contacts"],
    "Leavers reached: model": p["reached"],
    "today's rule": p["status_quo_reached"],
    "random": p["random_reached"].round(0),
    "Kept": p["saved"].round(0),
    "Net value": p["net"].round(0),
})
if ctx.audience == DATA_SCIENTIST:
    table["AUC"] = p["auc"].round(3)
    table["Top-decile lift"] = p["top_decile_lift"].round(2)
    table["Trained up to"] = p["train_end"].dt.strftime("%b %Y")
st.dataframe(table, hide_index=True, height=35 * (len(table) + 1) + 3, column_config={
    "Net value": st.column_config.NumberColumn(format=f"{ctx.currency}%,.0f")})
st.caption(md_escape("Kept = leavers reached x the share the offer keeps; net value after contact and fixed costs."))
