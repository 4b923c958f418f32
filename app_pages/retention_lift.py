"""Retention lift: move the list size and watch customers kept, cost and net value change."""

import math

import streamlit as st

from storytelling.export.tables import to_csv_bytes, to_xlsx_bytes
from storytelling.lift import (
    best_depth_finding,
    comparison_finding,
    contact_list,
    lift_finding,
    segment_columns,
    segment_finding,
)
from storytelling.options_findings import options_table
from storytelling.scenarios import MAX_SCENARIOS, encode
from storytelling.sensitivity import sensitivity_finding
from storytelling.story import EXECUTIVE, md_escape, texts
from storytelling.ui import guard, render
from storytelling.ui.kept import PROBLEM, compare, current_scenario, kept, scenario_form, set_kept, sync_address
from storytelling.ui.scenario import (
    BOUND,
    BY_COUNT,
    BY_RISK,
    CONTACTS,
    POLICY,
    THRESHOLD,
    current_result,
    current_threshold,
    default_contacts,
)
from storytelling.ui.session import run_for
from storytelling.ui.sidebar import context

ctx = context()
st.title("Retention lift")
if not ctx.ready:
    render.error(ctx.error)
    st.stop()
ev = ctx.evaluation
pe = ev.period
st.caption(md_escape(f"If marketing had called the customers the model flags among the {ctx.curves.n:,} customers "
                     f"of {pe.label}: who we reach, what it costs, what it is worth."))


def choose_contacts() -> int:
    """The list size, by count or by a risk threshold (with a warning beyond marketing's capacity)."""
    curve = ctx.curves.model
    policy = st.segmented_control("Choose the list by", [BY_COUNT, BY_RISK], default=BY_COUNT, key=POLICY,
                                  required=True, **BOUND)
    if policy == BY_RISK:
        top = float(math.floor(curve.top_score * 1000) / 10)  # the top customer stays on the list
        t = st.slider("Contact everyone whose risk of leaving is at least (%)", 0.0, top,
                      min(5.0, top), step=0.1, key=THRESHOLD, **BOUND)
        contacts = curve.count_at_threshold(t / 100)
    else:
        contacts = st.slider(f"Customers to contact{' this month' if pe.dated else ''}", 1, curve.n,
                             default_contacts(ctx), step=10 if curve.n > 2000 else 1, key=CONTACTS, **BOUND)
    cap = ctx.assumptions.capacity
    if cap and contacts > cap:
        st.warning(f"This list of {contacts:,} customers is longer than marketing's capacity of {cap:,}"
                   f"{' a month' if pe.dated else ''}: the calls beyond it cannot be made as planned.",
                   icon=":material/warning:")
    return contacts


def headline(main) -> None:
    """The finding's title, headline and five figures, then its bullets and caveats."""
    T = texts(main.facts)
    st.markdown(f"### {md_escape(main.title)}")
    st.markdown(f"**{md_escape(main.headline)}**")
    m = st.columns(5)
    per = " / month" if pe.dated else ""
    m[0].metric(f"Kept{per}", T["saved"], help=f"Range: {T['saved_low']} to {T['saved_high']}",
                border=True)
    m[1].metric(f"Net{per}", T["net"], help=f"Range: {T['net_low']} to {T['net_high']}", border=True)
    m[2].metric("Campaign cost", T["cost"], border=True)
    m[3].metric("Return on spend", T["roi"], border=True)
    m[4].metric("Leavers reached", T["reached"], help=f"{T['share_reached']} in 10 of all leavers", border=True)
    st.markdown(render.bullets_md(main.bullets_for(ctx.audience)))
    for c in main.caveats:
        st.caption(f"⚠️ {md_escape(c)}")


def downloads(contacts: int) -> None:
    """The contact list for the call centre, as Excel and CSV (built only when clicked)."""
    names = {c: ctx.glossary.name(c) for c in ctx.data.features}
    whose = ("today's customers" if ev.current is not None and pe.dated else
             "the customers the file does not mark as gone" if not pe.dated else f"the customers of {pe.label}")
    c1, c2, _ = st.columns([1, 1, 2])
    c1.download_button("Contact list (Excel)", lambda: to_xlsx_bytes(contact_list(ev, contacts, names=names)),
                       "contact-list.xlsx", icon=":material/download:", disabled=contacts == 0,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       help=f"The top {contacts:,} of {whose} by risk, for the call centre.", on_click="ignore")
    c2.download_button("Contact list (CSV)", lambda: to_csv_bytes(contact_list(ev, contacts, names=names)),
                       "contact-list.csv", mime="text/csv", icon=":material/download:", disabled=contacts == 0, on_click="ignore")


def views(result, main, contacts: int) -> None:
    """The comparison, the best list size, who gets contacted, or the customers kept."""
    rule = " vs today's rule" if ctx.curves.status_quo is not None else ""
    names = [f"Model{rule} vs random", "Best list size", "What if we are wrong", "Who gets contacted", "Customers kept"]
    view = st.segmented_control("Show", names, default=names[0], key="view", required=True,
                                label_visibility="collapsed", **BOUND)
    if view == names[0]:
        render.finding(comparison_finding(result), ctx.audience, level=4)
    elif view == names[1]:
        render.finding(best_depth_finding(result), ctx.audience, level=4)
    elif view == names[2]:
        render.finding(sensitivity_finding(result), ctx.audience, level=4)
    elif view == names[3]:
        seg_cols = segment_columns(ev, ctx.data.features)
        if seg_cols and contacts > 0:
            col = st.selectbox("Compare by", seg_cols, format_func=lambda c: ctx.glossary.name(c).capitalize(),
                               key="segment", **BOUND)
            render.finding(segment_finding(result, col, ctx.glossary.name(col)), ctx.audience, level=4)
        else:
            st.caption("No customer groups to compare (the data has no suitable columns, or nobody is contacted).")
    else:
        render.draw_chart(main.get_chart())
        if ctx.audience != EXECUTIVE and main.notes:
            st.markdown(render.bullets_md(main.notes))


@guard.fragment
def what_if() -> None:
    contacts = choose_contacts()
    result = current_result(ctx, contacts)
    main = lift_finding(result)
    headline(main)
    st.page_link("app_pages/ab_test.py", label="Plan the A/B test that confirms these figures", icon=":material/science:")
    downloads(contacts)
    st.caption("Share this scenario: the page address holds the list size, the assumptions and the kept scenarios.")
    views(result, main, contacts)
    side_by_side(contacts)


def kept_rows(scenarios: list) -> None:
    """The kept scenarios' names, one form to edit any of them, and a remove button each."""
    for i, s in enumerate(scenarios):
        c1, c2 = st.columns([5, 1], vertical_alignment="center")
        c1.markdown(f"**{md_escape(s.name)}**")
        if c2.button("Remove", key=f"remove{i}", icon=":material/delete:"):
            set_kept([x for j, x in enumerate(scenarios) if j != i])
            st.rerun()
    with st.popover("Edit a kept scenario", icon=":material/edit:"):
        i = st.selectbox("Scenario", range(len(scenarios)), format_func=lambda j: scenarios[j].name, key="edit_which")
        i = min(i or 0, len(scenarios) - 1)
        edited = scenario_form(ctx, scenarios[i], f"edit{i}_{abs(hash(encode([scenarios[i]]))) % 10**8}")
    if edited is not None:
        set_kept([edited if j == i else x for j, x in enumerate(scenarios)])
        st.rerun()


def side_by_side(contacts: int) -> None:
    """Kept scenarios (up to five, in the page address) and the comparison of them."""
    st.divider()
    st.markdown("### Options side by side")
    scenarios = kept(ctx)
    sync_address()
    if problem := st.session_state.get(PROBLEM):
        st.warning(md_escape(problem), icon=":material/warning:")
    full = len(scenarios) >= MAX_SCENARIOS
    threshold = current_threshold()
    with st.popover("Keep this scenario", icon=":material/bookmark_add:", disabled=full,
                    help=f"Up to {MAX_SCENARIOS} scenarios" if full else "Keep the list and assumptions above to compare"):
        new = scenario_form(ctx, current_scenario(ctx, contacts, threshold, [x.name for x in scenarios]),
                            f"new{contacts}_{threshold}")
    if new is not None:
        set_kept([*scenarios, new])
        st.rerun()
    if scenarios:
        kept_rows(scenarios)
    else:
        st.caption("Keep a few scenarios (a list size or a risk threshold, the assumptions, the customers to call) "
                   "to compare them here; the page address keeps them, so a link shares the comparison.")
        return
    result, found, why = compare(ctx, scenarios, lambda: run_for(ctx))
    if result is None:
        st.info(md_escape(why), icon=":material/info:")
        return
    st.dataframe(options_table(result.results, result.names, result.currency, result.period.per), hide_index=True)
    render.finding(found[0], ctx.audience, level=4)


what_if()
