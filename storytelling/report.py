"""The story: which findings, in which order, with the assumptions a reader needs.

The Overview page and the exports draw the same :class:`~storytelling.story.Story`, so what the
deck says is what the app shows.
"""

from __future__ import annotations

from storytelling.backtest import BacktestResult, backtest_findings
from storytelling.drivers import DriverResult, drivers_finding
from storytelling.lift import LiftResult, best_depth_finding, comparison_finding, lift_finding, population_finding
from storytelling.story import EXECUTIVE, Finding, Story, fmt_count, fmt_date, fmt_money, fmt_pct


def assumption_texts(lift: LiftResult) -> dict[str, str]:
    """The business assumptions in words, as agreed with marketing."""
    a, c = lift.assumptions, lift.currency
    out = {}
    if lift.curves.uses_value and a.value_months:
        out["Value of a kept customer"] = f"{a.value_months:g} months of their own monthly charge"
    else:
        out["Value of a kept customer"] = fmt_money(a.value_per_saved, c)
    out["Cost per contact"] = fmt_money(a.cost_per_contact, c)
    out["Share of contacted leavers the offer keeps"] = fmt_pct(a.save_rate)
    if a.fixed_cost:
        out["Fixed campaign cost per month"] = fmt_money(a.fixed_cost, c)
    out["Marketing can contact per month"] = fmt_count(a.capacity, people=False) if a.capacity else "no limit"
    out["Customers on the list"] = fmt_count(lift.contacts, people=False)
    return out


def build_story(lift: LiftResult, *, title: str = "Keeping more customers with the churn model",
                audience: str = EXECUTIVE, backtest: BacktestResult | None = None,
                drivers: DriverResult | None = None, ab: Finding | None = None, full: bool = False) -> Story:
    """The headline story; ``full`` adds the supporting findings (for a deck or a report)."""
    ev = lift.curves.evaluation
    findings = [population_finding(ev, currency=lift.currency), lift_finding(lift), comparison_finding(lift),
                best_depth_finding(lift)]
    if backtest is not None:
        bt = backtest_findings(backtest, currency=lift.currency)
        findings += bt if full else bt[:1]
    if drivers is not None:
        findings.append(drivers_finding(drivers))
    if ab is not None:
        findings.append(ab)
    month = fmt_date(ev.as_of) if ev.as_of is not None else "the evaluated period"
    return Story(title=title, findings=findings, audience=audience, assumptions=assumption_texts(lift),
                 subtitle=f"Measured on the customers of {month}")
