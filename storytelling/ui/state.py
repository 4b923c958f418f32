"""Session context shared by every page: the data, the model's evaluation, the assumptions.

``app.py`` draws the global sidebar and calls :func:`build_context`; pages call :func:`context`.
Heavy work (reading files, training the model, sorting customers) is cached across reruns and
sessions, keyed by a fingerprint of the data and the column roles.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from storytelling.backtest import BacktestResult, BacktestScores, score_backtest, summarise_backtest
from storytelling.data import (
    CustomerData,
    DataError,
    HealthReport,
    Roles,
    health_report,
    infer_roles,
    load_table,
    prepare,
)
from storytelling.lift import Curves, build_curves
from storytelling.model import Evaluation, evaluate_cached
from storytelling.sample import load_sample
from storytelling.story import EXECUTIVE
from storytelling.targeting import Assumptions

SAMPLE_KEY = "sample"
CTX = "_story_context"
FRESH = "_story_context_fresh"
BACKTEST = "_story_backtest"


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

    @property
    def ready(self) -> bool:
        return self.curves is not None


@st.cache_resource(show_spinner=False, max_entries=6)
def _load_raw(key: str, _raw: bytes | None, name: str | None, sheet: str | None) -> pd.DataFrame:
    """The table as read (shared, read-only: no copy per rerun, which would cost ~100 ms)."""
    if key == SAMPLE_KEY:
        return load_sample()
    return load_table(_raw, name, sheet=sheet)


@st.cache_resource(show_spinner=False, max_entries=6)
def _prepared(key: str, roles_json: str, _raw: pd.DataFrame) -> CustomerData:
    return prepare(_raw, Roles.from_dict(json.loads(roles_json)))


@st.cache_resource(show_spinner="Training a baseline model on the older months…", max_entries=6)
def _evaluation(key: str, roles_json: str, _data: CustomerData) -> Evaluation:
    return evaluate_cached(_data)


@st.cache_resource(show_spinner=False, max_entries=12)
def _curves(key: str, roles_json: str, use_value: bool, _ev: Evaluation) -> Curves:
    curves = build_curves(_ev, use_value=use_value)
    curves.warm()
    return curves


_BACKTEST_CACHE: OrderedDict[tuple, BacktestScores] = OrderedDict()
_BACKTEST_LOCK = threading.Lock()
_BACKTEST_RUNNING: dict[tuple, threading.Lock] = {}


def _backtest_scores(key: str, roles_json: str, cutoffs: tuple, horizon_days: int, window: str, window_months: int,
                     data: CustomerData, progress=None) -> BacktestScores:
    """Per-month training and scoring, cached across reruns and sessions (last 8 kept).

    Not ``st.cache_resource``: that would record the progress bar's updates and replay them,
    which Streamlit refuses for elements created outside the cached function.
    """
    args = (key, roles_json, cutoffs, horizon_days, window, window_months)
    with _BACKTEST_LOCK:
        lock = _BACKTEST_RUNNING.setdefault(args, threading.Lock())
    with lock:  # a second session asking for the same backtest waits for the first, then reads it
        with _BACKTEST_LOCK:
            if args in _BACKTEST_CACHE:
                _BACKTEST_CACHE.move_to_end(args)
                return _BACKTEST_CACHE[args]
        scores = score_backtest(data, cutoffs=list(cutoffs), horizon_days=horizon_days, window=window,
                                window_months=window_months, progress=progress)
        with _BACKTEST_LOCK:
            _BACKTEST_CACHE[args] = scores
            while len(_BACKTEST_CACHE) > 8:
                _BACKTEST_CACHE.popitem(last=False)
            _BACKTEST_RUNNING.pop(args, None)
    return scores


@st.cache_resource(show_spinner=False, max_entries=32)
def _backtest_summary(key: str, roles_json: str, cutoffs: tuple, horizon_days: int, window: str, window_months: int,
                      assumptions: Assumptions, policy: str, threshold: float | None, use_value: bool,
                      _scores: BacktestScores) -> BacktestResult:
    return summarise_backtest(_scores, assumptions, policy=policy, threshold=threshold, use_value=use_value)


def _backtest_args(ctx: AppContext, cutoffs: list, horizon_days: int, window: str, window_months: int) -> tuple:
    roles_json = json.dumps(ctx.roles.to_dict(), sort_keys=True)
    return (ctx.dataset_key, roles_json, tuple(pd.Timestamp(c) for c in cutoffs), horizon_days, window, window_months)


def backtest(ctx: AppContext, *, cutoffs: list, window: str = "expanding", window_months: int = 12,
             policy: str = "capacity", threshold: float | None = None, horizon_days: int = 30,
             progress=None) -> BacktestResult:
    """The backtest for the current data and assumptions, cached across reruns and sessions.

    Training per month (slow) is cached separately from pricing the months (fast), so changing an
    assumption re-prices without retraining. ``progress`` is only called when training runs.
    The choices are remembered for the session, so the Overview can show the same backtest.
    """
    args = _backtest_args(ctx, cutoffs, horizon_days, window, window_months)
    scores = _backtest_scores(*args, ctx.data, progress)
    st.session_state[BACKTEST] = {"cutoffs": list(cutoffs), "window": window, "window_months": window_months,
                                  "policy": policy, "threshold": threshold, "horizon_days": horizon_days}
    return _backtest_summary(*args, ctx.assumptions, policy, threshold, ctx.curves.uses_value, scores)


def last_backtest(ctx: AppContext) -> BacktestResult | None:
    """The backtest last chosen in this session, priced under the current assumptions.

    None when it was run on other data (or roles), or its training is no longer cached: the
    Overview never starts a training run.
    """
    choice = st.session_state.get(BACKTEST)
    if not choice:
        return None
    args = _backtest_args(ctx, choice["cutoffs"], choice["horizon_days"], choice["window"], choice["window_months"])
    with _BACKTEST_LOCK:
        scores = _BACKTEST_CACHE.get(args)
    if scores is None:
        return None
    return _backtest_summary(*args, ctx.assumptions, choice["policy"], choice["threshold"], ctx.curves.uses_value,
                             scores)


@st.cache_resource(show_spinner=False, max_entries=6)
def _health(key: str, roles_json: str, _raw: pd.DataFrame) -> HealthReport:
    return health_report(_raw, Roles.from_dict(json.loads(roles_json)))


def health(ctx: AppContext) -> HealthReport:
    """The Data page's health report (about 0.2 s on the sample), once per data set and roles."""
    roles = ctx.roles or Roles()
    return _health(ctx.dataset_key, json.dumps(roles.to_dict(), sort_keys=True), ctx.raw)


def fingerprint(raw: bytes) -> str:
    return hashlib.sha1(raw).hexdigest()[:16]


def build_context(*, dataset_key: str, dataset_name: str, raw_bytes: bytes | None, filename: str | None,
                  sheet: str | None) -> AppContext:
    """Load, validate and evaluate the chosen data (cached) and store the context for pages."""
    ctx = AppContext(dataset_key=dataset_key, dataset_name=dataset_name, raw=None, roles=None)
    try:
        ctx.raw = _load_raw(dataset_key, raw_bytes, filename, sheet)
        roles_state = st.session_state.get("roles")
        if not roles_state or roles_state.get("_key") != dataset_key:
            roles = infer_roles(ctx.raw)
            st.session_state["roles"] = {"_key": dataset_key, **roles.to_dict()}
        ctx.roles = Roles.from_dict({k: v for k, v in st.session_state["roles"].items() if k != "_key"})
        roles_json = json.dumps(ctx.roles.to_dict(), sort_keys=True)
        ctx.data = _prepared(dataset_key, roles_json, ctx.raw)
        ctx.evaluation = _evaluation(dataset_key, roles_json, ctx.data)
        ctx.notes = list(ctx.data.notes)
    except DataError as exc:
        ctx.error = str(exc)
        ctx.data = ctx.evaluation = None
    st.session_state[CTX] = ctx
    st.session_state[FRESH] = True
    return ctx


def attach_scenario(ctx: AppContext, assumptions: Assumptions, *, use_value: bool, audience: str,
                    currency: str = "$") -> AppContext:
    """Add the business assumptions and build the (cached) targeting curves."""
    ctx.assumptions, ctx.audience, ctx.currency = assumptions, audience, currency
    if ctx.evaluation is not None:
        roles_json = json.dumps(ctx.roles.to_dict(), sort_keys=True)
        ctx.curves = _curves(ctx.dataset_key, roles_json, bool(use_value and ctx.data.has_value), ctx.evaluation)
    return ctx


def context() -> AppContext:
    """The context built by ``app.py`` for this run.

    When a page script runs without ``app.py`` before it (AppTest reruns only the page after
    its first run), the page draws the sidebar itself so it never works on a stale context.
    """
    if st.session_state.pop(FRESH, False):
        return st.session_state[CTX]
    from storytelling.ui import sidebar

    ctx = sidebar.draw()
    st.session_state.pop(FRESH, None)
    return ctx
