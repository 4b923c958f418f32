"""Kept scenarios on the Retention lift page: kept in the session and in the page address (a shared
link restores them), kept and edited through one form, compared by the registry's ``options``."""

from __future__ import annotations

import string
from dataclasses import replace

import streamlit as st

from storytelling.errors import DataError
from storytelling.options import group_columns
from storytelling.registry import run_one
from storytelling.scenarios import MAX_SCENARIOS, NAME_CHARS, Offer, Scenario, clean, decode, encode, unique_names
from storytelling.ui.context import AppContext

PARAM = "options"  # the page address's key
KEPT = "_kept_options"
PROBLEM = "_kept_options_problem"
EVERYONE, NO_OFFER = "Everyone", "No group offer"


def kept(ctx: AppContext) -> list[Scenario]:
    """This session's kept scenarios; on a fresh session, the ones the page address holds."""
    ss = st.session_state
    if KEPT not in ss:
        raw = st.query_params.get(PARAM)
        found, problem = decode(raw, ctx.assumptions) if raw else ([], None)
        ss[KEPT], ss[PROBLEM] = found, problem
    return list(ss[KEPT])


def set_kept(scenarios: list[Scenario]) -> None:
    st.session_state[KEPT] = unique_names(scenarios[:MAX_SCENARIOS])
    sync_address()


def sync_address() -> None:
    """The page address holds the kept scenarios (so a reload or a shared link brings them back)."""
    scenarios = st.session_state.get(KEPT) or []
    if scenarios:
        text = encode(scenarios)
        if st.query_params.get(PARAM) != text:
            st.query_params[PARAM] = text
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


def current_scenario(ctx: AppContext, contacts: int, threshold: float | None, names: list[str]) -> Scenario:
    """The page's own list and assumptions, as a scenario to keep (named by the next free letter)."""
    taken = {n.split(":")[0] for n in names}
    letter = next((c for c in string.ascii_uppercase if c not in taken), "Z")
    rule = f"risk {threshold:.0%} or more" if threshold is not None else f"{contacts:,} calls"
    return Scenario(f"{letter}: {rule}", ctx.assumptions, contacts=None if threshold is not None else contacts,
                    threshold=threshold)


def _groups(ctx: AppContext) -> dict[str, list[str]]:
    return group_columns(ctx.curves, ctx.data.features)


def scenario_form(ctx: AppContext, start: Scenario, key: str) -> Scenario | None:
    """The widgets that set a scenario (starting from ``start``); the scenario when the button is pressed."""
    a = start.assumptions
    name = st.text_input("Name", start.name, max_chars=NAME_CHARS, key=f"{key}_name")
    c1, c2, c3 = st.columns(3)
    if start.by_risk:
        t = c1.number_input("Risk at least (%)", 0.1, 99.9, round(start.threshold * 100, 1), step=0.5, key=f"{key}_t")
        rule = {"threshold": t / 100}
    else:
        k = c1.number_input("Customers to call", 1, ctx.curves.n, min(start.contacts, ctx.curves.n), step=10,
                            key=f"{key}_k")
        rule = {"contacts": int(k)}
    cost = c2.number_input("Cost per call", 0.0, 10_000.0, float(a.cost_per_contact), step=0.5, key=f"{key}_cost")
    share = c3.number_input("Share of leavers kept (%)", 0.0, 100.0, round(a.save_rate * 100, 1), step=1.0,
                            key=f"{key}_share")
    focus, skip = _focus_widgets(ctx, start, key)
    offers = _offer_widgets(ctx, start, key)
    if not st.button("Keep" if key.startswith("new") else "Save", key=f"{key}_go", type="primary"):
        return None
    return replace(start, name=" ".join(clean(name, names=True).split()) or start.name, focus=focus, skip_rule=skip, offers=offers,
                   assumptions=replace(a, cost_per_contact=float(cost), save_rate=float(share) / 100),
                   **({"contacts": None, **rule} if "threshold" in rule else {"threshold": None, **rule}))


def _focus_widgets(ctx: AppContext, start: Scenario, key: str):
    groups = _groups(ctx)
    names = [EVERYONE, *groups]
    first = start.focus[0] if start.focus else None
    col = st.selectbox("Only call customers whose", names, names.index(first[0]) if first and first[0] in groups else 0,
                       format_func=lambda c: c if c == EVERYONE else ctx.glossary.name(c), key=f"{key}_fcol")
    focus = ()
    if col != EVERYONE:
        vals = st.multiselect("is one of", groups[col], [v for v in (first[1] if first else ()) if v in groups[col]],
                              key=f"{key}_fvals")
        focus = ((col, tuple(vals)),) if vals else ()
    skip = False
    if ctx.curves.status_quo is not None:
        skip = st.checkbox("Leave out the customers today's rule already picks", start.skip_rule, key=f"{key}_skip")
    return focus, skip


def _offer_widgets(ctx: AppContext, start: Scenario, key: str) -> tuple[Offer, ...]:
    groups = _groups(ctx)
    names = [NO_OFFER, *groups]
    o = start.offers[0] if start.offers else None
    col = st.selectbox("Give a group its own offer", names, names.index(o.column) if o and o.column in groups else 0,
                       format_func=lambda c: c if c == NO_OFFER else ctx.glossary.name(c), key=f"{key}_ocol")
    if col == NO_OFFER:
        return ()
    vals = st.multiselect("Customers whose value is", groups[col], [v for v in (o.values if o else ()) if v in groups[col]],
                          key=f"{key}_ovals")
    c1, c2 = st.columns(2)
    cost = c1.number_input("Their cost per call", 0.0, 10_000.0, float(o.cost_per_contact if o else
                                                                      start.assumptions.cost_per_contact),
                           step=0.5, key=f"{key}_ocost")
    share = c2.number_input("Share of their leavers kept (%)", 0.0, 100.0,
                            round((o.save_rate if o else start.assumptions.save_rate) * 100, 1), step=1.0,
                            key=f"{key}_oshare")
    return (Offer(col, tuple(vals), float(cost), float(share) / 100),) if vals else ()


COMPARED = "_kept_compared"


def compare(ctx: AppContext, scenarios: list[Scenario], run) -> tuple[object | None, list, str | None]:
    """(result, findings, why not) of the registry's side-by-side analysis for these scenarios; kept for
    the session until the scenarios or the data change (a slider move does not change them)."""
    key = (ctx.dataset_key, id(ctx.curves), ctx.currency, encode(scenarios), tuple(ctx.glossary.name(c) for c in ctx.data.features))
    held = st.session_state.get(COMPARED)
    if held is not None and held[0] == key:
        return held[1]
    try:
        result, found = run_one("options", run(), {"scenarios": scenarios})
        done = (result, found, None)
    except DataError as exc:
        done = (None, [], str(exc))
    st.session_state[COMPARED] = (key, done)
    return done
