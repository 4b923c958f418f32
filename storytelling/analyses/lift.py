"""Retention lift: who the list reaches and what it is worth, against today's rule and random calls."""

from __future__ import annotations

from storytelling.lift import best_depth_finding, comparison_finding, lift_finding, population_finding
from storytelling.registry import Analysis, register
from storytelling.sensitivity import sensitivity_finding


def _findings(lift, _lift) -> list:
    return [population_finding(lift.curves.evaluation, currency=lift.currency), lift_finding(lift),
            comparison_finding(lift), best_depth_finding(lift), sensitivity_finding(lift)]


ANALYSIS = register(Analysis(
    key="lift", name="Retention lift", order=10, page="app_pages/retention_lift.py",
    compute=lambda run, options: run.lift,  # the scenario's list is the run's own (the sidebar and slider)
    findings=_findings, options=lambda run: {},
))
