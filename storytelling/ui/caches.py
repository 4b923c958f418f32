"""The caches every page shares, across reruns and sessions.

Heavy work (reading files, training the model, sorting customers, SHAP, the backtest's training)
runs once per data set and column roles, keyed by a fingerprint of the data; each cache is
declared with :func:`~storytelling.ui.budget.per_dataset`, so a data set's entries leave together
(see :mod:`storytelling.ui.budget`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from storytelling.backtest import (
    BacktestResult,
    BacktestScores,
    score_backtest,
    summarise_backtest,
)
from storytelling.data import (
    CustomerData,
    HealthReport,
    Roles,
    health_report,
    infer_roles,
    load_table,
    prepare,
)
from storytelling.drivers import (
    CustomerExplainer,
    DriverModel,
    DriverResult,
    as_driver_model,
    driver_model_for,
    explain_evaluation,
)
from storytelling.glossary import Glossary
from storytelling.lift import Curves, build_curves
from storytelling.model import Evaluation, evaluate_cached, model_input
from storytelling.modelfile import check_predicts, load_model_path, load_model_upload, model_columns
from storytelling.sample import load_sample
from storytelling.targeting import Assumptions
from storytelling.ui.budget import BUDGET, per_dataset
from storytelling.warehouse import (
    SqlSource,
    WarehouseTable,
    backtest_scores,
    evaluate_warehouse,
    guess_roles,
    read_warehouse,
    warehouse_curves,
)

if TYPE_CHECKING:  # the context holds what these caches return; it is never imported at run time here
    from storytelling.ui.context import AppContext

SAMPLE_KEY = "sample"


@per_dataset(show_spinner=False, max_entries=6)
def cached_raw(key: str, _raw: bytes | None, name: str | None, sheet: str | None) -> pd.DataFrame:
    """The table as read (shared, read-only: no copy per rerun, which would cost ~100 ms)."""
    if key == SAMPLE_KEY:
        return load_sample()
    return load_table(_raw, name, sheet=sheet)


@per_dataset(show_spinner=False, max_entries=6)
def cached_prepared(key: str, roles_json: str, _raw: pd.DataFrame) -> CustomerData:
    return prepare(_raw, Roles.from_dict(json.loads(roles_json)))


@per_dataset(show_spinner="Training a baseline model on the older months…", max_entries=6)
def cached_evaluation(key: str, roles_json: str, _data: CustomerData) -> Evaluation:
    return evaluate_cached(_data)


@per_dataset(show_spinner=False, max_entries=12)
def cached_curves(key: str, roles_json: str, use_value: bool, _ev: Evaluation) -> Curves:
    curves = build_curves(_ev, use_value=use_value)
    curves.warm()
    return curves


@per_dataset(show_spinner=False, max_entries=4)
def cached_warehouse_roles(key: str, _source: SqlSource, _engine) -> Roles:
    return guess_roles(_source, _engine)


@per_dataset(show_spinner="Asking the database for counts per score (the rows stay there)…", max_entries=4)
def cached_warehouse(key: str, roles_json: str, _source: SqlSource, _engine) -> WarehouseTable:
    return read_warehouse(_source, Roles.from_dict(json.loads(roles_json)), engine=_engine)


@per_dataset(show_spinner=False, max_entries=4)
def cached_warehouse_evaluation(key: str, roles_json: str, _table: WarehouseTable, _data: CustomerData) -> Evaluation:
    return evaluate_warehouse(_table, _data)


@per_dataset(show_spinner=False, max_entries=8)
def cached_warehouse_curves(key: str, roles_json: str, use_value: bool, _table: WarehouseTable, _ev: Evaluation) -> Curves:
    return warehouse_curves(_table, _ev, use_value=use_value)


_BACKTEST_CACHE: OrderedDict[tuple, BacktestScores] = OrderedDict()


_BACKTEST_LOCK = threading.Lock()


_BACKTEST_RUNNING: dict[tuple, threading.Lock] = {}


def cached_backtest_scores(key: str, roles_json: str, cutoffs: tuple, horizon_days: int, window: str, window_months: int,
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
        BUDGET.used(key, f"backtest:{args}", lambda: _forget_backtest(args))
        with _BACKTEST_LOCK:
            _BACKTEST_CACHE[args] = scores
            while len(_BACKTEST_CACHE) > 8:
                _BACKTEST_CACHE.popitem(last=False)
            _BACKTEST_RUNNING.pop(args, None)
    return scores


def _forget_backtest(args: tuple) -> None:
    with _BACKTEST_LOCK:
        _BACKTEST_CACHE.pop(args, None)


@per_dataset(show_spinner=False, max_entries=32)
def cached_backtest_summary(key: str, roles_json: str, cutoffs: tuple, horizon_days: int, window: str, window_months: int,
                      assumptions: Assumptions, policy: str, threshold: float | None, use_value: bool,
                      _scores: BacktestScores) -> BacktestResult:
    return summarise_backtest(_scores, assumptions, policy=policy, threshold=threshold, use_value=use_value)


@per_dataset(show_spinner="Asking the database for each month's counts per score…", max_entries=4)
def cached_warehouse_backtest(key: str, roles_json: str, _table: WarehouseTable) -> BacktestScores:
    return backtest_scores(_table)


@per_dataset(show_spinner=False, max_entries=6)
def cached_health(key: str, roles_json: str, _raw: pd.DataFrame) -> HealthReport:
    return health_report(_raw, Roles.from_dict(json.loads(roles_json)))


@per_dataset(show_spinner=False, max_entries=6)
def cached_glossary(key: str, roles_json: str, _data: CustomerData) -> Glossary:
    return Glossary.infer(_data.frame, _data.features)


BASELINE, STAND_IN, UPLOADED, CONFIGURED = "baseline", "stand-in", "uploaded", "configured"


@per_dataset(show_spinner=False, max_entries=4)
def cached_own_driver_model(key: str, roles_json: str, _data: CustomerData, _ev: Evaluation) -> DriverModel:
    return driver_model_for(_data, _ev)


@per_dataset(show_spinner=False, max_entries=4)
def cached_file_model(key: str, roles_json: str, model_key: str, _raw: bytes | None, name: str, path: str | None,
                allow_pickle: bool, _data: CustomerData, _ev: Evaluation) -> DriverModel:
    model = load_model_path(path, allow_pickle=allow_pickle) if path else load_model_upload(_raw, name)
    cols = model_columns(model, list(_ev.frame.columns))
    check_predicts(model, _ev.frame[cols])
    return as_driver_model(model, cols, source="file", label=f"your model ({name})")


def risk_for(ctx: AppContext, dm: DriverModel, frame: pd.DataFrame, X: pd.DataFrame):
    """The data's own scores for its model (or the baseline's); a file model scores afresh."""
    if dm.source in (BASELINE, STAND_IN) and "score" in frame:
        return frame["score"].to_numpy()
    return dm.predict(X)


@per_dataset(show_spinner=False, max_entries=8)
def cached_drivers(key: str, roles_json: str, model_key: str, glossary_json: str, _ctx: AppContext,
             _dm: DriverModel) -> DriverResult:
    return explain_evaluation(_dm, _ctx.evaluation, glossary=_ctx.glossary)


@dataclass
class CustomerSet:
    """The customers one can pick on the Drivers page, riskiest first."""

    frame: pd.DataFrame  # customer_id, risk, and the model's columns
    X: pd.DataFrame
    explainer: CustomerExplainer
    label: str


@per_dataset(show_spinner=False, max_entries=8)
def cached_customer_set(key: str, roles_json: str, model_key: str, _ctx: AppContext, _dm: DriverModel) -> CustomerSet:
    ev = _ctx.evaluation
    if ev.current is not None:
        frame, label = ev.current, "today's customers" if ev.period.dated else "the customers in this file"
    else:
        frame, label = ev.frame, f"the customers of {ev.period.label}"
    X = model_input(frame, _dm.columns)
    risk = risk_for(_ctx, _dm, frame, X)
    order = np.argsort(-np.asarray(risk), kind="stable")
    picked = pd.DataFrame({"customer_id": frame["customer_id"].astype(str).to_numpy()[order], "risk": risk[order]})
    return CustomerSet(frame=picked.assign(_pos=order), X=X, explainer=CustomerExplainer(_dm, X, risk=risk),
                       label=label)


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_ab_counts(key: str, _raw: bytes | None, name: str | None) -> tuple[int, int, int, int]:
    from storytelling.abtest import results_from_table
    from storytelling.sample import load_sample_ab

    return results_from_table(load_sample_ab() if _raw is None else load_table(_raw, name))


def warm_sample() -> None:
    """Load, check and score the sample into the shared caches (``storytelling serve`` runs this
    once the server answers, while the first visitor's browser is still loading the page)."""
    from storytelling.lift import gains_spec

    raw = cached_raw(SAMPLE_KEY, None, None, None)
    roles_json = json.dumps(infer_roles(raw).to_dict(), sort_keys=True)
    data = cached_prepared(SAMPLE_KEY, roles_json, raw)
    ev = cached_evaluation(SAMPLE_KEY, roles_json, data)
    cached_glossary(SAMPLE_KEY, roles_json, data)
    curves = cached_curves(SAMPLE_KEY, roles_json, bool(data.has_value), ev)
    gains_spec(curves)  # imports and themes Altair, and draws the lift page's first chart once for everyone



def stored_backtest_scores(args: tuple) -> BacktestScores | None:
    """The backtest's training for these arguments if it is cached (never computed here)."""
    with _BACKTEST_LOCK:
        return _BACKTEST_CACHE.get(args)
