"""A/B test plan: how many customers and weeks a fair test of the campaign needs."""

from __future__ import annotations

from storytelling.abtest import plan_finding, plan_test
from storytelling.registry import Analysis, Run, register


def designs(run: Run, o: dict) -> dict:
    """Both designs (the model's picks, everyone) for the scenario, by key."""
    from storytelling.report import designs_for

    return designs_for(run.lift, alpha=1 - o["confidence"], power=o["power"], ratio=o["ratio"],
                       alternative=o["sided"])


def _compute(run: Run, o: dict):
    """The chosen design with its plan (``base``, ``target``, ``per_week`` as set on the page; by
    default the scenario's), and the other design for comparison."""
    options = designs(run, o)
    d = options[o["design"]]
    d.plan = plan_test(o.get("base", d.baseline_rate), o.get("target", d.target_rate), alpha=1 - o["confidence"],
                       power=o["power"], ratio=o["ratio"], alternative=o["sided"],
                       eligible_per_week=o.get("per_week", d.eligible_per_week) or None)
    return d, options["everyone" if o["design"] == "picks" else "picks"]


ANALYSIS = register(Analysis(
    key="ab_plan", name="A/B test plan", order=40, page="app_pages/ab_test.py",
    compute=_compute, findings=lambda result, lift: [plan_finding(*result)],
    options=lambda run: None, unasked="plan the test on the A/B test page.", supporting=("ab_plan",),
    invite="Plan the A/B test that confirms the figures on the A/B test page",
))
