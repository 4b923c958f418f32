"""A/B test plan: how many customers and weeks a fair test of the campaign needs."""

from __future__ import annotations

from storytelling.abtest import holdout_bullet, plan_finding, plan_test
from storytelling.errors import DataError
from storytelling.registry import Analysis, LeftOut, Run, register


def _options(run: Run) -> dict:
    """From story.toml's [ab]: who enters, confidence, power, split and direction; the churn with and
    without the campaign and the weekly customers follow from the scenario unless [analyses.ab_plan]
    sets them (the A/B test page's typed numbers)."""
    cfg = run.config
    own = _own_numbers(cfg.analyses.get("ab_plan", {}))
    return {"design": cfg.ab_design, "confidence": cfg.ab_confidence, "power": cfg.ab_power, "ratio": cfg.ab_ratio,
            "sided": cfg.ab_sided, **own}


#: The plan's numbers the A/B test page may type over the scenario's (``[analyses.ab_plan]``).
PLAN_NUMBERS = ("base", "target", "per_week")


def _own_numbers(t: dict) -> dict:
    """[analyses.ab_plan]'s churn without and with the campaign (0-1) and customers a week, checked."""
    out = {}
    for key, lo, hi in (("base", 0.0, 1.0), ("target", 0.0, 1.0), ("per_week", 0, 1e9)):
        if key in t:
            v = t[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi or (key != "per_week" and v in (lo, hi)):
                raise DataError(f"analyses.ab_plan.{key} must be a number {'between 0 and 1' if hi == 1 else 'of 0 or more'}.")
            out[key] = float(v)
    return out


def designs(run: Run, o: dict) -> dict:
    """Both designs (the model's picks, everyone) for the scenario, by key."""
    from storytelling.report import designs_for

    return designs_for(run.lift, alpha=1 - o["confidence"], power=o["power"], ratio=o["ratio"],
                       alternative=o["sided"])


def testable(run: Run) -> str | None:
    """Why the scenario leaves nothing to test, or None."""
    lift, a = run.lift, run.lift.assumptions
    if a.save_rate >= 1:
        return ("the assumptions say the offer keeps every contacted leaver (100%), so nobody on the list would "
                "leave: there is nothing left to test. Set the share the offer keeps to what past campaigns showed.")
    if lift.contacts == 0 or lift.point.hit_rate <= 0 or a.save_rate <= 0:
        return ("the scenario calls nobody (or the offer keeps nobody), so there is no effect to test. Set a list "
                "size and the share the offer keeps.")
    return None


def _compute(run: Run, o: dict):
    """The chosen design with its plan (``base``, ``target``, ``per_week`` as set on the page; by
    default the scenario's), and the other design for comparison."""
    if (why := testable(run)) is not None:
        raise LeftOut(f"No test to plan: {why}")
    options = designs(run, o)
    d = options[o["design"]]
    try:
        d.plan = plan_test(o.get("base", d.baseline_rate), o.get("target", d.target_rate),
                           alpha=1 - o["confidence"], power=o["power"], ratio=o["ratio"], alternative=o["sided"],
                           eligible_per_week=o.get("per_week", d.eligible_per_week) or None)
    except DataError as exc:
        if "base" in o:  # the page's own numbers: said on the page
            raise
        raise LeftOut(f"No test to plan: {exc}") from None
    return d, options["everyone" if o["design"] == "picks" else "picks"]


def _findings(result, lift) -> list:
    """The plan, and the permanent comparison group that keeps measuring the model once the list is called."""
    f = plan_finding(*result)
    line = holdout_bullet(f.facts, hit_rate=lift.point.hit_rate, contacts=lift.contacts,
                          save_rate=lift.assumptions.save_rate, currency=lift.currency, value_per_kept=lift.value_per_kept,
                          dated=lift.curves.evaluation.period.dated,
                          cost_per_contact=lift.assumptions.cost_per_contact)
    if line:
        f.bullets.append(line)
    return [f]


ANALYSIS = register(Analysis(
    key="ab_plan", name="A/B test plan", order=40, page="app_pages/ab_test.py",
    compute=_compute, findings=_findings, options=_options,
    invite="Plan the A/B test that confirms the figures on the A/B test page",
    summary=lambda result: f"{result[0].plan.total:,} customers",
))
