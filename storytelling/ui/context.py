"""The page context: the data, the model's evaluation and the assumptions of this run.

``app.py`` draws the global sidebar, which calls :func:`build_context` and
:func:`attach_scenario`; pages call :func:`storytelling.ui.sidebar.context`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from storytelling.data import (
    CustomerData,
    DataError,
    Roles,
    infer_roles,
)
from storytelling.glossary import Glossary
from storytelling.lift import Curves
from storytelling.model import Evaluation
from storytelling.story import EXECUTIVE
from storytelling.targeting import Assumptions
from storytelling.ui.budget import BUDGET, frame_bytes
from storytelling.ui.caches import (
    cached_curves,
    cached_evaluation,
    cached_glossary,
    cached_prepared,
    cached_raw,
    cached_warehouse,
    cached_warehouse_curves,
    cached_warehouse_evaluation,
    cached_warehouse_roles,
)
from storytelling.warehouse import (
    SqlSource,
    WarehouseTable,
)

CTX = "_story_context"


FRESH = "_story_context_fresh"


GLOSSARY_EDITS = "glossary_edits"


@dataclass
class AppContext:
    """What every page needs; ``error`` is set (and ``data`` is None) when the data is unusable."""

    dataset_key: str
    dataset_name: str
    raw: pd.DataFrame | None
    roles: Roles | None
    assumptions: Assumptions | None = None
    audience: str = EXECUTIVE
    currency: str = "$"
    data: CustomerData | None = None
    evaluation: Evaluation | None = None
    curves: Curves | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    glossary: Glossary | None = None
    warehouse: WarehouseTable | None = None  # set when the customers are read from a database

    @property
    def ready(self) -> bool:
        return self.curves is not None


def roles_of(ctx: AppContext) -> str:
    return json.dumps(ctx.roles.to_dict(), sort_keys=True)


def fingerprint(raw: bytes) -> str:
    return hashlib.sha1(raw).hexdigest()[:16]


def build_context(*, dataset_key: str, dataset_name: str, raw_bytes: bytes | None, filename: str | None,
                  sheet: str | None, sql: tuple[SqlSource, object] | None = None) -> AppContext:
    """Load, validate and evaluate the chosen data (cached) and store the context for pages.

    ``sql`` is a warehouse source and its engine: the database sends counts per score bucket and a
    bounded sample (see :mod:`storytelling.warehouse`), never the whole table.
    """
    ctx = AppContext(dataset_key=dataset_key, dataset_name=dataset_name, raw=None, roles=None)
    try:
        if sql is None:
            ctx.raw = cached_raw(dataset_key, raw_bytes, filename, sheet)
        roles_state = st.session_state.get("roles")
        if not roles_state or roles_state.get("_key") != dataset_key:
            roles = infer_roles(ctx.raw) if sql is None else cached_warehouse_roles(dataset_key, *sql)
            st.session_state["roles"] = {"_key": dataset_key, **roles.to_dict()}
        ctx.roles = Roles.from_dict({k: v for k, v in st.session_state["roles"].items() if k != "_key"})
        roles_json = json.dumps(ctx.roles.to_dict(), sort_keys=True)
        if sql is not None:
            ctx.warehouse = cached_warehouse(dataset_key, roles_json, *sql)
            ctx.raw = ctx.warehouse.sample
        ctx.data = cached_prepared(dataset_key, roles_json, ctx.raw)
        ctx.evaluation = (cached_evaluation(dataset_key, roles_json, ctx.data) if sql is None else
                          cached_warehouse_evaluation(dataset_key, roles_json, ctx.warehouse, ctx.data))
        ctx.notes = list(ctx.data.notes)
        data, ev = ctx.data, ctx.evaluation
        BUDGET.weigh(dataset_key, lambda: frame_bytes(None if sql else ctx.raw, data.frame, ev.frame, ev.current))
        edits = st.session_state.get(GLOSSARY_EDITS, {}).get(dataset_key, {})
        ctx.glossary = cached_glossary(dataset_key, roles_json, ctx.data).with_edits(edits)
    except DataError as exc:
        ctx.error = str(exc)
        ctx.data = ctx.evaluation = ctx.warehouse = None
    st.session_state[CTX] = ctx
    st.session_state[FRESH] = True
    return ctx


def attach_scenario(ctx: AppContext, assumptions: Assumptions, *, use_value: bool, audience: str,
                    currency: str = "$") -> AppContext:
    """Add the business assumptions and build the (cached) targeting curves."""
    ctx.assumptions, ctx.audience, ctx.currency = assumptions, audience, currency
    if ctx.evaluation is not None:
        roles_json = roles_of(ctx)
        use_value = bool(use_value and ctx.data.has_value)
        ctx.curves = (cached_curves(ctx.dataset_key, roles_json, use_value, ctx.evaluation) if ctx.warehouse is None else
                      cached_warehouse_curves(ctx.dataset_key, roles_json, use_value, ctx.warehouse, ctx.evaluation))
    return ctx


