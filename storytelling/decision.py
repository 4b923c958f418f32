"""The decision the story asks for, derived from its findings' own facts.

:func:`decision_finding` reads the list's worth (``lift``), the test plan (``ab_plan``) and, once
a test has run, its readout (``ab_readout``), and writes what the executive is asked to decide:
approve a monthly list of N customers worth $X a month ($Y a year) after $Z of campaign costs, run the test on
N customers for W weeks with a decision date, or, when a test has run, what its result allows.
Every figure is one of those findings' facts (the same object, so the same words); only the
year's worth and the decision date are new, each computed here once.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

from storytelling import charts
from storytelling import plot as plots
from storytelling.story import Fact, Finding, fmt_exact, fmt_money, fmt_range, texts

#: Weeks from the end of enrolment until the last enrolled customers' month is over.
OUTCOME_WEEKS = 4


def decision_finding(findings: list[Finding], *, dated: bool, today: date | None = None) -> Finding | None:
    """The decision slide's finding, or None when the story has no list to decide on."""
    by_key = {f.key: f for f in findings}
    lift = by_key.get("lift")
    if lift is None:
        return None
    test, plan, options = deciding_readout(findings), by_key.get("ab_plan"), by_key.get("options")
    if test is None and options is not None and "rec_name" in options.facts and options.fact("options").value > 1:
        d = _choose_option(options, plan, dated)
    else:
        d = (_after_test(lift, test, dated) if test is not None else
             _before_test(lift, plan, by_key.get("best_depth"), dated, today or date.today()))
        if options is not None:
            d.bullets.append(_options_line(options, dated))
    if not dated and (note := _gone_from_the_list(lift, by_key.get("population"))):
        d.bullets.append(note)
    return _with_figures(d, dated)


def deciding_readout(findings: list[Finding]) -> Finding | None:
    """The test readout the decision rests on, or None before a test: the list's own when the test was
    read customer by customer (:func:`as_list_readout`); 'worked' only when it also pays for the calls."""
    by_key = {f.key: f for f in findings}
    test = by_key.get("ab_readout")
    if test is None:
        return None
    if "list_net" in (by_key.get("uplift") or test).facts:
        return as_list_readout(test, by_key["uplift"])
    if test.fact("worked").value and "net_per_month" in test.facts and test.fact("net_per_month").value <= 0:
        return _unpaid(test, test.facts, "the campaign keeps customers, but fewer than pay for the calls",
                       test.next_steps)
    return test


def as_list_readout(test: Finding, uplift: Finding) -> Finding:
    """The readout as the list's own: when the test was read customer by customer, what the riskiest
    customers on the list kept in it (not the whole test's average) prices the list."""
    f = dict(test.facts)
    for mine, theirs in (("priced_for", "list_contacts"), ("kept_per_month", "list_kept"), ("net_per_month", "list_net"), ("net_low", "list_net_low"),
                         ("net_high", "list_net_high"), ("worked", "list_worked"), ("list_per_100", "list_per_100"),
                         ("list_per_100_range", "list_per_100_range"),
                         ("range_level", "list_range_level")):
        f[mine] = uplift.fact(theirs)
    if f["net_high"].value < 0:  # a loss at either end of the range: said as such, not as 'cannot tell'
        harm = uplift.fact("list_kept").value < 0
        return _unpaid(test, f, "on customers like the list's, the test shows calls make more of them leave" if harm
                       else "on customers like the list's, the test shows the calls cost more than they keep",
                       [LIST_REVISE_STEP])
    if not f["worked"].value:
        return _unpaid(test, f, "the test cannot yet tell whether calling the list keeps customers", [LIST_TEST_STEP])
    if f["net_per_month"].value <= 0:  # it keeps customers, but fewer than pay for the calls
        return _unpaid(test, f, "the list keeps customers, but fewer than pay for its calls", [LIST_TEST_STEP])
    better = uplift.facts.get("verdict") is not None and uplift.fact("verdict").value == "more"
    return replace(test, facts=f, next_steps=[LIST_BY_EFFECT_STEP if better else LIST_ROLL_STEP])


#: What to do when the test does not show that the list pays for its calls.
LIST_TEST_STEP = ("Test the list itself before scaling up: call part of the model's list and leave the rest alone "
                  "(the A/B test page sizes it), so the result speaks for the customers the model picks.")
#: What to do when the test shows calling the list pays.
LIST_ROLL_STEP = ("Roll the campaign out to the model's list, keeping a small comparison group to watch that the "
                  "effect lasts.")
#: ... and picking by the offer's effect pays more (the 'Whom the campaign keeps' finding).
LIST_BY_EFFECT_STEP = ("Picking the same number of customers by the offer's expected effect keeps more (the 'Whom "
                       "the campaign keeps' page): call those, leave out those a call pushes to leave, and keep a "
                       "comparison group to confirm the gain.")
#: What to do when the test shows calling the list loses.
LIST_REVISE_STEP = ("Do not call the model's list with this offer: change the offer or whom it goes to (the 'Whom the "
                    "campaign keeps' page), then test again.")


def _unpaid(test: Finding, f: dict[str, Fact], title: str, steps: list[str]) -> Finding:
    """The readout, as the decision reads it, when the test does not show the calls pay."""
    f = dict(f)
    f["worked"] = Fact("worked", False, "", "no")
    return replace(test, facts=f, title=title, next_steps=steps)


def _gone_from_the_list(lift: Finding, population: Finding | None) -> str | None:
    """A file without dates replays its top N, leavers included; the call list holds only those still
    here. When N is more than are still here, say how many names the call list really has."""
    if population is None:
        return None
    here = population.fact("customers").value - population.fact("leavers").value
    if lift.fact("contacts").value <= here:
        return None
    return (f"Only {fmt_exact(here)} of the file's customers are still with us, so the call list has "
            f"{fmt_exact(here)} names; the figures replay the top {lift.fact('contacts').text} of the whole file.")


CAPTIONS = {"contacts": "customers on the list{per}", "net": "net value{per}", "net_year": "a year",
            "kept_per_month": "kept{per}, as tested", "net_per_month": "net value{per}, as tested",
            "control_rate": "left without the campaign", "test_rate": "left with it", "total": "customers in the test",
            "decision_date": "decision by", "cost": "campaign costs{per}", "best_contacts": "customers on the best list",
            "best_net": "the best list's net value{per}", "net_range": "net value{per} at the effect measured so far",
            "list_per_100": "kept per 100 called, on customers like the list's ({range})",
            "rec_contacts": "customers on the chosen list{per}", "rec_saved": "customers kept{per}",
            "rec_net": "net value{per}", "rec_cost": "campaign costs{per}"}


def _figure_keys(d: Finding) -> list[str]:
    """The decision's key figures: a test's own once it ran (never the replay's it replaces)."""
    if "control_rate" in d.facts:
        rates = ["list_per_100"] if "list_per_100" in d.facts else ["control_rate", "test_rate"]  # the list's own
        return rates + (["kept_per_month", "net_per_month"] if d.fact("worked").value else ["net_range"])
    if "rec_net" in d.facts:
        return ["rec_contacts", "rec_saved", "rec_net", "rec_cost"]
    if "best_contacts" in d.facts:
        return ["contacts", "net", "best_contacts", "best_net"]
    if d.fact("net").value <= 0:
        return ["contacts", "net", "cost"]
    return ["contacts", "net", "net_year", "decision_date" if "decision_date" in d.facts else "total"]


def _with_figures(d: Finding, dated: bool) -> Finding:
    """The decision with its key figures as a card (page, report) and as text (the deck)."""
    per = " a month" if dated else ""
    if "net_low" in d.facts and not d.fact("worked").value:
        low, high = d.fact("net_low"), d.fact("net_high")
        d.facts["net_range"] = Fact("net_range", None, low.unit, f"{low.text} to {high.text}")
    items = [_card(d, k, per) for k in _figure_keys(d) if k in d.facts]
    d.chart = lambda: charts.figure_card(items)
    d.plot = lambda: plots.figures(items, alt=d.title)
    return d


def _card(d: Finding, key: str, per: str) -> tuple[str, str]:
    """A key figure and its caption; the list's effect is shown as its number, its range in the caption."""
    if key == "list_per_100":
        return f"{d.fact(key).value:.1f}", CAPTIONS[key].format(range=d.fact("list_per_100_range").text)
    return d.fact(key).text, CAPTIONS[key].format(per=per)


def _worth(lift: Finding, dated: bool) -> tuple[dict[str, Fact], str]:
    """The list's facts for the decision and 'worth $X a month ($Y a year) after $Z of campaign costs'."""
    f = {k: lift.fact(k) for k in ("contacts", "saved", "net", "cost")}
    if dated:
        net = f["net"]
        year = net.value * 12
        f["net_year"] = Fact("net_year", year, net.unit, fmt_money(year, net.unit))
    T = texts(f)
    if not dated:  # a file without dates says nothing of time: its customers, once
        return f, (f"worth about {T['net']} on this file's customers after {T['cost']} of campaign costs, keeping "
                   f"about {T['saved']} of them")
    return f, (f"worth about {T['net']} a month ({T['net_year']} a year if every month is like this one) after "
               f"{T['cost']} of campaign costs a month, keeping about {T['saved']} customers a month")


def _test_ask(plan: Finding, dated: bool, today: date) -> tuple[dict[str, Fact], str]:
    """'Run the A/B test on N customers for W weeks; success ...; decision by <date>'."""
    f = {k: plan.fact(k) for k in ("total", "n_test", "n_control", "weeks", "baseline_rate", "target_rate")}
    T = texts(f)
    weeks = f["weeks"].value
    enrol = f": {T['weeks']} of enrolment, then {OUTCOME_WEEKS} weeks to see who left" if weeks else ""
    ask = (f"Test it first on {T['total']} customers ({T['n_test']} called, {T['n_control']} left alone){enrol}"
           f". It is sized to show a fall in churn from {T['baseline_rate']} to {T['target_rate']}; success is "
           "churn clearly lower among those called.")
    if dated and weeks and math.isfinite(weeks):
        when = today + timedelta(weeks=math.ceil(weeks - 1e-9) + OUTCOME_WEEKS)
        f["decision_date"] = Fact("decision_date", when.isoformat(), "date", f"{when.day} {when:%B %Y}")
        ask += f" Decide on the roll-out by {f['decision_date'].text}."
    else:
        ask += " The file has no dates, so how long the test takes depends on how fast customers become eligible."
    return f, ask


def _better_list(lift: Finding, depth: Finding | None) -> tuple[dict[str, Fact], str] | None:
    """When the chosen list is not the one to approve (it loses money, or is longer than marketing can
    call) and the best list size is known: its facts and the sentence saying so."""
    if depth is None or "best_net" not in depth.facts or depth.fact("best_net").value <= 0:
        return None
    k, cap = lift.fact("contacts").value, depth.facts.get("capacity")
    too_long = cap is not None and cap.value is not None and k > cap.value
    if lift.fact("net").value > 0 and not too_long:
        return None
    f = {"best_contacts": depth.fact("best_contacts"), "best_net": depth.fact("best_net")}
    why = "loses money" if lift.fact("net").value <= 0 else f"is longer than marketing can call ({cap.text})"
    return f, (f"The list of {lift.fact('contacts').text} {why}; a list of the top {f['best_contacts'].text} makes "
               f"{f['best_net'].text} instead.")


def _before_test(lift: Finding, plan: Finding | None, depth: Finding | None, dated: bool, today: date) -> Finding:
    f, worth = _worth(lift, dated)
    T = texts(f)
    better = _better_list(lift, depth)
    if better is not None:
        f.update(better[0])
        return Finding(key="decision", title=f"Decision: resize the list to {better[0]['best_contacts'].text} customers "
                       "before asking to approve it", headline=better[1],
                       bullets=[f"Set the list size to {better[0]['best_contacts'].text} on the Retention lift page "
                                "(or in story.toml) and look again."], facts=f)
    per = " a month" if dated else ""
    if f["net"].value <= 0:
        loss = fmt_money(-f["net"].value, f["net"].unit)
        none_pays = "No list size pays at these assumptions: " if depth is not None else ""
        return Finding(
            key="decision", title="Decision: do not start the campaign at these assumptions",
            headline=f"{none_pays}calling {T['contacts']} customers would cost {T['cost']}{per} and lose {loss}{per}."
            if none_pays else f"Calling {T['contacts']} customers would cost {T['cost']}{per} and lose {loss}{per}.",
            bullets=["Agree the cost per contact, the offer and what a kept customer is worth before asking again."],
            facts=f)
    approve = (f"Approve a monthly list of the {T['contacts']} customers the model rates riskiest: {worth}." if dated else
               f"Approve calling the {T['contacts']} customers the model rates riskiest: {worth}.")
    if plan is None:
        return Finding(key="decision", title=f"Decision: approve a list of {T['contacts']} customers{per}, worth "
                       f"{T['net']}{per if dated else ' on this file'}",
                       headline="These figures replay past customers: confirm them with an A/B test before scaling up.",
                       bullets=[approve], facts=f)
    test_facts, ask = _test_ask(plan, dated, today)
    f.update(test_facts)
    return Finding(
        key="decision",
        title=f"Decision: test the model's list on {test_facts['total'].text} customers, then roll out a list of "
              f"{T['contacts']}{per} worth {T['net']}{per if dated else ' on this file'}",
        headline="These figures replay past customers; a test shows how customers react to a call before the whole "
                 "list gets one.",
        bullets=[ask, "If the test confirms it: " + approve[0].lower() + approve[1:]], facts=f)


def _choose_option(options: Finding, plan: Finding | None, dated: bool) -> Finding:
    """Before a test, with options kept: choose the one that earns the most (the options slide's first)."""
    per = " a month" if dated else ""
    f = {k: v for k, v in options.facts.items() if k.startswith("rec_") or k in ("options", "among")}
    f["rests_on"] = Fact("rests_on", options.key, "finding", options.title)  # the summary and the note lead with it
    T = texts(f)
    approve = (f"Choose {T['rec_name']}: call {T['rec_contacts']} customers{per}, keeping about {T['rec_saved']} "
               f"({fmt_range(T['rec_saved_low'], T['rec_saved_high'])}) for {T['rec_cost']} of campaign costs, "
               f"worth {T['rec_net']}{per} after them ({fmt_range(T['rec_net_low'], T['rec_net_high'])}).")
    bullets = [approve, options.headline]
    if "close_call" in options.facts:
        bullets.append(options.fact("close_call").text)
    if plan is not None:  # the plan on the A/B test page sizes the page's list, not this option's: no figures here
        bullets.append(f"Test {T['rec_name']} first: call part of its list and leave the rest alone (the A/B test page "
                       "sizes such a test), so the result speaks for the customers this option calls.")
    return Finding(key="decision", title=f"Decision: choose {T['rec_name']} of {T['among']}, worth about "
                   f"{T['rec_net']}{per} after its costs",
                   headline="These figures replay past customers; the options slide sets them side by side"
                            + (", and a test confirms the chosen one before it reaches everyone." if plan else "."),
                   bullets=bullets, facts=f)


def _options_line(options: Finding, dated: bool) -> str:
    """What the kept options add when the decision rests on something else (a test, or none pays)."""
    per = " a month" if dated else ""
    if "rec_name" not in options.facts:
        return options.title + "."
    if options.fact("options").value == 1:
        return (f"The one option kept, {options.fact('rec_name').text}, earns about {options.fact('rec_net').text}{per} "
                "after its costs on past customers.")
    return (f"Of {options.fact('among').text} compared on past customers, {options.fact('rec_name').text} "
            f"earns the most: about {options.fact('rec_net').text}{per} after its costs.")


def _range_line(test: Finding, per: str) -> str:
    """What calling the customers the test's money was counted for would be worth, at either end of its range."""
    low, high = test.fact("net_low"), test.fact("net_high")
    who = test.fact("priced_for").text
    verdict = ("a loss at either end" if high.value < 0 else "a gain at either end" if low.value > 0 else
               "the test cannot yet tell a gain from a loss")
    return (f"At the effect measured so far, calling {who} customers{per} would net anywhere from {low.text} to "
            f"{high.text} after the calls{_level(test)}: {verdict}.")


def _level(test: Finding) -> str:
    """' (with 90% confidence)': how sure the money range is, as the readout it comes from says."""
    level = test.facts.get("range_level")
    return f" (with {level.text} confidence)" if level is not None else ""


def _after_test(lift: Finding, test: Finding, dated: bool) -> Finding:
    """Once a test has run, its readout replaces the replay's estimate, and says so."""
    f = {k: test.facts[k] for k in ("control_rate", "test_rate", "worked", "list_per_100", "list_per_100_range")
         if k in test.facts}
    replay = {k: lift.fact(k) for k in ("contacts", "net")}
    f.update(replay)
    per = " a month" if dated else ""
    T = texts(f)
    priced = "net_per_month" in test.facts
    if priced:
        f.update({k: test.fact(k) for k in ("kept_per_month", "net_per_month", "net_low", "net_high")})
        T = texts(f)
    if test.fact("worked").value and priced:
        title = f"Decision: roll the list of {T['contacts']} customers out, worth about {T['net_per_month']}{per}"
        bullets = [f"Approve the list of {T['contacts']} customers{per}: at the effect the test measured it keeps about "
                   f"{T['kept_per_month']} customers{per}, worth {T['net_per_month']}{per} after the campaign costs "
                   f"(from {T['net_low']} to {T['net_high']}{_level(test)}).", test.next_steps[0]]
    else:
        title = ("Decision: roll the list out" if test.fact("worked").value else
                 "Decision: do not scale the campaign up yet") + ", because " + test.title[0].lower() + test.title[1:]
        bullets = [test.next_steps[0]]
        if priced and not test.fact("worked").value:
            bullets.append(_range_line(test, per))
    mine = (f"; on customers like the list's, the call kept {T['list_per_100']}" if "list_per_100" in f else "")
    return Finding(
        key="decision", title=title,
        headline=f"The campaign test, not the replay, decides: churn was {T['control_rate']} without the campaign and "
                 f"{T['test_rate']} with it{mine}. The replay's {T['net']}{per} rested on the assumed share the offer "
                 "keeps.",
        bullets=bullets, facts=f)
