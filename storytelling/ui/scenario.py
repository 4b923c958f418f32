"""The what-if scenario (list size) shared by the Overview and Retention lift pages."""

from __future__ import annotations

import streamlit as st

from storytelling.lift import LiftResult, analyse_lift
from storytelling.lift import default_contacts as core_default_contacts
from storytelling.ui.context import AppContext

#: Widget options for scenario settings: kept in the page address (shareable) and across pages.
BOUND = {"bind": "query-params", "persist_state": "session"}

CONTACTS = "contacts"
THRESHOLD = "threshold"
POLICY = "policy"
BY_COUNT = "Number of customers"
BY_RISK = "Risk threshold"


def default_contacts(ctx: AppContext) -> int:
    """Marketing's capacity, or the most profitable list size when there is no limit."""
    return core_default_contacts(ctx.curves, ctx.assumptions)


def current_threshold() -> float | None:
    """The risk threshold (0-1) when the list is chosen by risk, else None."""
    threshold = _setting(THRESHOLD, float)
    return threshold / 100 if _setting(POLICY, str) == BY_RISK and threshold is not None else None


def current_contacts(ctx: AppContext) -> int:
    """The list size chosen on the Retention lift page (or the default)."""
    threshold = current_threshold()
    if threshold is not None:  # a threshold above every score (a crafted link) still lists the top customer
        return max(1, ctx.curves.model.count_at_threshold(threshold))
    k = _setting(CONTACTS, int)
    return int(min(max(k, 1), ctx.curves.n)) if k is not None else default_contacts(ctx)


def _setting(key: str, kind):
    """A scenario setting from this session, or from the page address when its widget has not been
    drawn yet (a shared link opened on another page)."""
    if key in st.session_state:
        return st.session_state[key]
    raw = st.query_params.get(key)
    if raw is None:
        return None
    try:
        return kind(float(raw)) if kind is int else kind(raw)
    except ValueError:
        return None


def current_result(ctx: AppContext, contacts: int | None = None) -> LiftResult:
    k = current_contacts(ctx) if contacts is None else contacts
    return analyse_lift(ctx.curves, ctx.assumptions, k, currency=ctx.currency)
