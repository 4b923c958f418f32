"""The session's own choices and story: what each page last showed, the story built from them,
and the session's setup as a :class:`~storytelling.config.StoryConfig` (saved and loaded)."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import streamlit as st

from storytelling.analyses.ab_plan import PLAN_NUMBERS
from storytelling.analyses.drivers import own_key, own_model
from storytelling.data import HealthReport, Roles
from storytelling.drivers import DriverModel
from storytelling.fairness_findings import sensitive_lines
from storytelling.registry import Outcome, Run, run_each, run_one
from storytelling.report import DEFAULT_TITLE, build_story, left_out_names
from storytelling.source import FileSource
from storytelling.story import Story
from storytelling.ui.caches import (
    BASELINE,
    SAMPLE_KEY,
    STAND_IN,
    CustomerSet,
    cached_ab_counts,
    cached_customer_set,
    cached_file_model,
    cached_glossary,
    cached_health,
    memo_for,
)
from storytelling.ui.context import GLOSSARY_EDITS, AppContext, Unready, fingerprint, roles_of
from storytelling.ui.kept import kept, set_kept
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

CHOICES = "_story_choices"
LOADED = "_story_loaded"  # what a loaded story.toml said that no widget holds (months replayed, A/B result)


def run_for(ctx: AppContext, *, progress=None) -> Run:
    """The registry's view of this session: its data, scenario, setup and the pages' choices."""
    cfg = session_config(ctx)
    if not server_data(ctx):  # an upload is the visitor's own: the server keeps no history of it, nor reads one
        cfg = replace(cfg, history="")
    return Run(ctx.source, ctx.evaluation, current_result(ctx), cfg, ctx.glossary,
               choices=_choices(ctx), memo=memo_for(ctx.dataset_key, roles_of(ctx)), progress=progress)


def server_data(ctx: AppContext) -> bool:
    """The data is the server's own (the sample, or a warehouse the server is set up to read), not an upload."""
    return ctx.dataset_key == SAMPLE_KEY or not isinstance(ctx.source, FileSource)


def keep_history(ctx: AppContext, outcome: Outcome) -> str | None:
    """Record this session's run in the server's history (as a nightly build does); returns where, or
    None when nothing was recorded (an upload, or data without dates)."""
    from storytelling.analyses.changes import keep

    changes = outcome.results.get("changes")
    if changes is None or not server_data(ctx):
        return None
    folder = keep(run_for(ctx), changes)
    return None if folder is None else str(folder)


def _choices(ctx: AppContext) -> dict[str, dict]:
    """The options each page last ran its analysis with, for this data set and roles."""
    c = st.session_state.get(CHOICES)
    return c["by_key"] if c and c["dataset"] == (ctx.dataset_key, roles_of(ctx)) else {}


def chosen(ctx: AppContext, key: str) -> dict | None:
    """The options the analysis's own page last ran with (None: not visited with this data)."""
    return _choices(ctx).get(key)


def analysis(ctx: AppContext, key: str, options: dict, *, progress=None, remember: bool = True) -> tuple:
    """A page's analysis with the page's choices, (result, findings), cached across sessions; the
    choices are remembered (unless ``remember`` is False: an illustration), so the Overview and
    Export show the same."""
    done = run_one(key, run_for(ctx, progress=progress), options)  # a failed try keeps the last good choice
    if not remember:
        _choices(ctx).pop(key, None)
        return done
    ident = (ctx.dataset_key, roles_of(ctx))
    c = st.session_state.get(CHOICES)
    if not c or c["dataset"] != ident:
        c = st.session_state[CHOICES] = {"dataset": ident, "by_key": {}}
    c["by_key"][key] = options
    return done


def story(ctx: AppContext, *, full: bool = False, show=None) -> tuple[Story, Outcome]:
    """The whole story from the data and the setup alone, never from which pages were visited: every
    analysis the data allows, computed on demand (a progress line while it works) and shared by
    sessions, and what it left out with why. ``show(findings)`` gets each analysis's findings as soon
    as they are ready (``full``: with the supporting findings, for the Export page to choose from)."""
    status = st.empty()

    def progress(i: int, n: int, label: str) -> None:
        status.progress(i / n, text=f"Replaying the past months: {label} ({i + 1} of {n})" if i < n else "Done")

    out, shown = Outcome(), 0
    run = run_for(ctx, progress=progress)
    for _ in run_each(run, out, contain=_contained, before=lambda a: status.caption(f"Working out: {a.name}…")):
        if show is not None and len(out.findings) > shown:
            show(out.findings[shown:])
        shown = len(out.findings)
    status.empty()
    told = build_story(current_result(ctx), findings=out.findings, audience=ctx.audience, full=full,
                       glossary=ctx.glossary, data_name=ctx.dataset_name, left_out=left_out_names(out),
                       sensitive=sensitive_lines(ctx.source.data, ctx.evaluation.source, ctx.glossary))
    return told, out


def _contained(analysis, exc: Exception) -> str:
    """An analysis that broke: logged with an id; the story goes on without it."""
    from storytelling.ui.guard import log_error

    return f"it could not be computed (error {log_error(exc)}); the rest of the story is not affected."


def backtest_months(ctx: AppContext) -> list[pd.Timestamp]:
    """Months that can be replayed: with stored scores, every month with outcomes; otherwise months
    with enough earlier history to train on."""
    return ctx.source.backtest_months()


def health(ctx: AppContext | Unready) -> HealthReport:
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
    if source in (BASELINE, STAND_IN):  # which of the two follows from the data (scores or not)
        run = run_for(ctx)
        return own_key(run), own_model(run)
    model_key = f"{source}:{fingerprint(raw) if raw else path}"
    return model_key, cached_file_model(ctx.dataset_key, roles_of(ctx), model_key, raw, name, path, allow_pickle,
                                        ctx.data, ctx.evaluation)


def customer_set(ctx: AppContext, model_key: str, dm: DriverModel) -> CustomerSet:
    return cached_customer_set(ctx.dataset_key, roles_of(ctx), model_key, ctx, dm)


def ab_results(ctx: AppContext, raw: bytes | None, name: str | None) -> tuple[int, int, int, int] | None:
    """Counts per group from an uploaded results file, else the test that comes with the data."""
    if raw is None:
        return ctx.source.campaign_results()
    return cached_ab_counts(fingerprint(raw), raw, name)


def session_config(ctx: AppContext, *, title: str = DEFAULT_TITLE, keys: list[str] | None = None,
                   brand_colour: str | None = None):
    """The session's whole setup as a :class:`~storytelling.config.StoryConfig`."""
    from storytelling.config import StoryConfig

    a = ctx.assumptions
    threshold = current_threshold()
    base = cached_glossary(ctx.dataset_key, roles_of(ctx), ctx.data)
    return StoryConfig(
        title=title, audience=ctx.audience, **ctx.source.config_fields(),
        data_name=ctx.dataset_name, roles=ctx.roles.to_dict(), value_per_saved=a.value_per_saved,
        cost_per_contact=a.cost_per_contact, save_rate=a.save_rate, fixed_cost=a.fixed_cost, capacity=a.capacity,
        value_months=a.value_months if ctx.curves.uses_value else None,
        contacts=None if threshold is not None else current_contacts(ctx), threshold=threshold,
        glossary=ctx.glossary.edits(base), findings=keys, brand_colour=brand_colour, **_chosen(ctx))


def _chosen(ctx: AppContext) -> dict:
    """What the pages chose that the nightly build needs to tell the same story: the months replayed
    and how, the A/B test's settings, and its result when it is not the one that comes with the data
    (without a page's choice: what a loaded story.toml said)."""
    ss, choices = st.session_state, _choices(ctx)
    loaded = ss.get(LOADED, {}) if ss.get(LOADED, {}).get("_dataset") == ctx.dataset_key else {}
    out = {"ab_design": ss.get("ab_design", "picks"), "ab_confidence": ss.get("ab_conf", 0.95),
           "ab_test_share": ss.get("ab_split", 50) / 100, "ab_power": ss.get("ab_power", 0.8),
           "ab_sided": ss.get("ab_sided", "two-sided"),
           **{k: v for k, v in loaded.items() if not k.startswith("_")}}
    bt = choices.get("backtest")
    if bt and bt.get("cutoffs"):
        out["backtest_months"] = len(bt["cutoffs"])
        how = {k: v for k, v in bt.items() if k not in ("cutoffs", "horizon_days") and v is not None}
        out["analyses"] = {"backtest": {**how, "end": bt["cutoffs"][-1]}}
    if scenarios := kept(ctx):  # the Retention lift page's kept scenarios: the story's options
        out["options"] = scenarios
    plan = {k: v for k, v in choices.get("ab_plan", {}).items() if k in PLAN_NUMBERS}
    if plan:  # the plan's own numbers, typed on the A/B test page
        out["analyses"] = {**out.get("analyses", {}), "ab_plan": plan}
    if cols := choices.get("fairness", {}).get("columns"):  # columns looked at beyond the sensitive ones
        out["analyses"] = {**out.get("analyses", {}), "fairness": {"columns": list(cols)}}
    ab = choices.get("ab_readout", {})
    if ab.get("counts") and tuple(ab["counts"]) != ctx.source.campaign_results():
        out["ab_counts"] = [int(c) for c in ab["counts"]]
    if ab.get("planned_total"):
        out["ab_planned_total"] = int(ab["planned_total"])
    return out


def _plan_numbers(cfg) -> None:
    """[analyses.ab_plan]'s numbers into the A/B test page's boxes (as percent and customers a week)."""
    plan, d, ss = cfg.analyses.get("ab_plan", {}), cfg.ab_design, st.session_state
    if "base" in plan:
        ss[f"ab_base_{d}"] = round(plan["base"] * 100, 2)
    if "target" in plan:
        ss[f"ab_target_{d}"], ss["ab_effect_mode"] = round(plan["target"] * 100, 2), "Churn with it"
    if "per_week" in plan:
        ss[f"ab_week_{d}"] = int(plan["per_week"])


def apply_config(cfg, ctx: AppContext) -> list[str]:
    """Put a loaded config's settings into the session (widgets pick them up on the next run).

    Returns notes on what could not be applied (the data file itself must be loaded in the sidebar).
    """

    ss = st.session_state
    ss.update(widget_values(cfg))
    if cfg.options:
        set_kept(cfg.options)
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
    ss["ab_power"] = cfg.ab_power if cfg.ab_power in (0.8, 0.9) else ss.get("ab_power", 0.8)
    if cfg.ab_power not in (0.8, 0.9):
        notes.append(f"The config's chance to catch the effect ({cfg.ab_power:.0%}) is not one of the A/B page's "
                     "choices (80%, 90%): the page keeps its own; the nightly build uses the config's.")
    ss["ab_sided"] = cfg.ab_sided
    _plan_numbers(cfg)
    if isinstance(cols := cfg.analyses.get("fairness", {}).get("columns"), list):
        ss["fairness_columns"] = [str(c) for c in cols]
    ss.pop(CHOICES, None)  # the loaded setup replaces what the pages chose before
    ss[LOADED] = {"_dataset": ctx.dataset_key, "backtest_months": cfg.backtest_months, "ab_counts": cfg.ab_counts,
                  "ab_planned_total": cfg.ab_planned_total, "analyses": cfg.analyses}
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


