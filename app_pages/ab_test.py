"""A/B test: plan a fair test of the model-driven campaign, then read its result in words."""

import streamlit as st

from storytelling.data import DataError
from storytelling.report import designs_for
from storytelling.sample import CAMPAIGN_DESIGN
from storytelling.story import md_escape
from storytelling.ui import render
from storytelling.ui.scenario import current_result
from storytelling.ui.session import ab_results, analysis, chosen
from storytelling.ui.sidebar import context

ctx = context()
render.page_header(ctx, "A/B test", "A replay of the past cannot show how customers react to being called; a "
                   "test can. Plan it here, then read the result.")

a = ctx.assumptions
lift = current_result(ctx)
if a.save_rate >= 1:
    render.error("The sidebar says the offer keeps every contacted leaver (100%), so nobody on the list would "
                 "leave: there is nothing left to test. Set the share the offer keeps to what past campaigns "
                 "showed.")
    st.stop()
if lift.contacts == 0 or lift.point.hit_rate <= 0 or a.save_rate <= 0:
    render.error("The current scenario calls nobody (or the offer keeps nobody), so there is no effect to test. "
                 "Set a list size on the Retention lift page and the share the offer keeps in the sidebar.")
    st.stop()

st.markdown("### Plan the test")
st.caption(md_escape(f"Prefilled from the current scenario: calling the top {lift.contacts:,} of {ctx.curves.n:,} "
                     f"customers, of whom {lift.point.hit_rate:.0%} are about to leave, with an offer that keeps "
                     f"{a.save_rate:.0%} of contacted leavers."))
c1, c2, c3, c4 = st.columns(4)
design_key = c1.radio("Who enters the test", ["picks", "everyone"], key="ab_design", persist_state="session",
                      format_func={"picks": "Only the model's picks", "everyone": "All customers"}.get)
confidence = c2.selectbox("Confidence", [0.90, 0.95, 0.99], index=1, format_func="{:.0%}".format, key="ab_conf",
                          persist_state="session")
power = c3.selectbox("Chance to catch a real effect", [0.8, 0.9], format_func="{:.0%}".format, key="ab_power",
                     persist_state="session")
sided = c4.radio("Direction", ["two-sided", "one-sided"], key="ab_sided", persist_state="session",
                 format_func={"two-sided": "Could go either way", "one-sided": "Only a drop counts"}.get)
c1, c2, c3, c4 = st.columns(4)
test_share = c1.slider("Customers in the test group (%)", 10, 90, 50, step=5, key="ab_split", persist_state="session",
                       help="50% is fastest; a 90/10 hold-out keeps most customers in the campaign.")
ratio = test_share / (100 - test_share)
options = designs_for(lift, alpha=1 - confidence, power=power, ratio=ratio, alternative=sided)
d = options[design_key]


def follow_up() -> None:
    """The next test once a campaign test has run: the list by expected effect against the list by
    risk against customers left alone (sized on the Whom the campaign keeps page's reading)."""
    options = chosen(ctx, "uplift") or ({"data": True} if ctx.source.campaign_table() is not None else None)
    if options is None:
        return
    if not st.toggle("Size the follow-up test: calling by the offer's effect against calling by risk",
                     key="ab_follow_up"):
        return
    try:
        with st.spinner("Reading the campaign test customer by customer (once per test)…"):
            _, found = analysis(ctx, "uplift", options)
    except DataError as exc:
        render.error(str(exc))
        return
    line = found[0].facts.get("next_test")
    st.markdown(md_escape(line.text if line else "The campaign test does not show that picking by the offer's effect keeps more "
                          "than picking by risk, so there is no gain yet for a follow-up test to confirm: "
                          + found[0].title.lower() + "."))
    st.page_link("app_pages/uplift.py", label="Whom the campaign keeps", icon=":material/person_check:")


def prefilled(key: str, default: float) -> bool:
    """A number prefilled from the scenario follows the scenario until the user edits it; True once edited."""
    ss, was = st.session_state, st.session_state.get(f"{key}__default")
    if key not in ss or ss[key] == was:
        ss[key] = default
    ss[f"{key}__default"] = default
    return ss[key] != default


edited = prefilled(f"ab_base_{design_key}", round(d.baseline_rate * 100, 2))
base = c2.number_input("Churn without the campaign (%)", 0.1, 99.0, step=0.1, key=f"ab_base_{design_key}")
mode = c3.segmented_control("Effect as", ["Churn with it", "Relative drop"], default="Churn with it",
                            key="ab_effect_mode", required=True, persist_state="session")
if mode == "Relative drop":
    edited |= prefilled(f"ab_drop_{design_key}", round((1 - d.target_rate / d.baseline_rate) * 100, 1))
    drop = c3.number_input("Relative drop (%)", 0.1, 99.0, step=1.0, key=f"ab_drop_{design_key}")
    target = base / 100 * (1 - drop / 100)
else:
    edited |= prefilled(f"ab_target_{design_key}", round(d.target_rate * 100, 2))
    target = c3.number_input("Churn with the campaign (%)", 0.01, 99.0, step=0.1, key=f"ab_target_{design_key}") / 100
edited |= prefilled(f"ab_week_{design_key}", int(round(d.eligible_per_week or 0)))
per_week = c4.number_input("Eligible customers per week", 0, 10_000_000, key=f"ab_week_{design_key}",
                           help=None if d.eligible_per_week else "The data has no dates, so it cannot tell how many "
                           "customers become eligible each week; enter it to see the weeks (0: not known).")
asked = {"design": design_key, "confidence": confidence, "power": power, "ratio": ratio, "sided": sided}
try:
    # the scenario's own rates unless the user typed others (so the Overview and the nightly build agree)
    mine = {"base": base / 100, "target": target, "per_week": per_week} if edited else {}
    (d, _), (plan_f,) = analysis(ctx, "ab_plan", {**asked, **mine})
except DataError as exc:
    render.error(str(exc))
    st.stop()
plan = d.plan
render.finding(plan_f, ctx.audience, level=4, chart=False)
with st.expander("How the chance of catching the effect grows with customers"):
    render.draw_chart(plan_f.get_chart())
follow_up()

st.divider()
st.markdown("### Read the result")
entry = st.segmented_control("Results", ["Upload per-customer results", "Enter counts"],
                             default="Upload per-customer results", key="ab_entry", required=True,
                             persist_state="session")
counts, real = None, True
if entry == "Upload per-customer results":
    up = st.file_uploader("One row per customer: group (control / test) and churned (yes / no)",
                          type=["csv", "txt", "xlsx", "parquet"], key="ab_upload")
    if up is None:
        st.caption("Showing the sample campaign's results (sample_data/ab_test_results.csv) until you upload yours."
                   if ctx.source.campaign_results() is not None else "Upload the test's results to read them.")
    try:
        counts = ab_results(ctx, up.getvalue() if up else None, up.name if up else None)
    except DataError as exc:
        render.error(str(exc))
        st.stop()
else:
    st.caption("Prefilled with what the planned test would show if the expected effect came true.")
    c1, c2, c3, c4 = st.columns(4)
    big = 100_000_000
    expected = (plan.n_control, round(plan.n_control * plan.baseline_rate), plan.n_test,
                round(plan.n_test * plan.target_rate))
    counts = (c1.number_input("Comparison group: customers", 1, big, expected[0], key="ab_cn"),
              c2.number_input("… of whom left", 0, big, expected[1], key="ab_cc"),
              c3.number_input("Test group: customers", 1, big, expected[2], key="ab_tn"),
              c4.number_input("… of whom left", 0, big, expected[3], key="ab_tc"))
    real = tuple(counts) != expected  # the prefilled counts illustrate the plan: never told as a result
if counts is None:
    st.stop()
try:
    own = entry == "Upload per-customer results" and up is None  # the data's own test (the sample's: everyone)
    tested = CAMPAIGN_DESIGN if own else design_key
    _, (result,) = analysis(ctx, "ab_readout", {"counts": [int(c) for c in counts], "confidence": confidence,
                                                "ratio": ratio, "planned_total": plan.total, "design": tested},
                            remember=real)
except DataError as exc:
    render.error(str(exc))
    st.stop()
if not real:
    st.caption("An illustration: these are the counts the plan expects. Enter the test's real counts to tell its "
               "result in the story.")
render.finding(result, ctx.audience, level=4, caveats=False)
for w in result.caveats:
    st.warning(md_escape(w), icon=":material/warning:")
