"""The kept scenarios side by side, in words: which earns most, what each trade-off buys, which lose money.

One :class:`Finding` (key ``options``) that the page, the deck's options slide, the report and
the note all draw. Its facts name the recommended option (``rec_*``), which the decision reads;
every option's figures are the single what-if's own facts (:func:`storytelling.lift.outcome_facts`),
prefixed by the option's place in the table.
"""

from __future__ import annotations

import pandas as pd

from storytelling import charts
from storytelling import plot as plots
from storytelling.lift import outcome_facts
from storytelling.options import ScenarioResult
from storytelling.story import Fact, Finding, Period, fmt_count, fmt_exact, fmt_money, texts

#: Figures that differ by less than this are said to be the same ("keeps about as many").
SAME_PEOPLE = 1.0


def callable_list(r: ScenarioResult) -> bool:
    """Whether marketing can make the option's calls (its list fits its capacity)."""
    cap = r.scenario.assumptions.capacity
    return not cap or r.contacts <= cap


def recommended(results: list[ScenarioResult]) -> ScenarioResult | None:
    """The option that earns the most after its costs among those marketing can call, or None when none
    of those makes money."""
    best = max((r for r in results if callable_list(r)), key=lambda r: r.outcome.net, default=None)
    return best if best is not None and best.outcome.net > 0 else None


def in_order(results: list[ScenarioResult]) -> list[ScenarioResult]:
    """The recommended option first, then the others as they were kept."""
    rec = recommended(results)
    return results if rec is None else [rec, *(r for r in results if r is not rec)]


def rule_words(r: ScenarioResult, names: dict[str, str]) -> str:
    """'the riskiest 700 month-to-month customers (not on today's rule)' / 'risk 30% or more: 812'."""
    s = r.scenario
    groups = " and ".join(f"{names.get(c, c)} is {' or '.join(v)}" for c, v in s.focus)
    who = f" whose {groups}" if groups else ""
    rule = f"risk {_percent(s.threshold)} or more{who}: {fmt_exact(r.contacts)}" if s.by_risk else \
        f"riskiest {fmt_exact(r.contacts)}{who}"
    return rule + (", not on today's rule" if s.skip_rule else "")


def _percent(t: float) -> str:
    """A threshold as typed: 30% or 99.9% (never rounded onto another threshold)."""
    return f"{t * 100:.2f}".rstrip("0").rstrip(".") + "%"


def difference(a: ScenarioResult, b: ScenarioResult, currency: str, per: str) -> str:
    """'B keeps about 40 more customers than A for $9k more a month, netting $3k more.'"""
    ds, dc, dn = (getattr(a.outcome, x) - getattr(b.outcome, x) for x in ("saved", "cost", "net"))
    kept = (f"keeps about {fmt_count(ds)} more customers than {b.name}" if ds >= SAME_PEOPLE else
            f"keeps about {fmt_count(-ds)} fewer customers than {b.name}" if ds <= -SAME_PEOPLE else
            f"keeps about as many customers as {b.name}")
    dc_text, dn_text, zero = fmt_money(abs(dc), currency), fmt_money(abs(dn), currency), fmt_money(0, currency)
    cost = " at about the same cost" if dc_text == zero else f" for {dc_text} {'more' if dc > 0 else 'less'}{per}"
    if dn_text == zero:
        net = ", netting about the same"
    elif a.outcome.net < 0 and b.outcome.net < 0:  # two losses: which loses less
        net = f", losing {dn_text} {'less' if dn > 0 else 'more'}{per}"
    else:
        net = f", netting {dn_text} {'more' if dn > 0 else 'less'}{per}"
    return f"{a.name} {kept}{cost}{net}."


def _about(x: float) -> str:
    text = fmt_count(x)
    return text if text == "fewer than 1" else f"about {text}"


def loss_words(r: ScenarioResult, currency: str, per: str) -> list[str]:
    """Where the option's own rule stops paying; a list that calls nobody, is cut short or is longer than
    marketing can call."""
    k, net, best, money = fmt_exact(r.contacts), r.outcome.net, r.best_outcome.net, lambda v: fmt_money(v, currency)
    s, out = r.scenario, []
    if r.contacts == 0:
        out.append(f"{r.name} calls nobody: none of its customers is at or above its risk threshold.")
    elif r.best == 0 and r.any_pays:
        out.append(f"No list of {r.name} that marketing can call pays: only lists longer than its capacity of "
                   f"{fmt_exact(s.assumptions.capacity)} would.")
    elif r.best == 0:
        out.append(f"No list size of {r.name} pays: its calls cost more than the customers they keep are worth.")
    elif net <= 0 and r.pays_up_to is not None and r.contacts > r.pays_up_to:
        out.append(f"{r.name} loses money after {fmt_exact(r.pays_up_to)} calls: its list of {k} nets {money(net)}{per}. "
                   f"It earns the most at {fmt_exact(r.best)} calls ({money(best)}{per}); each call beyond that costs "
                   "more than it keeps.")
    elif net <= 0:
        out.append(f"{r.name}'s list of {k} loses {money(-net)}{per}; {fmt_exact(r.best)} calls would earn "
                   f"{money(best)}{per}.")
    elif r.contacts > r.best and best - net > 0.05 * abs(best):
        out.append(f"{r.name} would earn more with fewer calls: {fmt_exact(r.best)} calls make {money(best)}{per}; "
                   "each call beyond that costs more than it keeps.")
    if not s.by_risk and s.contacts > r.customers:
        out.append(f"{r.name} asks for {fmt_exact(s.contacts)} calls, but only {fmt_exact(r.customers)} customers are "
                   "in its groups: its list is all of them.")
    if s.assumptions.capacity and r.contacts > s.assumptions.capacity:
        out.append(f"The list of {r.name} ({k}) is longer than marketing can call ({fmt_exact(s.assumptions.capacity)}"
                   f"{per}), so it is not recommended however much it earns.")
    return out


def part_words(r: ScenarioResult, currency: str, per: str) -> list[str]:
    """Each group's share of an option with its own offers (groups the list does not reach are left unsaid)."""
    return [f"In {r.name}, {label} {'gets' if label == 'everyone else' else 'get'} {fmt_exact(k)} of the calls at "
            f"{fmt_money(price, currency)} each, keeping {_about(o.saved)} for {fmt_money(o.cost, currency)}{per}."
            for label, k, o, price in r.parts if k > 0]


def options_table(results: list[ScenarioResult], names: dict[str, str], currency: str, per: str) -> pd.DataFrame:
    """The side-by-side table (recommended first, marked), as every view shows it."""
    rec = recommended(results)
    rows = []
    for r in in_order(results):
        f = texts({x.name: x for x in outcome_facts(r.outcome, r.ranges, currency)})
        rows.append({"Option": ("★ " if r is rec else "") + r.name, "List": rule_words(r, names),
                     f"Kept{per}": _with_range(f, "saved"),
                     f"Leavers reached{per}": fmt_count(r.outcome.churners_reached), f"Cost{per}": f["cost"],
                     f"Net value{per}": _with_range(f, "net"),
                     "Return": f["roi"], "Best list size": fmt_exact(r.best) if r.best else
                     "none within capacity" if r.any_pays else "none pays"})
    return pd.DataFrame(rows)


def side_by_side_rows(table: pd.DataFrame) -> list[tuple[str, ...]]:
    """The table turned so each option is a column (a slide holds five options across, not eight figures)."""
    t = table.astype(str).set_index("Option").T
    return [("", *t.columns), *((name, *row) for name, row in zip(t.index, t.to_numpy().tolist(), strict=True))]


def _with_range(T: dict[str, str], key: str) -> str:
    lo, hi = T[f"{key}_low"], T[f"{key}_high"]
    return T[key] if lo == hi else f"{T[key]} ({lo}–{hi})"


def _facts(results: list[ScenarioResult], currency: str) -> dict[str, Fact]:
    f: dict[str, Fact] = {"options": Fact("options", len(results), "options", fmt_exact(len(results)))}
    fits = sum(callable_list(r) for r in results)
    f["among"] = Fact("among", fits, "options", f"the {fmt_exact(len(results))} options" if fits == len(results)
                      else f"the {fmt_exact(fits)} options marketing can call" if fits > 1
                      else f"the {fmt_exact(len(results))} options, the only one marketing can call")
    for i, r in enumerate(in_order(results), 1):
        f[f"opt{i}_name"] = Fact(f"opt{i}_name", r.name, "name", r.name)
        f[f"opt{i}_contacts"] = Fact(f"opt{i}_contacts", r.contacts, "customers", fmt_exact(r.contacts))
        f.update({x.name: x for x in outcome_facts(r.outcome, r.ranges, currency, prefix=f"opt{i}_")})
    rec = recommended(results)
    if rec is not None:  # the first option is the recommended one: its figures under the decision's names
        f.update({k.replace("opt1_", "rec_"): Fact(k.replace("opt1_", "rec_"), v.value, v.unit, v.text)
                  for k, v in f.items() if k.startswith("opt1_")})
    return f


def _title(results: list[ScenarioResult], f: dict[str, Fact], per: str) -> str:
    T = texts(f)
    if "rec_name" not in f:
        if any(r.outcome.net > 0 for r in results):
            return f"None of the {T['options']} options both pays for its calls and fits marketing's capacity"
        return (f"None of the {T['options']} options pays for its calls at its own assumptions" if len(results) > 1
                else f"{results[0].name} does not pay for its calls at its own assumptions")
    if len(results) == 1:
        return f"{T['rec_name']} earns about {T['rec_net']}{per} after its costs"
    if f["among"].value == 1:
        return (f"Of the {T['options']} options only {T['rec_name']} fits marketing's capacity: it earns about "
                f"{T['rec_net']}{per} after its costs")
    return f"Of {T['among']}, {T['rec_name']} earns the most: about {T['rec_net']}{per} after its costs"


def _close_call(rec: ScenarioResult, runner: ScenarioResult) -> str | None:
    """When the lead is smaller than the uncertainty in either figure, the two are said to earn about the same."""
    half = max((x.ranges.net.high - x.ranges.net.low) / 2 for x in (rec, runner))
    if rec.outcome.net - runner.outcome.net < half:
        return (f"The lead of {rec.name} over {runner.name} is smaller than the uncertainty in either figure: on this data "
                "the two earn about the same, so choose on what else differs (how many calls, which customers).")
    return None


def options_finding(results: list[ScenarioResult], cannot: dict[str, str], *, names: dict[str, str], currency: str,
                    period: Period) -> Finding:
    """The kept scenarios side by side (at least one)."""
    per = period.per
    order = in_order(results)
    rec, f = recommended(results), _facts(results, currency)
    lead, others = order[0], order[1:]
    runner = max(others, key=lambda r: r.outcome.net, default=None)  # the trade-off that matters most
    headline = (difference(lead, runner, currency, per) if runner is not None else
                f"Keep another scenario on the Retention lift page to compare it with {lead.name}.")
    bullets = [difference(r, lead, currency, per) for r in others if r is not runner]
    for r in order:
        bullets += loss_words(r, currency, per) + part_words(r, currency, per)
    caveats = [f"{name} is left out: {why}" for name, why in cannot.items()]
    rival = max((r for r in others if callable_list(r)), key=lambda r: r.outcome.net, default=None)
    if rec is not None and rival is not None and (close := _close_call(rec, rival)):  # rivals marketing can call
        caveats.append(close)
        f["close_call"] = Fact("close_call", True, "", close)  # the decision says it too
    table = options_table(results, names, currency, per)
    return Finding(
        key="options", title=_title(results, f, per), headline=headline, bullets=bullets, facts=f, caveats=caveats,
        chart=lambda: charts.options_chart(_chart_data(order, currency), currency, per=per),
        plot=lambda: plots.table(side_by_side_rows(table),
                                 alt=f"Table: the {fmt_exact(len(results))} option{'s' if len(results) > 1 else ''} side by side, "
                                     f"the recommended first. {headline}",
                                 highlight=(0, 1) if rec is not None else None),
        notes=[f"Each option calls its own customers riskiest first, priced at its own assumptions; ranges: "
               f"{period.range_meaning}. The best list size is the one that earns the most within marketing's "
               "capacity, for that option's rule (the whole capacity when it earns within 1% of that)."],
    )


def _chart_data(order: list[ScenarioResult], currency: str) -> pd.DataFrame:
    rec = recommended(order)
    return pd.DataFrame({
        "option": [r.name for r in order], "net": [r.outcome.net for r in order],
        "low": [r.ranges.net.low for r in order], "high": [r.ranges.net.high for r in order],
        "label": [fmt_money(r.outcome.net, currency) for r in order],
        "best": ["Recommended" if r is rec else "Other option" for r in order]})
