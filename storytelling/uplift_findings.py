"""Whom the campaign keeps, in words: the finding drawn by the page, the deck, the report and the note."""

from __future__ import annotations

import pandas as pd

from storytelling import charts
from storytelling import plot as plots
from storytelling.abtest import kept_text
from storytelling.story import Fact, Finding, facts, fmt_count, fmt_date, fmt_money, fmt_pct
from storytelling.uplift import CONFIDENCE, Effect, ListCompare, UpliftResult

CAVEAT = ("An estimate from one test: the groups it names and the list it draws need confirming in the next test "
          "before the whole campaign relies on them.")


OWN_COLUMNS = ("The results file names no customers, so the test's customers were scored by the story's model, "
               "which learnt from the customer table: if they are among its customers, the bands of risk may look "
               "sharper than they would be for a fresh list.")


def per_100_number(x: float) -> str:
    """A share as customers per 100: '2.1', 'minus 0.4', '0'."""
    return f"{x * 100:+.1f}".replace("+", "").replace("-", "minus ") if abs(x) >= 0.0005 else "0"


def per_100(e: Effect) -> str:
    """'2.1 per 100 called (0.4 to 3.8)' with harm said as such."""
    n = per_100_number
    return f"{n(e.kept)} per 100 called ({n(e.low)} to {n(e.high)})"


def band_table(bands: list[Effect]) -> pd.DataFrame:
    """The effect per band in customers kept per 100 called (the chart's and the deck's table)."""
    return pd.DataFrame({"band": [b.label for b in bands], "kept": [b.kept * 100 for b in bands],
                         "low": [b.low * 100 for b in bands], "high": [b.high * 100 for b in bands],
                         "customers": [b.customers for b in bands]})


def _band_plot(bands: list[Effect], title: str) -> plots.Plot:
    t = band_table(bands)
    return plots.one_bar_series(list(t["band"]), list(t["kept"]), [f"{v:.1f}" for v in t["kept"]],
                                title="Customers kept per 100 called", alt=title, low=list(t["low"]),
                                high=list(t["high"]))


def _gain_plot(curve: pd.DataFrame, title: str) -> plots.Plot:
    data = curve.rename(columns={"list": "policy"}).assign(share=lambda d: d["share"] * 100)
    colours = {"By expected effect": charts.ACCENT, "By risk": charts.POLICY_COLOURS[charts.MODEL],
               "At random": charts.POLICY_COLOURS[charts.RANDOM]}
    series = tuple(plots.Series(p, tuple(float(v) for v in g["kept"]), colours[p],
                                xs=tuple(float(v) for v in g["share"]), dashed=p == "At random")
                   for p, g in data.groupby("policy", sort=False))
    return plots.Plot("xy", title, series=series, x_title="Share of customers called (%)",
                      y_title="Customers kept per 100 customers", number_format="0.0")


def risk_sentence(r: UpliftResult) -> str:
    """Does calling the riskiest keep the customers we can keep? One sentence from the risk bands."""
    top, last = r.risk_bands[0], r.risk_bands[-1]
    best = max(r.risk_bands, key=lambda b: b.kept)
    start = f"Among the {top.label.lower()} by the model, the call kept {per_100(top)}"
    if best is top:
        return (f"{start}, the highest of the {len(r.risk_bands)} bands of risk; among the {last.label.lower()}, "
                f"{per_100(last)}.")
    return (f"{start}, and among the {best.label.lower()}, {per_100(best)}: the riskiest are not clearly the "
            f"customers a call keeps most.")


def _keeps(kept: float, low: float, high: float) -> str:
    """'keeps about 26 (anywhere from 1 more leaving to 54 kept)': harm said as such at either end."""
    mid = (f"keeps about {fmt_count(kept)}" if kept >= 0.5 else
           f"makes about {fmt_count(-kept)} more leave" if kept <= -0.5 else "keeps about none")
    if low >= 0.5:  # kept at either end: the plain range
        return f"{mid} ({fmt_count(low)} to {fmt_count(high)})"
    return f"{mid} (anywhere from {kept_text(low)} to {kept_text(high)})"


def _lists(c: ListCompare, r: UpliftResult, f: dict[str, Fact]) -> str:
    k = r.contacts
    e, q = c.by_effect, c.by_risk
    return (f"With the same {fmt_count(k, people=False)} calls, calling those a call is expected to help most "
            f"{_keeps(e.kept * k, e.low * k, e.high * k)}; calling the riskiest "
            f"{_keeps(q.kept * k, q.low * k, q.high * k)}.")


def _verdict(c: ListCompare, f: dict[str, Fact], currency: str) -> str:
    if c.verdict == "more":
        return (f"Picking by the offer's effect keeps about {f['gain'].text} more customers for the same calls, "
                f"worth about {f['gain_value'].text} more.")
    if c.verdict == "fewer":
        return "Picking by risk keeps more customers than picking by the test's estimate of the offer's effect."
    return ("The two lists keep about as many customers: the test does not show that picking by the offer's "
            "effect beats picking by risk.")


def _harm(r: UpliftResult, f: dict[str, Fact]) -> list[str]:
    if r.harmed_share <= 0:
        return ["The analysis found no group of customers whom a call clearly makes more likely to leave."]
    band = r.effect_bands[-1]
    return [f"Leave out the {r.harmed_share:.0%} of today's customers a call is expected to help least (about "
            f"{f['harmed'].text}): in the test, calling customers like them made more leave "
            f"({per_100(band)}). Not every one of them would leave because of a call; as a group they do."]


def order_line(r: UpliftResult) -> str | None:
    """Said when the test does not bear out the expected-effect ranking: the band expected to gain
    least kept at least as many as the band expected to gain most."""
    first, last = r.effect_bands[0], r.effect_bands[-1]
    if first.kept > last.kept:
        return None
    return (f"The test does not bear out the ranking: {last.label.lower()} kept {per_100(last)}, no fewer than "
            f"{first.label.lower()}, which kept {per_100(first)}.")


def responder_lines(r: UpliftResult, names: dict[str, str]) -> list[str]:
    lines = []
    for col, groups, _ in r.responders[:3]:
        hi, lo = groups[0], groups[-1]
        lines.append(f"{names.get(col, col)}: the call keeps most where it is {hi.label} ({per_100(hi)}) and least "
                     f"where it is {lo.label} ({per_100(lo)}).")
    return lines


def _facts(r: UpliftResult, value_per_kept: float, cost: float, currency: str) -> dict[str, Fact]:
    t = r.test
    f = facts(Fact("test_customers", t.n, "customers", fmt_count(t.n, people=False)),
              Fact("test_rows", t.rows, "customers", fmt_count(t.rows, people=False)),
              Fact("overall_per_100", r.overall.kept * 100, "customers", per_100(r.overall)))
    c = r.compare
    if c is not None:
        k = r.contacts
        f["kept_by_effect"] = Fact("kept_by_effect", c.by_effect.kept * k, "customers", fmt_count(c.by_effect.kept * k))
        f["kept_by_risk"] = Fact("kept_by_risk", c.by_risk.kept * k, "customers", fmt_count(c.by_risk.kept * k))
        f["gain"] = Fact("gain", c.gain * k, "customers", fmt_count(c.gain * k))
        f["gain_value"] = Fact("gain_value", c.gain * k * value_per_kept, currency,
                               fmt_money(c.gain * k * value_per_kept, currency))
        worth = c.by_effect.kept * k * value_per_kept - cost
        f["net_by_effect"] = Fact("net_by_effect", worth, currency, fmt_money(worth, currency))
        f["verdict"] = Fact("verdict", c.verdict, "", c.verdict)
        f.update(_list_facts(c.by_risk, k, value_per_kept, cost, currency))
        harmed = r.harmed_share * r.customers
        f["harmed"] = Fact("harmed", harmed, "customers", fmt_count(harmed))
    return f


def _list_facts(e: Effect, k: int, value_per_kept: float, cost: float, currency: str) -> dict[str, Fact]:
    """The story's list (the riskiest ``k``) priced at the effect the test measured on customers like them."""
    from storytelling.story import fmt_money_range

    lo, hi = e.low * k * value_per_kept - cost, e.high * k * value_per_kept - cost
    lo_t, hi_t = fmt_money_range(lo, hi, currency)
    net = e.kept * k * value_per_kept - cost
    return {"list_contacts": Fact("list_contacts", k, "customers", fmt_count(k)),
            "list_kept": Fact("list_kept", e.kept * k, "customers", fmt_count(e.kept * k)),
            "list_net": Fact("list_net", net, currency, fmt_money(net, currency)),
            "list_net_low": Fact("list_net_low", lo, currency, lo_t),
            "list_net_high": Fact("list_net_high", hi, currency, hi_t),
            "list_worked": Fact("list_worked", e.low > 0, "", "yes" if e.low > 0 else "no"),
            "list_per_100": Fact("list_per_100", e.kept * 100, "customers", per_100(e)),
            "list_per_100_range": Fact("list_per_100_range", None, "customers",
                                       f"{per_100_number(e.low)} to {per_100_number(e.high)}"),
            "list_range_level": Fact("list_range_level", CONFIDENCE, "share", fmt_pct(CONFIDENCE))}


def _title(r: UpliftResult) -> str:
    if r.compare is None:
        return "The campaign test is too small to tell whom a call keeps"
    return {"more": "Calling the customers the offer changes keeps more than calling the riskiest",
            "fewer": "Calling the riskiest keeps more than the test's picks",
            "alike": "Picking by the offer's effect keeps about as many as picking by risk"}[r.compare.verdict]


def uplift_finding(r: UpliftResult, *, names: dict[str, str], value_per_kept: float, cost: float, currency: str,
                   next_test: str | None = None) -> Finding:
    """The test read customer by customer: by risk band, the two lists, the harmed, who responds."""
    t, c = r.test, r.compare
    f = _facts(r, value_per_kept, cost, currency)
    when = f" from {fmt_date(t.start)}" if t.start is not None else ""
    read = (f"{f['test_customers'].text} customers, read from the results file's own columns" if t.ids is None else
            f"{f['test_customers'].text} of the results file's {f['test_rows'].text} customers, matched by {t.how}")
    bullets = [f"The test{when}: {read}; overall the call kept {f['overall_per_100'].text}.", risk_sentence(r)]
    caveats = list(r.too_small) + [CAVEAT] + ([OWN_COLUMNS] if t.ids is None else [])
    if c is not None:
        bullets += [_lists(c, r, f), _verdict(c, f, currency), *_harm(r, f), *responder_lines(r, names)]
        if next_test:
            bullets.append(next_test)
            f["next_test"] = Fact("next_test", next_test, "", next_test)
    headline = bullets[2] if c is not None else bullets[1]
    return Finding(
        key="uplift", title=_title(r), headline=headline, bullets=[b for b in bullets if b != headline],
        facts=f, caveats=caveats,
        chart=lambda: charts.effect_bands_chart(band_table(r.risk_bands), "Band of the model's risk"),
        plot=lambda: _band_plot(r.risk_bands, "Customers kept per 100 called, by band of the model's risk"),
        next_steps=(["Call the customers the offer changes, leave out those it pushes to leave, and keep a "
                     "comparison group to confirm it."] if c is not None and c.verdict == "more" else
                    ["Keep picking by risk; run a larger test before picking by the offer's effect."]),
        notes=["Effect = churn of the customers left alone minus churn of those called, in the same group; "
               "ranges: 90% Newcombe (Wilson score) intervals; the two lists: a resampling of the test's "
               "customers (400 draws, the same draws for both lists)."],
        technical=[f"Uplift model: one gradient-boosted model of leaving for called customers and one for the "
                   f"others (T-learner), each test customer scored by models fitted on the other 4 of 5 folds; "
                   f"the ranges do not include refitting. Fit in {r.fit_seconds:.1f} s."] +
                  ([f"Qini at {c.share:.0%} called: effect list {c.by_effect.kept * 100:.2f}, risk list "
                    f"{c.by_risk.kept * 100:.2f} kept per 100 called; difference 90% range "
                    f"[{c.gain_low * 100:+.2f}, {c.gain_high * 100:+.2f}]."] if c is not None else []),
    )


def effect_bands_finding(r: UpliftResult) -> Finding | None:
    """The gain curve and the expected-effect bands, for the page and the full story."""
    if r.compare is None:
        return None
    return Finding(
        key="uplift_curve", title="What each way of picking keeps as the list grows",
        headline=("Customers kept per 100 customers when the first share of them is called: by the offer's "
                  "expected effect, by risk, and at random (measured on the test, each customer scored by a "
                  "model that never saw them)."),
        bullets=[f"{b.label}: {per_100(b)}." for b in r.effect_bands] + [x for x in [order_line(r)] if x],
        chart=lambda: charts.gain_chart(r.curve),
        plot=lambda: _gain_plot(r.curve, "Customers kept per 100 customers by share called"),
        caveats=[CAVEAT],
    )


def next_test_line(r: UpliftResult, *, customers_per_week: float | None, alpha: float = 0.05,
                   power: float = 0.8) -> str | None:
    """The follow-up test: three equal groups (called by expected effect, called by risk, left
    alone), sized to tell the two lists apart at the effect this test measured."""
    from storytelling.abtest import fmt_weeks, plan_test
    from storytelling.errors import DataError

    c = r.compare
    if c is None or c.verdict != "more":  # nothing shown yet that a test could confirm
        return None
    base = r.test.left[~r.test.called].mean()
    by_risk, by_effect = base - c.share * c.by_risk.kept, base - c.share * c.by_effect.kept
    try:
        plan = plan_test(by_risk, by_effect, alpha=alpha, power=power)
    except DataError:
        return None
    total = plan.n_control * 3
    if not customers_per_week and total > r.customers:  # a file without dates: is there anyone to test on?
        return (f"Confirming the gain would take a test of {fmt_count(total, people=False)} customers (three random "
                f"groups: called by the offer's expected effect, called by risk, left alone), more than the "
                f"{fmt_count(r.customers, people=False)} in this file: test over several months' customers, or on "
                "a bigger share of the list, before relying on it.")
    weeks = (f", {fmt_weeks(total / customers_per_week)} of customers at today's pace"
             if customers_per_week else "")
    return (f"The next test: three random groups of {fmt_count(plan.n_control, people=False)} customers each "
            f"({fmt_count(total, people=False)} in all{weeks}); in one, call the {c.share:.0%} a call is expected "
            f"to help most; in another, the {c.share:.0%} riskiest; leave the third alone. It is sized so that "
            f"{power:.0%} of such tests show the gain if it is as large as this test measured.")


def contact_table(r: UpliftResult, names: dict[str, str]) -> pd.DataFrame:
    """Today's customers by expected effect: whom to call first, and whom to leave out."""
    if r.today is None:
        return pd.DataFrame()
    t = r.today.reset_index(drop=True)
    harmed = int(round(r.harmed_share * len(t)))  # the bottom share the test shows a call pushes to leave
    advice = ["call"] * (len(t) - harmed) + ["leave out: a call may push them to leave"] * harmed
    return pd.DataFrame({"rank": range(1, len(t) + 1), "customer id": t["customer_id"].astype(str),
                         "customers kept per 100 calls like this": (t["effect"] * 100).round(1),
                         "risk of leaving": t["risk"].round(4),
                         "advice": advice})

