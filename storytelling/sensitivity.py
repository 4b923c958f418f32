"""What if the assumptions are wrong: the list's net value for other shares kept and other values of
a kept customer, and the share the offer must keep for the list to pay for itself.

The list (its size and who is on it) stays as chosen; only the two assumptions nobody has measured
yet move. Net value is linear in both (value kept = share kept x value of the reached leavers), so
each cell is exact, not a re-simulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from storytelling import charts
from storytelling import plot as plots
from storytelling.lift import LiftResult, break_even_save_rate
from storytelling.story import Fact, Finding, facts, fmt_exact, fmt_money, fmt_pct, fmt_pct_up, texts
from storytelling.targeting import unagreed

SHARES = (0.1, 0.2, 0.3, 0.4, 0.5)
VALUE_FACTORS = (0.5, 0.75, 1.0, 1.5)


@dataclass(frozen=True)
class Sensitivity:
    grid: pd.DataFrame  # share, factor, value_label, net
    shares: tuple[float, ...]
    factors: tuple[float, ...]
    break_even: float  # share kept at which the list pays its costs (inf: never)
    current_share: float
    to_agree: tuple[str, ...]  # assumptions still at their starting values


def value_label(result: LiftResult, factor: float) -> str:
    """The value of a kept customer at ``factor`` times today's, as the assumptions word it."""
    a = result.assumptions
    if result.curves.uses_value and a.value_months:
        return f"{a.value_months * factor:g} months of charges"
    if result.curves.uses_value:
        return f"{factor:g}x the value column"
    return fmt_money(a.value_per_saved * factor, result.currency)


def sensitivity(result: LiftResult) -> Sensitivity:
    k, a = result.contacts, result.assumptions
    worth_all = result.curves.model.outcome(k, replace(a, save_rate=1.0)).value  # every reached leaver kept
    shares = tuple(sorted(set(SHARES) | {round(a.save_rate, 4)}))
    rows = [(s, f, value_label(result, f), worth_all * s * f - a.cost(k)) for s in shares for f in VALUE_FACTORS]
    return Sensitivity(pd.DataFrame(rows, columns=["share", "factor", "value_label", "net"]), shares, VALUE_FACTORS,
                       break_even_save_rate(result), a.save_rate, tuple(unagreed(a, uses_value=result.curves.uses_value)))


def _table_rows(sens: Sensitivity, currency: str) -> list[tuple[str, ...]]:
    g = sens.grid
    labels = [g.loc[g["factor"] == f, "value_label"].iloc[0] for f in sens.factors]
    rows = [("Share kept \u2193  /  value of a kept customer \u2192", *labels)]
    for s in sens.shares:
        cells = g[g["share"] == s].sort_values("factor")["net"]
        rows.append((fmt_pct(s) + (" (today)" if math.isclose(s, sens.current_share) else ""),
                     *(fmt_money(v, currency) for v in cells)))
    return rows


def _table_values(sens: Sensitivity) -> list[list[float]]:
    """The table's body as numbers, in the rows' and columns' order."""
    g = sens.grid
    return [list(g[g["share"] == s].sort_values("factor")["net"]) for s in sens.shares]


def sensitivity_finding(result: LiftResult) -> Finding:
    sens = sensitivity(result)
    per = " a month" if result.curves.evaluation.period.dated else ""
    cur, k = result.currency, result.contacts
    g = sens.grid
    f = facts(
        Fact("break_even", sens.break_even, "share", fmt_pct_up(sens.break_even)),  # 'at least': rounded up
        Fact("break_even_half", 2 * sens.break_even, "share", fmt_pct_up(2 * sens.break_even)),
        Fact("worst_net", float(g["net"].min()), cur, fmt_money(float(g["net"].min()), cur)),
        Fact("best_net", float(g["net"].max()), cur, fmt_money(float(g["net"].max()), cur)),
        Fact("contacts", k, "customers", fmt_exact(k)),
    )
    T = texts(f)
    if not math.isfinite(sens.break_even) or sens.break_even > 1:
        title = "At these costs and this value of a kept customer, the list cannot pay for itself whatever share the offer keeps"
    elif sens.break_even <= sens.current_share:
        title = f"The list pays for itself as long as the offer keeps at least {T['break_even']} of the leavers we call"
    else:
        title = f"At these assumptions the list loses money: the offer would have to keep at least {T['break_even']} of the leavers we call"
    rows = _table_rows(sens, cur)
    bullets = [f"Each cell is the net value{per} of the same list of {T['contacts']} customers after "
               f"{fmt_money(result.model.cost, cur)} of campaign costs."]
    if math.isfinite(sens.break_even) and 2 * sens.break_even <= 1:
        bullets.append(f"If a kept customer is worth half as much, the offer must keep {T['break_even_half']} instead.")
    bullets.append(f"Across the table the list's net value runs from {T['worst_net']} to {T['best_net']}{per}.")
    if sens.to_agree:
        bullets.append("Still to be agreed with marketing (the app's starting values): " + ", ".join(sens.to_agree) + ".")
    hi = (sens.shares.index(min(sens.shares, key=lambda s: abs(s - sens.current_share))) + 1, sens.factors.index(1.0) + 1)
    return Finding(
        key="sensitivity", title=title,
        headline=f"What the list earns{per} if the offer keeps a different share of the leavers we call, or a kept "
                 "customer is worth more or less than assumed.",
        bullets=bullets, facts=f,
        chart=lambda: charts.sensitivity_chart(g.assign(share_label=g["share"].map(fmt_pct),
                                                        net_label=g["net"].map(lambda v: fmt_money(v, cur))),
                                               [fmt_pct(s) for s in sens.shares]),
        plot=lambda: plots.table(rows, highlight=hi, values=_table_values(sens),
                                 alt=f"Table: net value{per} of the list for shares kept (rows) and values of a kept "
                                     f"customer (columns); break-even at {T['break_even']} kept."),
        notes=[f"Net value = share kept x value of the leavers the list reaches x value factor - cost of "
               f"{fmt_exact(k)} contacts; exact, since both enter linearly."],
    )
