"""The what-if scenario (list size) shared by the Overview and Retention lift pages."""

from __future__ import annotations

import streamlit as st

from storytelling.lift import LiftResult, analyse_lift
from storytelling.ui.state import AppContext

#: Widget options for scenario settings: kept in the page address (shareable) and across pages.
BOUND = {"bind": "query-params", "persist_state": "session"}

CONTACTS = "contacts"
THRESHOLD = "threshold"
POLICY = "policy"
BY_COUNT = "Number of customers"
BY_RISK = "Risk threshold"


def default_contacts(ctx: AppContext) -> int:
    """Marketing's capacity, or the most profitable list size when there is no limit."""
    n = ctx.curves.n
    cap = ctx.assumptions.capacity
    return int(min(cap, n)) if cap else ctx.curves.model.best_count(ctx.assumptions)


def current_contacts(ctx: AppContext) -> int:
    """The list size chosen on the Retention lift page (or the default)."""
    if st.session_state.get(POLICY) == BY_RISK and THRESHOLD in st.session_state:
        return ctx.curves.model.count_at_threshold(st.session_state[THRESHOLD] / 100)
    k = st.session_state.get(CONTACTS)
    return int(min(k, ctx.curves.n)) if k is not None else default_contacts(ctx)


def current_result(ctx: AppContext, contacts: int | None = None) -> LiftResult:
    k = current_contacts(ctx) if contacts is None else contacts
    return analyse_lift(ctx.curves, ctx.assumptions, k, currency=ctx.currency)
