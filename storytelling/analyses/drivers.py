"""Drivers: why customers leave, in the model's own terms (SHAP), written as sentences."""

from __future__ import annotations

import json

from storytelling.drivers import ExplanationError, driver_model_for, drivers_finding, explain_evaluation
from storytelling.registry import Analysis, LeftOut, Run, register


def _options(run: Run) -> dict | None:
    """The data's own model (its scores' stand-in, or the baseline) unless story.toml says no."""
    return {"model": own_key(run)} if run.config.drivers else None


def own_key(run: Run) -> str:
    """The data's own model: the baseline trained here, or a stand-in that imitates the given scores."""
    return "baseline" if run.evaluation.source == "baseline" else "stand-in"


def own_model(run: Run):
    return run.memo(("driver model", own_key(run)), lambda: driver_model_for(run.source.data, run.evaluation),
                    slow=True)


def _compute(run: Run, o: dict):
    dm = o.get("_model") or own_model(run)
    names = json.dumps(run.glossary.to_frame().to_dict("records"), sort_keys=True)

    def explain():
        try:
            result = explain_evaluation(dm, run.evaluation, glossary=run.glossary)
        except ExplanationError as exc:  # nothing true to say about drivers: the story goes without them
            raise LeftOut(str(exc)) from None
        sens = run.source.data.sensitive
        result.sensitive = {c: k for c, k in sens.items() if c in dm.columns}
        result.kept_out = [run.glossary.name(c) for c in sens if c not in dm.columns]
        return result

    return run.memo(("drivers", o["model"], names), explain, slow=True)


ANALYSIS = register(Analysis(
    key="drivers", name="Drivers", order=30, needs=("features",), page="app_pages/drivers.py",
    compute=_compute, findings=lambda result, lift: [drivers_finding(result)], options=_options,
    unasked="story.toml asks for no drivers (drivers = false).",
    invite="See why customers leave on the Drivers page",
))
