"""The page context: the data, the model's evaluation and the assumptions of this run.

``app.py`` draws the global sidebar, which calls :func:`load` and :func:`attach_scenario`; pages
call :func:`storytelling.ui.sidebar.context`, which gives either an :class:`AppContext` (ready:
every field set) or an :class:`Unready` (the data's problem in words, and the table when it could
be read, for the Data page to fix).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from storytelling.data import CustomerData, DataError, Roles, infer_roles
from storytelling.glossary import Glossary
from storytelling.lift import Curves
from storytelling.model import Evaluation
from storytelling.source import Source
from storytelling.targeting import Assumptions
from storytelling.ui.budget import BUDGET, frame_bytes
from storytelling.ui.caches import (
    cached_curves,
    cached_evaluation,
    cached_file_source,
    cached_glossary,
    cached_raw,
    cached_warehouse_roles,
    cached_warehouse_source,
    cached_warehouse_table,
)
from storytelling.warehouse import SqlSource

CTX = "_story_context"


FRESH = "_story_context_fresh"


GLOSSARY_EDITS = "glossary_edits"


@dataclass
class Unready:
    """The chosen data cannot tell a story yet: ``error`` says why. ``raw`` and ``roles`` are set
    when the table could be read, so the Data page can show it and let the user fix the roles."""

    dataset_key: str
    dataset_name: str
    error: str
    raw: pd.DataFrame | None = None
    roles: Roles | None = None
    ready = False


@dataclass
class Loaded:
    """The data read, checked and evaluated: everything but the session's business assumptions."""

    dataset_key: str
    dataset_name: str
    roles: Roles
    source: Source
    evaluation: Evaluation
    glossary: Glossary

    @property
    def data(self) -> CustomerData:
        return self.source.data

    @property
    def raw(self) -> pd.DataFrame:
        return self.source.rows

    @property
    def notes(self) -> list[str]:
        return self.source.notes


@dataclass
class AppContext(Loaded):
    """Ready: the data and the scenario every page draws from."""

    assumptions: Assumptions
    curves: Curves
    audience: str
    currency: str = "$"
    ready = True
    error = None


def roles_of(ctx: Loaded) -> str:
    return json.dumps(ctx.roles.to_dict(), sort_keys=True)


def fingerprint(raw: bytes) -> str:
    return hashlib.sha1(raw).hexdigest()[:16]


def _roles(dataset_key: str, guess) -> Roles:
    """The session's roles for this data set (guessed the first time it is seen)."""
    roles_state = st.session_state.get("roles")
    if not roles_state or roles_state.get("_key") != dataset_key:
        st.session_state["roles"] = {"_key": dataset_key, **guess().to_dict()}
    return Roles.from_dict({k: v for k, v in st.session_state["roles"].items() if k != "_key"})


def load(*, dataset_key: str, dataset_name: str, raw_bytes: bytes | None, filename: str | None,
         sheet: str | None, sql: tuple[SqlSource, object] | None = None) -> Loaded | Unready:
    """Read, check and evaluate the chosen data (cached across sessions).

    ``sql`` is a warehouse source and its engine: the database sends counts per score bucket and a
    bounded sample (see :mod:`storytelling.warehouse`), never the whole table.
    """
    raw = roles = None
    try:
        if sql is None:
            raw = cached_raw(dataset_key, raw_bytes, filename, sheet)
            roles = _roles(dataset_key, lambda: infer_roles(raw))
            rj = json.dumps(roles.to_dict(), sort_keys=True)
            source = cached_file_source(dataset_key, rj, dataset_name, filename, raw)
        else:
            roles = _roles(dataset_key, lambda: cached_warehouse_roles(dataset_key, *sql))
            rj = json.dumps(roles.to_dict(), sort_keys=True)
            table = cached_warehouse_table(dataset_key, rj, *sql)
            raw = table.sample  # shown on the Data page even when its rows do not pass the checks
            source = cached_warehouse_source(dataset_key, rj, dataset_name, table)
        ev = cached_evaluation(dataset_key, rj, source)
        BUDGET.weigh(dataset_key, lambda: frame_bytes(None if sql else raw, source.data.frame, ev.frame, ev.current))
        edits = st.session_state.get(GLOSSARY_EDITS, {}).get(dataset_key, {})
        glossary = cached_glossary(dataset_key, rj, source.data).with_edits(edits)
    except DataError as exc:
        return Unready(dataset_key, dataset_name, str(exc), raw=raw, roles=roles)
    return Loaded(dataset_key, dataset_name, roles, source, ev, glossary)


def attach_scenario(loaded: Loaded | Unready, assumptions: Assumptions, *, use_value: bool, audience: str,
                    currency: str = "$") -> AppContext | Unready:
    """Add the business assumptions and build the (cached) targeting curves; stored for the pages."""
    ctx = loaded
    if isinstance(loaded, Loaded):
        use_value = bool(use_value and loaded.data.has_value)
        curves = cached_curves(loaded.dataset_key, roles_of(loaded), use_value, loaded.source, loaded.evaluation)
        ctx = AppContext(**{f: getattr(loaded, f) for f in Loaded.__dataclass_fields__}, assumptions=assumptions,
                         curves=curves, audience=audience, currency=currency)
    st.session_state[CTX] = ctx
    st.session_state[FRESH] = True
    return ctx
