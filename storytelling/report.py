"""The story: which findings, in which order, with what a reader needs to trust them.

The Overview page, the Export page, the deck, the report, the update note and the CLI all draw
the :class:`~storytelling.story.Story` built here, so what the deck says is what the app shows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from storytelling import registry
from storytelling.backtest import BacktestResult
from storytelling.decision import deciding_readout, decision_finding
from storytelling.drivers import DriverResult
from storytelling.glossary import Glossary
from storytelling.lift import LiftResult
from storytelling.story import EXECUTIVE, Finding, Story, fmt_count, fmt_date, fmt_money, fmt_pct
from storytelling.targeting import unagreed

DEFAULT_TITLE = "Keeping more customers with the churn model"
AB_NEXT = "Confirm these figures with an A/B test before scaling up: a replay of the past cannot show how " \
          "customers react to being called."


def assumption_texts(lift: LiftResult) -> dict[str, str]:
    """The business assumptions in words; those still at the app's starting values say so."""
    a, c = lift.assumptions, lift.currency
    out = {}
    ev = lift.curves.evaluation
    if lift.curves.uses_value and a.value_months:
        col = f" ('{ev.value_column}'{', guessed from its name' if ev.value_guessed else ''})" if ev.value_column else ""
        out["Value of a kept customer"] = f"{a.value_months:g} months of their own monthly charge{col}"
    else:
        out["Value of a kept customer"] = fmt_money(a.value_per_saved, c) + " each (the same for every customer)"
    out["Cost per contact"] = fmt_money(a.cost_per_contact, c)
    out["Share of contacted leavers the offer keeps"] = fmt_pct(a.save_rate)
    if a.fixed_cost:
        out[f"Fixed campaign cost{' per month' if ev.period.dated else ''}"] = fmt_money(a.fixed_cost, c)
    per = " per month" if ev.period.dated else ""
    out[f"Marketing can contact{per}"] = fmt_count(a.capacity, people=False) if a.capacity else "no limit"
    out["Customers on the list"] = fmt_count(lift.contacts, people=False)
    todo = set(unagreed(a, uses_value=lift.curves.uses_value))
    said = {"Value of a kept customer": "value of a kept customer", "Cost per contact": "cost per contact",
            "Share of contacted leavers the offer keeps": "share of contacted leavers the offer keeps",
            f"Marketing can contact{per}": "how many customers marketing can contact"}
    for name, what in said.items():
        if what in todo and name in out:
            out[name] += " (starting value, to be agreed)"
    return out


#: Short names for choosing findings (the titles are whole sentences); others show their title's start.
FINDING_NAMES = {
    "population": "Who left", "lift": "The list's worth", "comparison": "Model vs today's rule",
    "best_depth": "Best list size", "backtest_total": "Backtest: total", "backtest_timeline": "Backtest: by month",
    "backtest_quality": "Backtest: the model's edge", "drivers": "Why customers leave", "ab_plan": "A/B test plan",
    "ab_readout": "A/B test result",
    "decision": "The decision asked", "sensitivity": "What if we are wrong",
    "fairness": "Who is on the list", "fairness_check": "Who is on the list (in line)",
    "uplift": "Whom the campaign keeps", "uplift_curve": "Kept as the list grows",
    "changes": "Since the last update",
}


def finding_name(key: str, title: str) -> str:
    return FINDING_NAMES.get(key) or (title if len(title) <= 40 else title[:39].rstrip() + "…")


def available_findings(lift: LiftResult, *, backtest: BacktestResult | None = None,
                       drivers: DriverResult | None = None, ab_plan: Finding | None = None,
                       ab: Finding | None = None) -> list[Finding]:
    """The findings of results computed elsewhere, in story order (each through its analysis's
    own findings function in the registry; the A/B findings are given whole)."""
    results = {"lift": lift, "backtest": backtest, "drivers": drivers}
    found = [f for a in registry.analyses() if results.get(a.key) is not None for f in a.findings(results[a.key], lift)]
    return found + [f for f in (ab_plan, ab) if f is not None]


def left_out_names(outcome: registry.Outcome, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """What the story lacks, by analysis name, with why (``skip``: reasons a reader need not see)."""
    return {registry.get(k).name: why for k, why in outcome.missing().items() if k not in skip}


def headline_keys(findings: list[Finding]) -> list[str]:
    """The default story's choice: every finding but the supporting ones (and the plan for a test
    once the test has run: its readout is what matters then, and it comes first after the population)."""
    supporting = registry.supporting_keys()
    keys = [f.key for f in findings]
    first = ["population", "changes"]  # the context: this month, and what changed since the last update
    if "ab_readout" in keys:  # the test decides: it comes before the replay it overrides
        supporting = supporting | {"ab_plan"}
        first += ["ab_readout", "uplift"]
    first = [k for k in first if k in keys]
    keys = first + [k for k in keys if k not in first]
    return ["decision"] + [k for k in keys if k not in supporting and k != "decision"]


def ab_readout_for(lift: LiftResult, readout, design: str = "picks") -> Finding:
    """The A/B readout priced under the lift scenario: the whole base (design 'everyone') or the
    list (design 'picks') each month, each kept customer worth what the scenario's are."""
    from storytelling.abtest import readout_finding

    per_month = lift.curves.n if design == "everyone" else lift.contacts
    return readout_finding(readout, customers_per_month=per_month, value_per_kept=lift.value_per_kept,
                           cost_per_month=lift.assumptions.cost(per_month), currency=lift.currency,
                           per=lift.curves.evaluation.period.per,
                           reach="every customer, as tested" if design == "everyone" else "the model's list")


def designs_for(lift: LiftResult, **plan_options) -> dict:
    """Both A/B designs for the lift scenario, by key: the month's churn, the list's share of
    customers and of leavers, the offer's save rate; customers eligible per week = the month's
    customers spread over 30 days."""
    from storytelling.abtest import designs

    n = lift.curves.n
    dated = lift.curves.evaluation.period.dated
    return {d.key: d for d in designs(churn_rate=lift.curves.model.base_rate, contact_share=lift.contacts / n,
                                      hit_rate=lift.point.hit_rate, save_rate=lift.assumptions.save_rate,
                                      customers_per_week=n * 7 / 30 if dated else None, **plan_options)}


def build_story(lift: LiftResult, *, title: str = DEFAULT_TITLE, audience: str = EXECUTIVE,
                findings: list[Finding] | None = None, backtest: BacktestResult | None = None,
                drivers: DriverResult | None = None, ab: Finding | None = None, ab_plan: Finding | None = None,
                full: bool = False, keys: list[str] | None = None, glossary: Glossary | None = None,
                data_name: str = "", left_out: dict[str, str] | None = None, made: date | None = None,
                sensitive: list[str] | None = None) -> Story:
    """The story of ``findings`` (by default those of the results given); ``keys`` picks and orders
    findings (unknown keys are ignored; "decision" is the decision asked, derived from the others), ``full``
    adds the supporting findings to the default choice."""
    found = findings if findings is not None else available_findings(lift, backtest=backtest, drivers=drivers,
                                                                      ab_plan=ab_plan, ab=ab)
    if keys is None:
        keys = ["decision"] + [f.key for f in found] if full else headline_keys(found)
    ev = lift.curves.evaluation
    gl = {}
    if glossary is not None:
        gl = {c: t.name + (f" ({t.unit})" if t.unit else "") for c, t in glossary.terms.items()}
    story = Story(title=title, findings=found, audience=audience, assumptions=assumption_texts(lift),
                  subtitle=(f"Measured on the customers of {ev.period.label}" if ev.period.dated else
                            f"Measured on all {fmt_count(lift.curves.n, people=False)} customers in the file"),
                  period=_period(lift), data_name=data_name,
                  glossary=gl, left_out=dict(left_out or {}), dated=ev.period.dated, made=made,
                  sensitive=list(sensitive or []))
    return select(story, keys)


def select(story: Story, keys: list[str], *, title: str | None = None, audience: str | None = None) -> Story:
    """The same story with the findings ``keys`` (in that order; unknown keys ignored) and its next
    steps for them; "decision" is derived from the chosen others; nothing else is computed again."""
    by_key = {f.key: f for f in story.findings if f.key != "decision"}
    found = [by_key[k] for k in keys if k in by_key]
    decision = decision_finding(found, dated=story.dated, today=story.made) if "decision" in keys else None
    test = deciding_readout(found)  # the readout as the decision reads it (the list's own, when there is one)
    # a real test overrides the replay: unless it shows the list pays, the ask is the test's
    replay_ask = test is None or test.fact("worked").value
    # ... and once a test has run, its readout says what to do next, not the plan for running one
    # ... and before a test, the test comes first and the list follows it (as the decision says)
    testing_first = test is None and any(f.key == "ab_plan" for f in found)
    ordered = sorted(found, key=lambda f: not (testing_first and f.key == "ab_plan"))
    steps = [s for f in ordered if (replay_ask or f.key != "best_depth") and not (test and f.key == "ab_plan")
             for s in (test.next_steps if f.key == "ab_readout" else f.next_steps)]
    steps = list(dict.fromkeys(steps))
    if not any(f.key in ("ab_plan", "ab_readout") for f in found):
        steps.append(AB_NEXT)
    if decision is not None:
        found.insert(min(keys.index("decision"), len(found)), decision)
    return replace(story, findings=found, next_steps=steps, title=title or story.title,
                   audience=audience or story.audience)


def _period(lift: LiftResult) -> str:
    ev = lift.curves.evaluation
    if ev.as_of is None:
        return (f"All {fmt_count(lift.curves.n, people=False)} customers in the file (no dates), each scored by a "
                "model that did not see them" if ev.source == "baseline" else
                f"All {fmt_count(lift.curves.n, people=False)} customers in the file (no dates)")
    train = f"; model trained on snapshots up to {fmt_date(ev.train_end)}" if ev.train_end is not None else ""
    return (f"Customers of {fmt_date(ev.as_of)} ({fmt_count(lift.curves.n, people=False)}), outcome one month "
            f"later{train}")
