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

import numpy as np
import pandas as pd
import streamlit as st

from storytelling.backtest import (
    BacktestResult,
    BacktestScores,
    default_cutoffs,
    score_backtest,
    summarise_backtest,
)
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
from storytelling.story import EXECUTIVE
from storytelling.targeting import Assumptions
from storytelling.ui.budget import BUDGET, frame_bytes, per_dataset
from storytelling.warehouse import (
    SqlSource,
    WarehouseTable,
    backtest_scores,
    evaluate_warehouse,
    guess_roles,
    read_warehouse,
    warehouse_curves,
)

SAMPLE_KEY = "sample"
CTX = "_story_context"
FRESH = "_story_context_fresh"
BACKTEST = "_story_backtest"
GLOSSARY_EDITS = "glossary_edits"
DRIVERS = "_story_drivers"


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


@per_dataset(show_spinner=False, max_entries=6)
def _load_raw(key: str, _raw: bytes | None, name: str | None, sheet: str | None) -> pd.DataFrame:
    """The table as read (shared, read-only: no copy per rerun, which would cost ~100 ms)."""
    if key == SAMPLE_KEY:
        return load_sample()
    return load_table(_raw, name, sheet=sheet)


@per_dataset(show_spinner=False, max_entries=6)
def _prepared(key: str, roles_json: str, _raw: pd.DataFrame) -> CustomerData:
    return prepare(_raw, Roles.from_dict(json.loads(roles_json)))


@per_dataset(show_spinner="Training a baseline model on the older months…", max_entries=6)
def _evaluation(key: str, roles_json: str, _data: CustomerData) -> Evaluation:
    return evaluate_cached(_data)


@per_dataset(show_spinner=False, max_entries=12)
def _curves(key: str, roles_json: str, use_value: bool, _ev: Evaluation) -> Curves:
    curves = build_curves(_ev, use_value=use_value)
    curves.warm()
    return curves


@per_dataset(show_spinner=False, max_entries=4)
def _warehouse_roles(key: str, _source: SqlSource, _engine) -> Roles:
    return guess_roles(_source, _engine)


@per_dataset(show_spinner="Asking the database for counts per score (the rows stay there)…", max_entries=4)
def _warehouse(key: str, roles_json: str, _source: SqlSource, _engine) -> WarehouseTable:
    return read_warehouse(_source, Roles.from_dict(json.loads(roles_json)), engine=_engine)


@per_dataset(show_spinner=False, max_entries=4)
def _warehouse_evaluation(key: str, roles_json: str, _table: WarehouseTable, _data: CustomerData) -> Evaluation:
    return evaluate_warehouse(_table, _data)


@per_dataset(show_spinner=False, max_entries=8)
def _warehouse_curves(key: str, roles_json: str, use_value: bool, _table: WarehouseTable, _ev: Evaluation) -> Curves:
    return warehouse_curves(_table, _ev, use_value=use_value)


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
def _backtest_summary(key: str, roles_json: str, cutoffs: tuple, horizon_days: int, window: str, window_months: int,
                      assumptions: Assumptions, policy: str, threshold: float | None, use_value: bool,
                      _scores: BacktestScores) -> BacktestResult:
    return summarise_backtest(_scores, assumptions, policy=policy, threshold=threshold, use_value=use_value)


@per_dataset(show_spinner="Asking the database for each month's counts per score…", max_entries=4)
def _warehouse_backtest(key: str, roles_json: str, _table: WarehouseTable) -> BacktestScores:
    return backtest_scores(_table)


def _warehouse_months(ctx: AppContext, cutoffs: list) -> BacktestScores | None:
    """The stored scores' months chosen, from one cached query over every month."""
    return _warehouse_backtest(ctx.dataset_key, _roles_json(ctx), ctx.warehouse).only(cutoffs)


def backtest_months(ctx: AppContext) -> list[pd.Timestamp]:
    """Months that can be replayed: with a warehouse's stored scores, every month with outcomes;
    otherwise months with enough earlier history to train on."""
    return ctx.warehouse.months_with_outcomes() if ctx.warehouse is not None else default_cutoffs(ctx.data)


def _backtest_args(ctx: AppContext, cutoffs: list, horizon_days: int, window: str, window_months: int) -> tuple:
    return (ctx.dataset_key, _roles_json(ctx), tuple(pd.Timestamp(c) for c in cutoffs), horizon_days, window, window_months)


def backtest(ctx: AppContext, *, cutoffs: list, window: str = "expanding", window_months: int = 12,
             policy: str = "capacity", threshold: float | None = None, horizon_days: int = 30,
             progress=None) -> BacktestResult:
    """The backtest for the current data and assumptions, cached across reruns and sessions.

    Training per month (slow) is cached separately from pricing the months (fast), so changing an
    assumption re-prices without retraining. ``progress`` is only called when training runs.
    The choices are remembered for the session, so the Overview can show the same backtest.
    """
    args = _backtest_args(ctx, cutoffs, horizon_days, window, window_months)
    scores = (_backtest_scores(*args, ctx.data, progress) if ctx.warehouse is None else
              _warehouse_months(ctx, cutoffs))
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
        scores = _BACKTEST_CACHE.get(args) if ctx.warehouse is None else _warehouse_months(ctx, choice["cutoffs"])
    if scores is None:
        return None
    return _backtest_summary(*args, ctx.assumptions, choice["policy"], choice["threshold"], ctx.curves.uses_value,
                             scores)


@per_dataset(show_spinner=False, max_entries=6)
def _health(key: str, roles_json: str, _raw: pd.DataFrame) -> HealthReport:
    return health_report(_raw, Roles.from_dict(json.loads(roles_json)))


def health(ctx: AppContext) -> HealthReport:
    """The Data page's health report (about 0.2 s on the sample), once per data set and roles."""
    roles = ctx.roles or Roles()
    return _health(ctx.dataset_key, json.dumps(roles.to_dict(), sort_keys=True), ctx.raw)


@per_dataset(show_spinner=False, max_entries=6)
def _glossary(key: str, roles_json: str, _data: CustomerData) -> Glossary:
    return Glossary.infer(_data.frame, _data.features)


def set_glossary_edits(ctx: AppContext, edits: dict[str, dict]) -> None:
    """Remember the user's names for this data set (they feed every page and export)."""
    st.session_state.setdefault(GLOSSARY_EDITS, {})[ctx.dataset_key] = edits
    ctx.glossary = _glossary(ctx.dataset_key, _roles_json(ctx), ctx.data).with_edits(edits)


def _roles_json(ctx: AppContext) -> str:
    return json.dumps(ctx.roles.to_dict(), sort_keys=True)


# ---------------------------------------------------------------------------------------------
# Drivers

BASELINE, STAND_IN, UPLOADED, CONFIGURED = "baseline", "stand-in", "uploaded", "configured"


@per_dataset(show_spinner=False, max_entries=4)
def _own_driver_model(key: str, roles_json: str, _data: CustomerData, _ev: Evaluation) -> DriverModel:
    return driver_model_for(_data, _ev)


@per_dataset(show_spinner=False, max_entries=4)
def _file_model(key: str, roles_json: str, model_key: str, _raw: bytes | None, name: str, path: str | None,
                allow_pickle: bool, _data: CustomerData, _ev: Evaluation) -> DriverModel:
    model = load_model_path(path, allow_pickle=allow_pickle) if path else load_model_upload(_raw, name)
    cols = model_columns(model, list(_ev.frame.columns))
    check_predicts(model, _ev.frame[cols])
    return as_driver_model(model, cols, source="file", label=f"your model ({name})")


def driver_model(ctx: AppContext, source: str, *, raw: bytes | None = None, name: str = "",
                 path: str | None = None, allow_pickle: bool = False) -> tuple[str, DriverModel]:
    """(a key naming the model, the model ready for the explainers), cached across sessions."""
    rj = _roles_json(ctx)
    if source in (BASELINE, STAND_IN):  # which of the two follows from the data (scores or not)
        return source, _own_driver_model(ctx.dataset_key, rj, ctx.data, ctx.evaluation)
    model_key = f"{source}:{fingerprint(raw) if raw else path}"
    return model_key, _file_model(ctx.dataset_key, rj, model_key, raw, name, path, allow_pickle, ctx.data,
                                  ctx.evaluation)


def _risk_for(ctx: AppContext, dm: DriverModel, frame: pd.DataFrame, X: pd.DataFrame):
    """The data's own scores for its model (or the baseline's); a file model scores afresh."""
    if dm.source in (BASELINE, STAND_IN) and "score" in frame:
        return frame["score"].to_numpy()
    return dm.predict(X)


@per_dataset(show_spinner=False, max_entries=8)
def _drivers(key: str, roles_json: str, model_key: str, glossary_json: str, _ctx: AppContext,
             _dm: DriverModel) -> DriverResult:
    return explain_evaluation(_dm, _ctx.evaluation, glossary=_ctx.glossary)


def drivers(ctx: AppContext, model_key: str, dm: DriverModel) -> DriverResult:
    """Global drivers on the evaluated month (SHAP cached on the model; sentences per glossary)."""
    gj = _glossary_json(ctx)
    result = _drivers(ctx.dataset_key, _roles_json(ctx), model_key, gj, ctx, dm)
    st.session_state[DRIVERS] = {"dataset": ctx.dataset_key, "roles": _roles_json(ctx), "glossary": gj,
                                 "result": result}
    return result


def _glossary_json(ctx: AppContext) -> str:
    return json.dumps(ctx.glossary.to_frame().to_dict("records"), sort_keys=True)


def last_drivers(ctx: AppContext) -> DriverResult | None:
    """The drivers last shown in this session for this data, if still cached (never computed here)."""
    choice = st.session_state.get(DRIVERS)
    if not choice or (choice["dataset"], choice["roles"], choice["glossary"]) != (
            ctx.dataset_key, _roles_json(ctx), _glossary_json(ctx)):
        return None
    return choice["result"]


@dataclass
class CustomerSet:
    """The customers one can pick on the Drivers page, riskiest first."""

    frame: pd.DataFrame  # customer_id, risk, and the model's columns
    X: pd.DataFrame
    explainer: CustomerExplainer
    label: str


@per_dataset(show_spinner=False, max_entries=8)
def _customer_set(key: str, roles_json: str, model_key: str, _ctx: AppContext, _dm: DriverModel) -> CustomerSet:
    ev = _ctx.evaluation
    if ev.current is not None:
        frame, label = ev.current, "today's customers" if ev.period.dated else "the customers in this file"
    else:
        frame, label = ev.frame, f"the customers of {ev.period.label}"
    X = model_input(frame, _dm.columns)
    risk = _risk_for(_ctx, _dm, frame, X)
    order = np.argsort(-np.asarray(risk), kind="stable")
    picked = pd.DataFrame({"customer_id": frame["customer_id"].astype(str).to_numpy()[order], "risk": risk[order]})
    return CustomerSet(frame=picked.assign(_pos=order), X=X, explainer=CustomerExplainer(_dm, X, risk=risk),
                       label=label)


def customer_set(ctx: AppContext, model_key: str, dm: DriverModel) -> CustomerSet:
    return _customer_set(ctx.dataset_key, _roles_json(ctx), model_key, ctx, dm)


# ---------------------------------------------------------------------------------------------
# A/B test results

AB = "_story_ab"


@st.cache_resource(show_spinner=False, max_entries=8)
def _ab_counts(key: str, _raw: bytes | None, name: str | None) -> tuple[int, int, int, int]:
    from storytelling.abtest import results_from_table
    from storytelling.sample import load_sample_ab

    return results_from_table(load_sample_ab() if _raw is None else load_table(_raw, name))


def ab_results(raw: bytes | None, name: str | None, *, sample: bool) -> tuple[int, int, int, int] | None:
    """Counts per group from an uploaded results file, or from the sample's A/B file."""
    if raw is None:
        return _ab_counts(SAMPLE_KEY, None, None) if sample else None
    return _ab_counts(fingerprint(raw), raw, name)


def ab_readout_finding(ctx: AppContext, readout, design_key: str):
    """The readout in words, worth priced under the current scenario (page and Overview alike)."""
    from storytelling.report import ab_readout_for
    from storytelling.ui.scenario import current_result

    st.session_state[AB] = {"dataset": ctx.dataset_key, "readout": readout, "design": design_key}
    return ab_readout_for(current_result(ctx), readout, design_key)


AB_PLAN = "_story_ab_plan"


def remember_ab_plan(ctx: AppContext, finding) -> None:
    st.session_state[AB_PLAN] = {"dataset": ctx.dataset_key, "finding": finding}


def last_ab_plan(ctx: AppContext):
    """The A/B plan last shown in this session for this data (for the exports)."""
    choice = st.session_state.get(AB_PLAN)
    return choice["finding"] if choice and choice["dataset"] == ctx.dataset_key else None


def last_ab(ctx: AppContext):
    """The A/B readout last shown in this session for this data, re-priced now (or None)."""
    from storytelling.report import ab_readout_for
    from storytelling.ui.scenario import current_result

    choice = st.session_state.get(AB)
    if not choice or choice["dataset"] != ctx.dataset_key:
        return None
    return ab_readout_for(current_result(ctx), choice["readout"], choice["design"])


# ---------------------------------------------------------------------------------------------
# The story of this session (Overview and Export) and its config


def session_story(ctx: AppContext, *, full: bool = False):
    """The story from what this session has computed, under the current assumptions (``full``: with
    the supporting findings, for the Export page to choose from)."""
    from storytelling.report import build_story
    from storytelling.ui.scenario import current_result

    return build_story(current_result(ctx), audience=ctx.audience, backtest=last_backtest(ctx),
                       drivers=last_drivers(ctx), ab=last_ab(ctx), ab_plan=last_ab_plan(ctx), full=full,
                       glossary=ctx.glossary, data_name=ctx.dataset_name)


def session_config(ctx: AppContext, *, title: str, keys: list[str], brand_colour: str | None):
    """The session's whole setup as a :class:`~storytelling.config.StoryConfig`."""
    from storytelling.config import StoryConfig
    from storytelling.ui.scenario import current_contacts, current_threshold

    a = ctx.assumptions
    threshold = current_threshold()
    base = _glossary(ctx.dataset_key, _roles_json(ctx), ctx.data)
    sql = ctx.warehouse.source if ctx.warehouse is not None else None  # url: the secrets.toml connection name
    return StoryConfig(
        title=title, audience=ctx.audience,
        data_path=None if ctx.dataset_key == SAMPLE_KEY or sql else ctx.dataset_name,
        data_sql=sql.url if sql else None, data_table=sql.table if sql else None,
        data_query=sql.query if sql else None, data_name=ctx.dataset_name, roles=ctx.roles.to_dict(), value_per_saved=a.value_per_saved,
        cost_per_contact=a.cost_per_contact, save_rate=a.save_rate, fixed_cost=a.fixed_cost, capacity=a.capacity,
        value_months=a.value_months if ctx.curves.uses_value else None,
        contacts=None if threshold is not None else current_contacts(ctx), threshold=threshold,
        glossary=ctx.glossary.edits(base), findings=keys, brand_colour=brand_colour,
        ab_design=st.session_state.get("ab_design", "picks"), ab_confidence=st.session_state.get("ab_conf", 0.95),
        ab_test_share=st.session_state.get("ab_split", 50) / 100)


def apply_config(cfg, ctx: AppContext) -> list[str]:
    """Put a loaded config's settings into the session (widgets pick them up on the next run).

    Returns notes on what could not be applied (the data file itself must be loaded in the sidebar).
    """
    from storytelling.ui.scenario import BY_COUNT, BY_RISK, CONTACTS, POLICY, THRESHOLD

    ss = st.session_state
    ss["cost"], ss["save"], ss["fixed"] = cfg.cost_per_contact, round(cfg.save_rate * 100), round(cfg.fixed_cost)
    ss["capacity"] = cfg.capacity or 0
    ss["use_value"] = cfg.value_months is not None
    if cfg.value_months is not None:
        ss["value_months"] = round(cfg.value_months)
    ss["value"] = round(cfg.value_per_saved)
    ss["audience"] = cfg.audience
    if cfg.threshold is not None:
        ss[POLICY], ss[THRESHOLD] = BY_RISK, round(cfg.threshold * 100, 1)
    elif cfg.contacts is not None:
        ss[POLICY], ss[CONTACTS] = BY_COUNT, cfg.contacts
    ss["export_title"] = cfg.title
    if cfg.findings is not None:
        ss["export_findings"] = list(cfg.findings)
    if cfg.brand_colour:
        ss["export_brand"] = cfg.brand_colour
    ss["ab_design"] = cfg.ab_design
    notes = []
    if cfg.ab_confidence in (0.9, 0.95, 0.99):
        ss["ab_conf"] = cfg.ab_confidence
    else:
        notes.append(f"The config's A/B confidence of {cfg.ab_confidence:.1%} is not one of the app's choices (90%, "
                     f"95%, 99%): the A/B page keeps {ss.get('ab_conf', 0.95):.0%}; the nightly build uses the "
                     "config's.")
    ss["ab_split"] = int(min(90, max(10, round(cfg.ab_test_share * 20) * 5)))
    if abs(ss["ab_split"] - cfg.ab_test_share * 100) > 1e-6:
        notes.append(f"The config's test group of {cfg.ab_test_share:.0%} is shown as {ss['ab_split']}% (the A/B "
                     "page moves in steps of 5 between 10% and 90%).")
    if cfg.roles:
        ss["roles"] = {"_key": ctx.dataset_key, **cfg.roles}
    if cfg.glossary:
        ss.setdefault(GLOSSARY_EDITS, {})[ctx.dataset_key] = cfg.glossary
    if cfg.data_path:
        notes.append(f"The config names the data file '{cfg.data_path}'; load it in the sidebar if it is not the "
                     "one shown.")
    if cfg.data_sql:  # never connected from an uploaded config: connections come from the server's secrets
        what = f"table '{cfg.data_table}'" if cfg.data_table else "a query"
        notes.append(f"The config reads {what} from the warehouse '{cfg.data_sql}'; choose it under Warehouse in "
                     "the sidebar if it is not the one shown.")
    return notes


def warm_sample() -> None:
    """Load, check and score the sample into the shared caches (``storytelling serve`` runs this
    once the server answers, while the first visitor's browser is still loading the page)."""
    from storytelling.lift import gains_spec

    raw = _load_raw(SAMPLE_KEY, None, None, None)
    roles_json = json.dumps(infer_roles(raw).to_dict(), sort_keys=True)
    data = _prepared(SAMPLE_KEY, roles_json, raw)
    ev = _evaluation(SAMPLE_KEY, roles_json, data)
    _glossary(SAMPLE_KEY, roles_json, data)
    curves = _curves(SAMPLE_KEY, roles_json, bool(data.has_value), ev)
    gains_spec(curves)  # imports and themes Altair, and draws the lift page's first chart once for everyone


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
            ctx.raw = _load_raw(dataset_key, raw_bytes, filename, sheet)
        roles_state = st.session_state.get("roles")
        if not roles_state or roles_state.get("_key") != dataset_key:
            roles = infer_roles(ctx.raw) if sql is None else _warehouse_roles(dataset_key, *sql)
            st.session_state["roles"] = {"_key": dataset_key, **roles.to_dict()}
        ctx.roles = Roles.from_dict({k: v for k, v in st.session_state["roles"].items() if k != "_key"})
        roles_json = json.dumps(ctx.roles.to_dict(), sort_keys=True)
        if sql is not None:
            ctx.warehouse = _warehouse(dataset_key, roles_json, *sql)
            ctx.raw = ctx.warehouse.sample
        ctx.data = _prepared(dataset_key, roles_json, ctx.raw)
        ctx.evaluation = (_evaluation(dataset_key, roles_json, ctx.data) if sql is None else
                          _warehouse_evaluation(dataset_key, roles_json, ctx.warehouse, ctx.data))
        ctx.notes = list(ctx.data.notes)
        data, ev = ctx.data, ctx.evaluation
        BUDGET.weigh(dataset_key, lambda: frame_bytes(None if sql else ctx.raw, data.frame, ev.frame, ev.current))
        edits = st.session_state.get(GLOSSARY_EDITS, {}).get(dataset_key, {})
        ctx.glossary = _glossary(dataset_key, roles_json, ctx.data).with_edits(edits)
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
        roles_json = _roles_json(ctx)
        use_value = bool(use_value and ctx.data.has_value)
        ctx.curves = (_curves(ctx.dataset_key, roles_json, use_value, ctx.evaluation) if ctx.warehouse is None else
                      _warehouse_curves(ctx.dataset_key, roles_json, use_value, ctx.warehouse, ctx.evaluation))
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
