"""The session's own choices and story: what each page last showed, the story built from them,
and the session's setup as a :class:`~storytelling.config.StoryConfig` (saved and loaded)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from storytelling.backtest import (
    BacktestResult,
    BacktestScores,
    default_cutoffs,
)
from storytelling.data import (
    HealthReport,
    Roles,
)
from storytelling.drivers import (
    DriverModel,
    DriverResult,
)
from storytelling.ui.caches import (
    BASELINE,
    SAMPLE_KEY,
    STAND_IN,
    CustomerSet,
    cached_ab_counts,
    cached_backtest_scores,
    cached_backtest_summary,
    cached_customer_set,
    cached_drivers,
    cached_file_model,
    cached_glossary,
    cached_health,
    cached_own_driver_model,
    cached_warehouse_backtest,
    stored_backtest_scores,
)
from storytelling.ui.context import GLOSSARY_EDITS, AppContext, fingerprint, roles_of
from storytelling.ui.scenario import (
    BY_COUNT,
    BY_RISK,
    CONTACTS,
    POLICY,
    THRESHOLD,
    current_contacts,
    current_result,
    current_threshold,
)
from storytelling.ui.settings import widget_values

BACKTEST = "_story_backtest"


DRIVERS = "_story_drivers"


def _warehouse_months(ctx: AppContext, cutoffs: list) -> BacktestScores | None:
    """The stored scores' months chosen, from one cached query over every month."""
    return cached_warehouse_backtest(ctx.dataset_key, roles_of(ctx), ctx.warehouse).only(cutoffs)


def backtest_months(ctx: AppContext) -> list[pd.Timestamp]:
    """Months that can be replayed: with a warehouse's stored scores, every month with outcomes;
    otherwise months with enough earlier history to train on."""
    return ctx.warehouse.months_with_outcomes() if ctx.warehouse is not None else default_cutoffs(ctx.data)


def _backtest_args(ctx: AppContext, cutoffs: list, horizon_days: int, window: str, window_months: int) -> tuple:
    return (ctx.dataset_key, roles_of(ctx), tuple(pd.Timestamp(c) for c in cutoffs), horizon_days, window, window_months)


def backtest(ctx: AppContext, *, cutoffs: list, window: str = "expanding", window_months: int = 12,
             policy: str = "capacity", threshold: float | None = None, horizon_days: int = 30,
             progress=None) -> BacktestResult:
    """The backtest for the current data and assumptions, cached across reruns and sessions.

    Training per month (slow) is cached separately from pricing the months (fast), so changing an
    assumption re-prices without retraining. ``progress`` is only called when training runs.
    The choices are remembered for the session, so the Overview can show the same backtest.
    """
    args = _backtest_args(ctx, cutoffs, horizon_days, window, window_months)
    scores = (cached_backtest_scores(*args, ctx.data, progress) if ctx.warehouse is None else
              _warehouse_months(ctx, cutoffs))
    st.session_state[BACKTEST] = {"cutoffs": list(cutoffs), "window": window, "window_months": window_months,
                                  "policy": policy, "threshold": threshold, "horizon_days": horizon_days}
    return cached_backtest_summary(*args, ctx.assumptions, policy, threshold, ctx.curves.uses_value, scores)


def last_backtest(ctx: AppContext) -> BacktestResult | None:
    """The backtest last chosen in this session, priced under the current assumptions.

    None when it was run on other data (or roles), or its training is no longer cached: the
    Overview never starts a training run.
    """
    choice = st.session_state.get(BACKTEST)
    if not choice:
        return None
    args = _backtest_args(ctx, choice["cutoffs"], choice["horizon_days"], choice["window"], choice["window_months"])
    scores = stored_backtest_scores(args) if ctx.warehouse is None else _warehouse_months(ctx, choice["cutoffs"])
    if scores is None:
        return None
    return cached_backtest_summary(*args, ctx.assumptions, choice["policy"], choice["threshold"], ctx.curves.uses_value,
                             scores)


def health(ctx: AppContext) -> HealthReport:
    """The Data page's health report (about 0.2 s on the sample), once per data set and roles."""
    roles = ctx.roles or Roles()
    return cached_health(ctx.dataset_key, json.dumps(roles.to_dict(), sort_keys=True), ctx.raw)


def set_glossary_edits(ctx: AppContext, edits: dict[str, dict]) -> None:
    """Remember the user's names for this data set (they feed every page and export)."""
    st.session_state.setdefault(GLOSSARY_EDITS, {})[ctx.dataset_key] = edits
    ctx.glossary = cached_glossary(ctx.dataset_key, roles_of(ctx), ctx.data).with_edits(edits)


def driver_model(ctx: AppContext, source: str, *, raw: bytes | None = None, name: str = "",
                 path: str | None = None, allow_pickle: bool = False) -> tuple[str, DriverModel]:
    """(a key naming the model, the model ready for the explainers), cached across sessions."""
    rj = roles_of(ctx)
    if source in (BASELINE, STAND_IN):  # which of the two follows from the data (scores or not)
        return source, cached_own_driver_model(ctx.dataset_key, rj, ctx.data, ctx.evaluation)
    model_key = f"{source}:{fingerprint(raw) if raw else path}"
    return model_key, cached_file_model(ctx.dataset_key, rj, model_key, raw, name, path, allow_pickle, ctx.data,
                                  ctx.evaluation)


def drivers(ctx: AppContext, model_key: str, dm: DriverModel) -> DriverResult:
    """Global drivers on the evaluated month (SHAP cached on the model; sentences per glossary)."""
    gj = _glossary_json(ctx)
    result = cached_drivers(ctx.dataset_key, roles_of(ctx), model_key, gj, ctx, dm)
    st.session_state[DRIVERS] = {"dataset": ctx.dataset_key, "roles": roles_of(ctx), "glossary": gj,
                                 "result": result}
    return result


def _glossary_json(ctx: AppContext) -> str:
    return json.dumps(ctx.glossary.to_frame().to_dict("records"), sort_keys=True)


def last_drivers(ctx: AppContext) -> DriverResult | None:
    """The drivers last shown in this session for this data, if still cached (never computed here)."""
    choice = st.session_state.get(DRIVERS)
    if not choice or (choice["dataset"], choice["roles"], choice["glossary"]) != (
            ctx.dataset_key, roles_of(ctx), _glossary_json(ctx)):
        return None
    return choice["result"]


def customer_set(ctx: AppContext, model_key: str, dm: DriverModel) -> CustomerSet:
    return cached_customer_set(ctx.dataset_key, roles_of(ctx), model_key, ctx, dm)


AB = "_story_ab"


def ab_results(raw: bytes | None, name: str | None, *, sample: bool) -> tuple[int, int, int, int] | None:
    """Counts per group from an uploaded results file, or from the sample's A/B file."""
    if raw is None:
        return cached_ab_counts(SAMPLE_KEY, None, None) if sample else None
    return cached_ab_counts(fingerprint(raw), raw, name)


def ab_readout_finding(ctx: AppContext, readout, design_key: str):
    """The readout in words, worth priced under the current scenario (page and Overview alike)."""
    from storytelling.report import ab_readout_for

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

    choice = st.session_state.get(AB)
    if not choice or choice["dataset"] != ctx.dataset_key:
        return None
    return ab_readout_for(current_result(ctx), choice["readout"], choice["design"])


def session_story(ctx: AppContext, *, full: bool = False):
    """The story from what this session has computed, under the current assumptions (``full``: with
    the supporting findings, for the Export page to choose from)."""
    from storytelling.report import build_story

    return build_story(current_result(ctx), audience=ctx.audience, backtest=last_backtest(ctx),
                       drivers=last_drivers(ctx), ab=last_ab(ctx), ab_plan=last_ab_plan(ctx), full=full,
                       glossary=ctx.glossary, data_name=ctx.dataset_name)


def session_config(ctx: AppContext, *, title: str, keys: list[str], brand_colour: str | None):
    """The session's whole setup as a :class:`~storytelling.config.StoryConfig`."""
    from storytelling.config import StoryConfig

    a = ctx.assumptions
    threshold = current_threshold()
    base = cached_glossary(ctx.dataset_key, roles_of(ctx), ctx.data)
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

    ss = st.session_state
    ss.update(widget_values(cfg))
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


