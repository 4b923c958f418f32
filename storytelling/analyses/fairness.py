"""Who is on the list: each sensitive column's groups on the list against their share of
customers and of leavers, and what other lists (with or without the sensitive columns, equal
contact rates) would keep and make."""

from __future__ import annotations

import json
from dataclasses import replace

from storytelling.data import usable_feature
from storytelling.fairness import analyse_fairness
from storytelling.fairness_findings import fairness_findings
from storytelling.registry import Analysis, Run, register, register_need

register_need("sensitive", lambda run: bool(run.source.data.sensitive), "no column of the data looks sensitive")


def _options(run: Run) -> dict:
    """``[analyses.fairness] columns``: more columns to describe (the page's picks)."""
    cols = run.config.analyses.get("fairness", {}).get("columns", [])
    return {"columns": [str(c) for c in cols] if isinstance(cols, list) else []}


def other_data(data):
    """The data as the other model sees it: with the sensitive columns when the story's model is
    without them, and without them when it uses them (trained the same way otherwise)."""
    if data.roles.use_sensitive:
        features = [c for c in data.features if c not in data.sensitive]
    else:
        features = data.features + [c for c in data.sensitive if c not in data.features
                                    and usable_feature(data.frame[c])]
    return replace(data, roles=replace(data.roles, use_sensitive=not data.roles.use_sensitive), features=features)


def _other_curves(run: Run):
    """The other model's curves, on the same customers and list length (a model trained here only:
    the data's own scores cannot be retrained without a column)."""
    from storytelling.lift import build_curves
    from storytelling.model import evaluate_cached

    ev = run.evaluation
    if ev.source != "baseline" or ev.population is not None:
        return None
    data = other_data(run.source.data)
    if set(data.features) == set(run.source.data.features):  # no sensitive column the model could read
        return None
    other = run.memo(("fairness other model", not run.source.data.roles.use_sensitive),
                     lambda: evaluate_cached(data), slow=True)
    return build_curves(other, use_value=run.lift.curves.uses_value)


def _compute(run: Run, o: dict):
    data = run.source.data
    extra = [c for c in o.get("columns", []) if c in run.evaluation.frame and c not in data.sensitive]
    columns = {**data.sensitive, **dict.fromkeys(extra)}
    names = {c: run.glossary.name(c) for c in columns}
    used = [c for c in data.sensitive if c in data.features] if run.evaluation.source == "baseline" else []
    label = ("A model without the sensitive columns" if data.roles.use_sensitive else
             "A model that also uses the sensitive columns it can read")
    lift = run.lift
    key = ("fairness", lift.contacts, repr(lift.assumptions), lift.curves.uses_value, tuple(extra),
           json.dumps(names, sort_keys=True))
    changed = set(other_data(data).features) ^ set(data.features)  # the columns the other model adds or drops
    return run.memo(key, lambda: analyse_fairness(lift, columns, names=names, used=used, other=_other_curves(run),
                                                  other_label=label, other_uses=[c for c in data.sensitive
                                                                                 if c in changed]))


ANALYSIS = register(Analysis(
    key="fairness", name="Who is on the list", order=15, needs=("sensitive",), page="app_pages/fairness.py",
    compute=_compute, findings=lambda result, lift: fairness_findings(result), options=_options,
    supporting=("fairness_check",),
    invite="See whom the list singles out on the Who is on the list page",
    summary=lambda result: f"{len(result.mixes)} columns, "
                           f"{sum(len(m.leaning()) for m in result.mixes)} groups leaning",
))
