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

from storytelling.data import CustomerData, HealthReport, Roles, health_report, infer_roles, load_table
from storytelling.drivers import (
    CustomerExplainer,
    DriverModel,
    as_driver_model,
)
from storytelling.glossary import Glossary
from storytelling.lift import Curves
from storytelling.model import Evaluation, model_input
from storytelling.modelfile import check_predicts, load_model_path, load_model_upload, model_columns
from storytelling.sample import load_sample
from storytelling.source import SAMPLE_NAME, FileSource, Source, WarehouseSource  # noqa: F401  (SAMPLE_NAME: the sidebar's)
from storytelling.ui.budget import BUDGET, per_dataset
from storytelling.warehouse import SqlSource, WarehouseTable, guess_roles, read_warehouse

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
def cached_file_source(key: str, roles_json: str, name: str, path: str | None, _raw: pd.DataFrame) -> FileSource:
    return FileSource.read(_raw, Roles.from_dict(json.loads(roles_json)), name=name, path=path, sample=key == SAMPLE_KEY)


@per_dataset(show_spinner=False, max_entries=4)
def cached_warehouse_roles(key: str, _source: SqlSource, _engine) -> Roles:
    return guess_roles(_source, _engine)


@per_dataset(show_spinner="Asking the database for counts per score (the rows stay there)…", max_entries=4)
def cached_warehouse_table(key: str, roles_json: str, _source: SqlSource, _engine) -> WarehouseTable:
    return read_warehouse(_source, Roles.from_dict(json.loads(roles_json)), engine=_engine)


@per_dataset(show_spinner=False, max_entries=4)
def cached_warehouse_source(key: str, roles_json: str, name: str, _table: WarehouseTable) -> WarehouseSource:
    return WarehouseSource.of(_table, name=name)


@per_dataset(show_spinner="Scoring the customers (training a model where the data has no scores)…", max_entries=6)
def cached_evaluation(key: str, roles_json: str, _source: Source) -> Evaluation:
    return _source.evaluate()


@per_dataset(show_spinner=False, max_entries=12)
def cached_curves(key: str, roles_json: str, use_value: bool, _source: Source, _ev: Evaluation) -> Curves:
    curves = _source.curves(_ev, use_value=use_value)
    curves.warm()
    return curves


class ResultStore:
    """The analyses' steps, shared by every session and kept across reruns: the last
    ``max_entries``, keyed by data set, roles and the step's own key; a data set's entries leave
    with it (see :mod:`storytelling.ui.budget`).

    Not ``st.cache_resource``: a step reports progress on the page that started it (Streamlit would
    record and replay the progress bar), and the Overview asks only whether a step is stored.
    A session asking for a step another is computing waits for it, then reads it.
    """

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._stored: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()
        self._running: dict[tuple, list] = {}  # key -> [its lock, sessions asking for it]

    def get(self, key: tuple) -> tuple[bool, object]:
        with self._lock:
            if key not in self._stored:
                return False, None
            self._stored.move_to_end(key)
            return True, self._stored[key]

    def compute(self, dataset_key: str, key: tuple, fn):
        with self._lock:
            entry = self._running.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                found, value = self.get(key)
                if found:
                    return value
                value = fn()
                BUDGET.used(dataset_key, f"result:{key}", lambda: self.forget(key))
                with self._lock:
                    self._stored[key] = value
                    while len(self._stored) > self.max_entries:
                        self._stored.popitem(last=False)
                return value
        finally:
            with self._lock:  # the last session asking drops the lock (never while another waits on it)
                entry[1] -= 1
                if entry[1] == 0 and self._running.get(key) is entry:
                    del self._running[key]

    def forget(self, key: tuple) -> None:
        with self._lock:
            self._stored.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._stored.clear()


RESULTS = ResultStore(max_entries=12)  # slow steps: a backtest's training, a driver model, SHAP values
PRICED = ResultStore(max_entries=64)  # fast steps that depend on the assumptions (a backtest priced)


def memo_for(dataset_key: str, roles_json: str):
    """The registry's memo for one data set: results are shared by every session (slow steps and
    priced ones in their own stores)."""

    def memo(key: tuple, fn, *, slow: bool = False):
        return (RESULTS if slow else PRICED).compute(dataset_key, (dataset_key, roles_json, *key), fn)

    return memo


@per_dataset(show_spinner=False, max_entries=6)
def cached_health(key: str, roles_json: str, _raw: pd.DataFrame) -> HealthReport:
    return health_report(_raw, Roles.from_dict(json.loads(roles_json)))


@per_dataset(show_spinner=False, max_entries=6)
def cached_glossary(key: str, roles_json: str, _data: CustomerData) -> Glossary:
    return Glossary.infer(_data.frame, _data.described)


BASELINE, STAND_IN, UPLOADED, CONFIGURED = "baseline", "stand-in", "uploaded", "configured"


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
def cached_ab_counts(key: str, _raw: bytes, name: str | None) -> tuple[int, int, int, int]:
    from storytelling.abtest import results_from_table

    return results_from_table(load_table(_raw, name))


@st.cache_resource(show_spinner=False, max_entries=4)
def cached_ab_table(key: str, _raw: bytes, name: str | None):
    """An uploaded campaign test's rows (read once per upload)."""
    return load_table(_raw, name)


def warm_sample() -> None:
    """Load, check and score the sample into the shared caches (``storytelling serve`` runs this
    once the server answers, while the first visitor's browser is still loading the page)."""
    from storytelling.lift import gains_spec

    raw = cached_raw(SAMPLE_KEY, None, None, None)
    roles_json = json.dumps(infer_roles(raw).to_dict(), sort_keys=True)
    source = cached_file_source(SAMPLE_KEY, roles_json, SAMPLE_NAME, None, raw)
    ev = cached_evaluation(SAMPLE_KEY, roles_json, source)
    cached_glossary(SAMPLE_KEY, roles_json, source.data)
    curves = cached_curves(SAMPLE_KEY, roles_json, bool(source.data.has_value), source, ev)
    gains_spec(curves)  # imports and themes Altair, and draws the lift page's first chart once for everyone
    _warm_story(source, ev, curves, roles_json)


def _warm_story(source: Source, ev: Evaluation, curves: Curves, roles_json: str) -> None:
    """The slow steps of the sample's default story (the backtest's training, the drivers), stored
    where the first visitor's Overview looks for them (it waits for a step still being computed)."""
    from storytelling.config import StoryConfig
    from storytelling.lift import analyse_lift, default_contacts
    from storytelling.registry import Run, run_all

    cfg = StoryConfig()
    a = cfg.assumptions()
    lift = analyse_lift(curves, a, default_contacts(curves, a))
    glossary = cached_glossary(SAMPLE_KEY, roles_json, source.data)
    run_all(Run(source, ev, lift, cfg, glossary, memo=memo_for(SAMPLE_KEY, roles_json)))
