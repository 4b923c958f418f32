"""Retention lift: who to contact, what it keeps, what it costs, and how it compares.

``build_curves`` sorts the evaluated customers once (for the model and for today's rule);
``analyse_lift`` answers one what-if (a number of contacts under some assumptions) in
milliseconds; ``lift_findings`` turns the result into the findings every page and export draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from storytelling import charts
from storytelling import plot as plots
from storytelling.curve_ranges import BootstrapResult
from storytelling.glossary import infer_term
from storytelling.model import CROSS_FIT_FOLDS, Evaluation
from storytelling.story import (
    Fact,
    Finding,
    Period,
    facts,
    fmt_count,
    fmt_count_range,
    fmt_date,
    fmt_exact,
    fmt_in_ten,
    fmt_money,
    fmt_money_range,
    fmt_pct,
    fmt_pct_up,
    fmt_range,
    fmt_ratio,
    round_sig,
    texts,
)
from storytelling.targeting import Assumptions, Outcome, TargetingCurve, TargetingPoint

FEW_LEAVERS = 30


@dataclass
class Curves:
    """The sorted views of the evaluated customers (built once per data set)."""

    model: TargetingCurve
    status_quo: TargetingCurve | None
    evaluation: Evaluation
    uses_value: bool
    gains: dict | None = field(default=None, repr=False)  # the gains chart's spec, built on first use
    memo: dict = field(default_factory=dict, repr=False)  # what is built once per data set on first use (scenarios' splits)

    @property
    def n(self) -> int:
        return self.model.n

    def warm(self, n_boot: int = 300) -> None:
        """Build the resampling tables now, so the first what-if is as fast as the rest."""
        a = Assumptions(value_per_saved=1.0, cost_per_contact=0.0, save_rate=1.0)
        self.model.bootstrap(1, a, n_boot=n_boot)


def build_curves(evaluation: Evaluation, *, use_value: bool = True, seed: int = 0) -> Curves:
    """Sort the evaluated customers by the model's score and by today's rule.

    Today's rule usually flags customers yes/no; among customers it ranks the same, the order is
    a fixed random shuffle (seeded), so "today's rule at 1,000 contacts" means the flagged
    customers first and then others picked at random.
    """
    f = evaluation.frame
    value = f["value"].to_numpy() if use_value and "value" in f else None
    model = TargetingCurve.from_scores(f["score"].to_numpy(), f["churned"].to_numpy(), value)
    sq = None
    if "status_quo" in f:
        sq = TargetingCurve.from_rule(f["status_quo"].to_numpy(), f["churned"].to_numpy(), value, seed=seed)
    return Curves(model, sq, evaluation, value is not None)


@dataclass
class LiftResult:
    """One what-if: contact the model's top ``contacts`` customers."""

    curves: Curves
    assumptions: Assumptions
    currency: str
    point: TargetingPoint
    model: Outcome
    status_quo: Outcome | None
    random: Outcome
    ranges: BootstrapResult
    best: int
    best_outcome: Outcome
    rule_flagged: int | None  # customers today's rule flags (when it is a yes/no rule)

    @property
    def contacts(self) -> int:
        return self.point.contacted

    @property
    def value_per_kept(self) -> float:
        """What a kept customer is worth here: the list's own average (customers' own values), else the assumption."""
        return self.model.value / self.model.saved if self.model.saved > 0 else self.assumptions.value_per_saved


def contact_list(evaluation: Evaluation, contacts: int, *, names: dict[str, str] | None = None,
                 columns: int = 6) -> pd.DataFrame:
    """The customers to call: today's customers (or the evaluated month's) riskiest first; for
    undated data, every customer the file does not mark as gone, scored by the model trained on all.

    Columns: rank, customer id, risk of leaving, monthly value (when known), today's rule (when
    known) and the first few customer columns, named as in ``names`` (the glossary).
    """
    if evaluation.population is not None:  # a sample of a warehouse table: the database lists the top k
        top = evaluation.population.top(contacts)
        frame, k = top, len(top)
    else:
        frame = evaluation.current if evaluation.current is not None else evaluation.frame
        if evaluation.as_of is None and "churned" in frame:  # undated: those the file marks as gone can't be kept
            frame = frame[frame["churned"] != 1]
        k = int(min(max(contacts, 0), len(frame)))
        order = np.argsort(-frame["score"].to_numpy(), kind="stable")[:k]  # ties keep input order, as the curve
        top = frame.iloc[order]
    names = names or {}
    out = pd.DataFrame({"Rank": np.arange(1, k + 1), "Customer id": top["customer_id"].astype(str).to_numpy(),
                        f"Risk of leaving {evaluation.period.horizon if evaluation.as_of else ''}".strip():
                            top["score"].round(4).to_numpy()})
    if "value" in top:
        out["Monthly value"] = top["value"].round(2).to_numpy()
    if "status_quo" in top:
        out["On today's rule"] = np.where(top["status_quo"].to_numpy() > 0, "yes", "no")
    skip = {"customer_id", "snapshot_date", "churned", "score", "value", "status_quo", "_row"}
    for c in [c for c in frame.columns if c not in skip][:columns]:
        out[names.get(c, c)[:1].upper() + names.get(c, c)[1:]] = top[c].to_numpy()
    return out


#: The list size when no size pays for itself and marketing set no capacity: a tenth of customers.
FALLBACK_SHARE = 0.1


def default_contacts(curves: Curves, assumptions: Assumptions) -> int:
    """The list the story recommends: the most profitable size within marketing's capacity; when
    no size pays, marketing's capacity (or a tenth of the customers), so the figures still show
    what a list would cost."""
    best = curves.model.recommended_count(assumptions)
    if best:
        return best
    cap = assumptions.capacity
    return int(min(cap, curves.n)) if cap else max(1, round(FALLBACK_SHARE * curves.n))


def analyse_lift(curves: Curves, assumptions: Assumptions, contacts: int, *, currency: str = "$",
                 n_boot: int = 300) -> LiftResult:
    """Everything the lift page shows for one choice of list size."""
    c = curves.model
    k = int(min(max(contacts, 0), c.n))
    best = c.recommended_count(assumptions)
    rule_flagged = None
    if curves.status_quo is not None and curves.status_quo.yes_no:
        rule_flagged = curves.status_quo.count_at_threshold(1.0)
    return LiftResult(
        curves=curves,
        assumptions=assumptions,
        currency=currency,
        point=c.at_count(k),
        model=c.outcome(k, assumptions),
        status_quo=curves.status_quo.outcome(k, assumptions) if curves.status_quo else None,
        random=c.random_outcome(k, assumptions),
        ranges=c.bootstrap(k, assumptions, n_boot=n_boot),
        best=best,
        best_outcome=c.outcome(best, assumptions),
        rule_flagged=rule_flagged,
    )


# ---------------------------------------------------------------------------------------------
# Chart data


def gains_data(curves: Curves, points: int = 101) -> pd.DataFrame:
    rows = []
    ks = curves.model.grid(points)
    shares = ks / curves.n
    total = max(curves.model.total_churners, 1)
    rows.append(pd.DataFrame({"policy": charts.MODEL, "share_contacted": shares,
                              "share_reached": curves.model.churners_at(ks) / total}))
    if curves.status_quo is not None:
        rows.append(pd.DataFrame({"policy": charts.STATUS_QUO, "share_contacted": shares,
                                  "share_reached": curves.status_quo.churners_at(ks) / total}))
    rows.append(pd.DataFrame({"policy": charts.RANDOM, "share_contacted": shares, "share_reached": shares}))
    return pd.concat(rows, ignore_index=True)


def gains_spec(curves: Curves) -> dict:
    """The gains chart's Vega-Lite spec, built once per set of curves (the marker moves later)."""
    if curves.gains is None:
        curves.gains = charts.gains_chart(gains_data(curves), 0.0).to_dict()
    return curves.gains


def net_data(result: LiftResult, points: int = 300, extra: tuple[int, ...] = ()) -> pd.DataFrame:
    c = result.curves.model
    ks = c.grid(points, extra=(result.best, result.contacts, *extra))
    return pd.DataFrame({"contacts": ks, "net": c.net_at(ks, result.assumptions)})


def segment_mix(curves: Curves, contacts: int, column: str) -> pd.DataFrame:
    """Share of the contact list and of all customers in each value of ``column``."""
    f = curves.evaluation.frame
    seg = f[column]
    if pd.api.types.is_numeric_dtype(seg) and seg.nunique() > 8:
        seg = pd.qcut(seg, 4, duplicates="drop").astype(str)
    seg = seg.astype("string").fillna("(missing)")
    if curves.model.binned:  # the evaluated frame is a sample: its riskiest customers, in the same share
        m = round(len(f) * min(max(contacts, 0), curves.n) / curves.n)
        top = np.argsort(-f["score"].to_numpy(), kind="stable")[:m]
    else:
        top = curves.model.order[: max(contacts, 0)]
    base = seg.value_counts(normalize=True)
    lst = seg.iloc[top].value_counts(normalize=True).reindex(base.index, fill_value=0.0)
    order = {s: i for i, s in enumerate((lst - base).sort_values(ascending=False).index)}
    out = pd.concat(
        [
            pd.DataFrame({"segment": lst.index, "group": "Contact list", "share": lst.to_numpy()}),
            pd.DataFrame({"segment": base.index, "group": "All customers", "share": base.to_numpy()}),
        ],
        ignore_index=True,
    )
    out["order"] = out["segment"].map(order)
    return out.sort_values(["order", "group"]).reset_index(drop=True)


def segment_columns(evaluation: Evaluation, features: list[str]) -> list[str]:
    """Columns that make sensible segments (few distinct values), most useful first."""
    f = evaluation.frame
    cats = [c for c in features if c in f and not pd.api.types.is_numeric_dtype(f[c]) and 2 <= f[c].nunique() <= 12]
    nums = [c for c in features if c in f and pd.api.types.is_numeric_dtype(f[c]) and f[c].nunique() > 8]
    return cats + nums


# ---------------------------------------------------------------------------------------------
# Findings


def per_n(rate: float) -> tuple[str, int]:
    """'of every 10 we call, 4 were leaving' — or per 100 when fewer than 2 in 10."""
    if rate >= 0.195:
        return fmt_in_ten(rate), 10
    return (f"{rate * 100:.0f}" if rate * 100 >= 0.5 else "fewer than 1"), 100


def _were(count_text: str) -> str:
    return "was" if count_text in ("1", "fewer than 1") else "were"


def label(col: str) -> str:
    """A column's inferred friendly name (the glossary's, before any user edit)."""
    return infer_term(col).name


#: Below this ranking quality (AUC) the model's list is about as good as a random one, and said so.
WEAK_AUC = 0.55


def versus_random(lift: float, text: str) -> str:
    """'2.5x as many as calling at random would' / 'about as many as calling at random would'."""
    if not math.isfinite(lift) or lift < 1.1:
        return "about as many as calling at random would"
    return f"{text} as many as calling at random would"


def _period(result_or_eval) -> Period:
    ev = result_or_eval.curves.evaluation if isinstance(result_or_eval, LiftResult) else result_or_eval
    return ev.period


def _common_caveats(result: LiftResult) -> list[str]:
    ev = result.curves.evaluation
    cav = []
    if result.point.churners_reached < FEW_LEAVERS and result.contacts > 0:
        cav.append(
            f"Only {result.point.churners_reached} leavers are in this list, so these figures are rough; "
            "look at the range rather than the single number."
        )
    if not ev.auc >= WEAK_AUC:
        cav.append(
            "The model barely tells leavers from stayers (its ranking is little better than chance), so its list "
            "finds about as many leavers as calling at random would. Add columns that describe the customers "
            "better before acting on it."
        )
    if ev.looks_too_good:
        cav.append(
            "The model ranks customers almost perfectly, which is rare in real life. Check that no column "
            "records something that happens after the customer decides to leave (for example a cancellation date)."
        )
    cav.append(ev.period.replay)
    if not ev.period.dated and ev.current is not None:
        gone = int((ev.current["churned"] == 1).sum())
        cav.append(f"The call list leaves out the {fmt_exact(gone)} customers the file marks as gone (they cannot be "
                   "kept); the figures above replay every customer in the file, leavers included.")
    return cav


def _method_notes(result: LiftResult) -> list[str]:
    ev = result.curves.evaluation
    a = result.assumptions
    when = _period(result).label
    if ev.source == "baseline":
        trained = (f"A gradient-boosted tree model was trained on {fmt_exact(ev.train_rows)} customer-months "
                   f"up to {fmt_date(ev.train_end)} (outcomes known before {when}) and scored "
                   f"{fmt_exact(result.curves.n)} customers active in {when}." if ev.train_end is not None else
                   f"Each of the {fmt_exact(result.curves.n)} customers in this file was scored by a gradient-boosted "
                   f"tree model trained on the other customers (cross-fitting in {CROSS_FIT_FOLDS} rounds), so no "
                   "customer's own outcome helped score them.")
    else:
        trained = f"The data's own scores were used for the {fmt_exact(result.curves.n)} customers of {when}."
    value = (f"a kept customer is worth {a.value_months:g} months of their own monthly value" if result.curves.uses_value
             else f"a kept customer is worth {fmt_money(a.value_per_saved, result.currency)}")
    return [
        trained,
        f"Assumptions: {value}; each contact costs {fmt_money(a.cost_per_contact, result.currency)}; the offer keeps "
        f"{fmt_pct(a.save_rate)} of the contacted leavers; fixed campaign cost {fmt_money(a.fixed_cost, result.currency)}.",
        "Customers kept = leavers reached x share the offer keeps. Net value = value of kept customers - contact costs "
        "- fixed cost. Random calling reaches the average share of leavers.",
        f"Ranges: customers were resampled {result.ranges.n_boot} times with scores fixed "
        f"({result.ranges.method}), and in each resample who leaves and whom the offer keeps were drawn again; "
        "the range holds the middle 90% of outcomes.",
    ]


def lift_finding(result: LiftResult) -> Finding:
    """The headline what-if: calling the top k."""
    p, k, cur = result.point, result.contacts, result.currency
    pe = _period(result)
    per = per_n(p.hit_rate)[1]
    f = _lift_facts(result)
    T = texts(f)
    left = f"{_were(T['hit_per'])} about to leave" if pe.dated else "left"
    headline = (
        f"Of every {per} customers we call, {T['hit_per']} {left}; we reach {T['share_reached']} in 10 of "
        f"all leavers, {versus_random(p.lift, T['lift'])}."
    )
    technical = [
        f"Precision at {fmt_exact(k)}: {p.hit_rate:.1%}; recall: {p.share_of_churners_reached:.1%}; lift: {p.lift:.2f}; "
        f"score threshold: {p.threshold:.3f}." if k else "No customers contacted.",
        f"{'Hold-out month ' + pe.label if pe.dated else 'Cross-fitted scores, whole file'}: "
        f"{fmt_exact(result.curves.n)} customers, "
        f"{fmt_exact(result.curves.model.total_churners)} leavers (base rate {result.curves.model.base_rate:.2%}); "
        f"AUC {result.curves.evaluation.auc:.3f}.",
    ]
    return Finding(
        key="lift",
        title=_lift_title(result),
        headline=headline,
        bullets=_lift_bullets(result, f),
        chart=lambda: charts.compare_chart(compare_data(result), cur, per=" per month" if pe.dated else ""),
        plot=lambda: plots.policy_bars(compare_data(result), f"Customers kept{' per month' if pe.dated else ''}",
                                       alt=f"Bars: customers kept by each way of choosing whom to call. {headline}"),
        facts=f,
        caveats=_common_caveats(result),
        notes=_method_notes(result),
        technical=technical,
    )


def _lift_title(result: LiftResult) -> str:
    k, m, sq, pe = result.contacts, result.model, result.status_quo, _period(result)
    extra_sq = m.saved - sq.saved if sq else None
    if sq is not None and extra_sq is not None and extra_sq > 0.5:
        return (f"Calling the top {fmt_count(k)} customers keeps about {fmt_count(extra_sq)} more "
                f"{'each month ' if pe.dated else ''}than today's rule")
    if sq is not None:
        return f"Calling the model's top {fmt_count(k)} customers keeps about as many as today's rule"
    if pe.dated:
        return f"Calling the top {fmt_count(k)} customers keeps about {fmt_count(m.saved)} customers a month"
    return (f"Calling the top {fmt_count(k)} of this file's {fmt_count(result.curves.n)} customers keeps about "
            f"{fmt_count(m.saved)} who would have left")


def _lift_facts(result: LiftResult) -> dict[str, Fact]:
    p, m, r, cur, k, sq = result.point, result.model, result.ranges, result.currency, result.contacts, result.status_quo
    hit_txt, per = per_n(p.hit_rate)
    extra_sq = m.saved - sq.saved if sq else None
    return facts(
        Fact("contacts", k, "customers", fmt_exact(k)),  # a list size is a decision: said exactly
        Fact("reached", p.churners_reached, "customers", fmt_count(p.churners_reached)),
        Fact("hit_rate", p.hit_rate, "share", fmt_pct(p.hit_rate)),
        Fact("hit_per", p.hit_rate, f"per {per}", hit_txt),
        Fact("share_reached", p.share_of_churners_reached, "share", fmt_in_ten(p.share_of_churners_reached)),
        Fact("lift", p.lift, "ratio", fmt_ratio(p.lift)),
        *outcome_facts(m, r, cur),
        Fact("random_saved", result.random.saved, "customers", fmt_count(result.random.saved)),
        Fact("status_quo_saved", sq.saved if sq else None, "customers", fmt_count(sq.saved) if sq else "n/a"),
        Fact("extra_vs_status_quo", extra_sq, "customers", fmt_count(extra_sq) if extra_sq is not None else "n/a"),
    )


def outcome_facts(m: Outcome, r: BootstrapResult, cur: str, prefix: str = "") -> list[Fact]:
    """A list's customers kept, value, cost, net value and return, with ranges, as every view words them
    (``prefix`` names them apart when several lists sit side by side)."""
    return [Fact(prefix + name, v, unit, text) for name, v, unit, text in (
        ("saved", m.saved, "customers", fmt_count(m.saved)),
        ("saved_low", r.saved.low, "customers", fmt_count_range(r.saved.low, r.saved.high)[0]),
        ("saved_high", r.saved.high, "customers", fmt_count_range(r.saved.low, r.saved.high)[1]),
        ("value", m.value, cur, fmt_money(m.value, cur)),
        ("cost", m.cost, cur, fmt_money(m.cost, cur)),
        ("net", m.net, cur, fmt_money(m.net, cur)),
        ("net_low", r.net.low, cur, fmt_money_range(r.net.low, r.net.high, cur)[0]),
        ("net_high", r.net.high, cur, fmt_money_range(r.net.low, r.net.high, cur)[1]),
        ("roi", m.roi, "ratio", fmt_pct(round_sig(m.roi, 2)) if math.isfinite(m.roi) else "n/a"),
    )]


def _lift_bullets(result: LiftResult, f: dict[str, Fact]) -> list[str]:
    """The list's worth and its range, what if the offer keeps half as many, and today's rule; adds the
    half-as-good and break-even figures to ``f``."""
    m, k, cur, sq, pe = result.model, result.contacts, result.currency, result.status_quo, _period(result)
    T = texts(f)
    bullets = [
        f"Customers kept: about {T['saved']}{pe.per} ({fmt_range(T['saved_low'], T['saved_high'])}; "
        f"{pe.range_meaning}).",
        f"Cost {T['cost']}, value of kept customers {T['value']}: net {T['net']}{pe.per} "
        f"({fmt_range(T['net_low'], T['net_high'])})" + (f", a return of {T['roi']} on the money spent." if math.isfinite(m.roi) else "."),
    ]
    if k and m.cost > 0:
        half = replace(result.assumptions, save_rate=result.assumptions.save_rate / 2)
        half_net = result.curves.model.outcome(k, half).net
        even = break_even_save_rate(result)
        f["half_net"] = Fact("half_net", half_net, cur, fmt_money(half_net, cur))
        f["break_even_save_rate"] = Fact("break_even_save_rate", even, "share",
                                         fmt_pct_up(even) if math.isfinite(even) else "n/a")
        verdict = (f"still nets {f['half_net'].text}" if half_net > 0 else f"loses {fmt_money(-half_net, cur)}")
        tail = (f"it pays for itself as long as the offer keeps at least {f['break_even_save_rate'].text} of them"
                if even <= 1 else "no offer could make it pay, as the calls cost more than all reached leavers are worth")
        bullets.append(f"If the offer keeps half as many ({fmt_pct(half.save_rate)} of contacted leavers instead of "
                       f"{fmt_pct(result.assumptions.save_rate)}), this list {verdict}; {tail}.")
    if sq is not None:
        bullets.append(
            f"Same number of calls with today's rule keeps about {T['status_quo_saved']}; calling at random, about {T['random_saved']}."
        )
    return bullets


def break_even_save_rate(result: LiftResult) -> float:
    """The share of contacted leavers the offer must keep for the current list to pay its costs."""
    k, a = result.contacts, result.assumptions
    full = replace(a, save_rate=1.0)
    worth = result.curves.model.outcome(k, full).value  # value if every reached leaver were kept
    return a.cost(k) / worth if worth > 0 else math.inf


def compare_data(result: LiftResult) -> pd.DataFrame:
    rows = [(charts.MODEL, result.model.saved)]
    if result.status_quo is not None:
        rows.append((charts.STATUS_QUO, result.status_quo.saved))
    rows.append((charts.RANDOM, result.random.saved))
    df = pd.DataFrame(rows, columns=["policy", "saved"])
    df["label"] = ["about " + fmt_count(v) for v in df["saved"]]
    return df


def best_depth_finding(result: LiftResult) -> Finding:
    """Where the net value peaks, within marketing's capacity."""
    cap, cur, per = result.assumptions.capacity, result.currency, _period(result).per
    f, unlimited, capped, almost = _best_depth_facts(result)
    T = texts(f)
    free_list = (T["unlimited_contacts"] if almost else f"about {T['unlimited_contacts']} customers") if capped else ""
    title, headline = _best_depth_words(result, T, capped, free_list)
    return Finding(
        key="best_depth",
        title=title,
        headline=headline,
        bullets=_best_depth_bullets(result, f, capped, free_list),
        plot=lambda: _net_plot(result, T, capped, unlimited),
        chart=lambda: charts.net_value_chart(net_data(result, extra=(unlimited,)), result.best, result.contacts,
                                             _net_labels(T, capped), cur, capacity=cap,
                                             unlimited_best=unlimited if capped else None,
                                             per=" per month" if per else ""),
        facts=f,
        caveats=["The best size moves with the assumptions: a higher cost per contact makes it shorter, a "
                 "more valuable customer or a stronger offer makes it longer."],
        notes=_method_notes(result),
        next_steps=[_best_depth_step(result, T, capped)],
        technical=[f"Net value maximised over k = 0..{fmt_exact(min(cap, result.curves.n) if cap else result.curves.n)} "
                   f"on {'the hold-out month' if per else 'the cross-fitted scores'}; marginal hit rate at the best depth "
                   f"{_marginal_hit(result):.1%} vs break-even {_break_even(result):.1%}."],
    )


def _best_depth_facts(result: LiftResult) -> tuple[dict[str, Fact], int, bool, bool]:
    """The facts, the most profitable size without marketing's limit, whether the limit binds, and
    whether that size is most customers."""
    a, cur, b = result.assumptions, result.currency, result.best_outcome
    cap = a.capacity
    f = facts(
        Fact("best_contacts", result.best, "customers", fmt_exact(result.best)),
        Fact("best_net", b.net, cur, fmt_money(b.net, cur)),
        Fact("best_saved", b.saved, "customers", fmt_count(b.saved)),
        Fact("current_contacts", result.contacts, "customers", fmt_exact(result.contacts)),
        Fact("current_net", result.model.net, cur, fmt_money(result.model.net, cur)),
        Fact("capacity", cap, "customers", fmt_exact(cap) if cap is not None else "no limit"),
    )
    unlimited = result.curves.model.best_count(replace(a, capacity=None))
    capped = cap is not None and unlimited > cap
    if capped:
        free = result.curves.model.outcome(unlimited, a)
        f["unlimited_contacts"] = Fact("unlimited_contacts", unlimited, "customers", fmt_count(unlimited))
        f["unlimited_net"] = Fact("unlimited_net", free.net, cur, fmt_money(free.net, cur))
    n = result.curves.n
    almost = capped and unlimited >= 0.8 * n
    if almost:
        f["unlimited_contacts"] = Fact("unlimited_contacts", unlimited, "customers",
                                       f"{'almost everyone' if unlimited >= 0.9 * n else 'most customers'} "
                                       f"({fmt_count(unlimited)} of {fmt_count(n)})")
    return f, unlimited, capped, almost


def _best_depth_words(result: LiftResult, T: dict[str, str], capped: bool, free_list: str) -> tuple[str, str]:
    cap, per, n = result.assumptions.capacity, _period(result).per, result.curves.n
    within = f" within marketing's capacity of {T['capacity']}" if cap is not None else ""
    if result.best == 0:
        title = "At these assumptions no list size pays for itself"
        headline = (f"Every list size costs more than the customers it keeps are worth{within}. "
                    "A cheaper contact, a stronger offer or more valuable customers would change that.")
    elif result.best >= 0.9 * n:
        title = f"Calling almost every customer pays: {T['best_net']}{per} after costs"
        headline = (f"The most profitable list is {T['best_contacts']} of the {fmt_count(n)} customers{within}, keeping "
                    f"about {T['best_saved']} customers{per}: even customers unlikely to leave are worth a call at "
                    "these assumptions.")
    else:
        title = (("Within marketing's capacity, calling" if capped else "Calling") +
                 f" the top {T['best_contacts']} customers makes the most money: {T['best_net']}{per} after costs")
        headline = (f"Net value peaks at {T['best_contacts']} contacts{within}, keeping about {T['best_saved']} "
                    f"customers{per}." + ("" if capped else
                                          " Beyond that, each extra call reaches too few leavers to pay for itself."))
    if capped and result.best == cap:
        title = (f"Use all of marketing's capacity: calling {T['best_contacts']} customers makes "
                 f"{T['best_net']}{per} after costs")
        headline = (f"The most profitable list is longer than marketing's limit of {T['capacity']}: without the limit "
                    f"it would be {free_list}, making {T['unlimited_net']}.")
    return title, headline


def _best_depth_bullets(result: LiftResult, f: dict[str, Fact], capped: bool, free_list: str) -> list[str]:
    """Today's list against the best; adds the gain of the best list to ``f`` when it matters."""
    cap, cur, per, b = result.assumptions.capacity, result.currency, _period(result).per, result.best_outcome
    T = texts(f)
    bullets = [f"Your current list of {T['current_contacts']} nets {T['current_net']}{per}."]
    if capped and result.best < cap:
        bullets.append(f"Without marketing's limit, calling {free_list} would make {T['unlimited_net']}{per}.")
    gain = b.net - result.model.net
    if result.best and result.contacts != result.best and gain >= max(0.02 * abs(result.model.net), 1.0):
        direction = "longer" if result.best > result.contacts else "shorter"
        f["gain_vs_current"] = Fact("gain_vs_current", gain, cur, fmt_money(gain, cur))
        bullets.append(f"A {direction} list, of {T['best_contacts']}, would earn {f['gain_vs_current'].text} more"
                       f"{per}.")
    elif result.contacts > (cap or math.inf):
        bullets.append(f"Your current list is longer than marketing's capacity of {T['capacity']}.")
    return bullets


def _best_depth_step(result: LiftResult, T: dict[str, str], capped: bool) -> str:
    a, cur, per = result.assumptions, result.currency, _period(result).per
    cap = a.capacity
    within = f" within marketing's capacity of {T['capacity']}" if cap is not None else ""
    whom = "" if per else " still with us"
    why = (f"all of marketing's capacity of {T['capacity']}" if capped and result.best == cap else
           f"the most profitable size{within}")
    which = "next month's" if per else "a"
    weak = not result.curves.evaluation.auc >= WEAK_AUC
    if weak:
        step = ("Do not act on this model's list yet: it finds about as many leavers as calling at random. Add "
                "columns that describe the customers better, then look again.")
    elif result.best:
        step = (f"Give marketing {which} list of the top {T['best_contacts']} customers{whom} by risk: {why} "
                f"({fmt_money(a.cost(result.best), cur)} in calls).")
    else:
        step = "Do not start calling at these assumptions: rework the offer or its cost first, then look again."
    return step


def _net_labels(T: dict[str, str], capped: bool) -> dict[str, str]:
    out = {
        "best": f"Best{' within capacity' if capped else ''}: {T['best_contacts']} ({T['best_net']})",
        "current": f"Your list: {T['current_contacts']}",
        "capacity": f"Capacity: {T['capacity']}",
    }
    if capped:
        out["free"] = f"Without the limit: {T['unlimited_contacts']} ({T['unlimited_net']})"
    return out


def _net_plot(result: LiftResult, T: dict[str, str], capped: bool, unlimited: int):
    """The net value curve as data, with the best list, the capacity and (when the capacity binds)
    the best list without it marked; marks closer than 3% of the axis share one label."""
    per = " per month" if _period(result).dated else ""
    curve = net_data(result, extra=(unlimited,))
    cap, labels, span = result.assumptions.capacity, _net_labels(T, capped), float(curve["contacts"].max())
    marks = [(result.best, labels["best"])]
    if cap is not None and cap < span:
        marks.append((cap, labels["capacity"]))
    if capped and unlimited != result.best:
        marks.append((unlimited, labels["free"]))
    merged: list[tuple[float, str]] = []
    for x, label in sorted(marks):
        if merged and x - merged[-1][0] < 0.03 * span:
            merged[-1] = (merged[-1][0], f"{merged[-1][1]}; {label[0].lower() + label[1:]}")
        else:
            merged.append((x, label))
    line = plots.Series("Net value", tuple(float(v) for v in curve["net"]), xs=tuple(float(v) for v in curve["contacts"]))
    return plots.Plot("xy", f"Line: net value{per} after campaign costs against the number of customers called; "
                      f"{labels['best'].lower()}.", series=(line,),
                      x_title=f"Customers contacted{per}", y_title=f"Net value{per}", marks=tuple(merged),
                      number_format=plots.money_format(result.currency))


def _marginal_hit(result: LiftResult, window: int = 200) -> float:
    c = result.curves.model
    k = max(result.best, 1)
    lo = max(k - window // 2, 0)
    hi = min(lo + window, c.n)
    return float((c.churners_at(hi) - c.churners_at(lo)) / max(hi - lo, 1))


def _break_even(result: LiftResult) -> float:
    a = result.assumptions
    c = result.curves.model
    n = max(c.total_churners, 1)
    per_leaver = a.value_kept(1.0, None if c.total_value is None else c.total_value / n)
    return a.cost_per_contact / per_leaver if per_leaver else math.inf


def comparison_finding(result: LiftResult) -> Finding:
    """Model vs today's rule vs random, across every list size (gains chart)."""
    p, k = result.point, result.contacts
    sq_reached = result.curves.status_quo.at_count(k).churners_reached if result.curves.status_quo else None
    f = facts(
        Fact("lift", p.lift, "ratio", fmt_ratio(p.lift)),
        Fact("reached", p.churners_reached, "customers", fmt_count(p.churners_reached)),
        Fact("status_quo_reached", sq_reached, "customers", fmt_count(sq_reached) if sq_reached is not None else "n/a"),
        Fact("vs_status_quo", p.churners_reached / sq_reached if sq_reached else None, "ratio",
             fmt_ratio(p.churners_reached / sq_reached) if sq_reached else "n/a"),
        Fact("random_reached", result.random.churners_reached, "customers", fmt_count(result.random.churners_reached)),
    )
    T = texts(f)
    if sq_reached:
        title = (f"The model finds {T['vs_status_quo']} as many leavers as today's rule with the same "
                 f"{fmt_count(k)} calls")
        headline = (f"With {fmt_count(k)} calls the model reaches about {T['reached']} leavers, today's rule "
                    f"{T['status_quo_reached']} and random calling about {T['random_reached']}.")
    else:
        title = (f"The model finds {T['lift']} as many leavers as calling at random" if p.lift >= 1.1 else
                 "The model's list finds about as many leavers as calling at random")
        headline = (f"With {fmt_count(k)} calls the model reaches about {T['reached']} leavers; random calling "
                    f"would reach about {T['random_reached']}.")
    bullets = ["The further a line rises above the grey diagonal, the more leavers each call finds."]
    if result.rule_flagged is not None:
        bullets.append(
            f"Today's rule flags {fmt_exact(result.rule_flagged)} customers; to compare at other list sizes, "
            "it is topped up (or cut) at random."
        )
    return Finding(
        key="comparison",
        title=title,
        headline=headline,
        bullets=bullets,
        chart=lambda: charts.with_marker(gains_spec(result.curves), k / result.curves.n),
        plot=lambda: plots.policy_lines_xy(
            gains_data(result.curves), "share_contacted", "share_reached", x_title="Share of customers contacted",
            y_title="Share of all leavers reached", percent=True, marks=((k / result.curves.n, "Your list"),),
            alt=f"Lines: the share of all leavers each way of choosing reaches as more customers are called; {headline}"),
        facts=f,
        caveats=[_period(result).replay],
        notes=_method_notes(result),
        technical=[f"Cumulative gains on {_period(result).label}; AUC {result.curves.evaluation.auc:.3f}."],
    )


def segment_finding(result: LiftResult, column: str, column_label: str | None = None) -> Finding:
    """Who gets contacted, by segment, compared with the whole base."""
    mix = segment_mix(result.curves, result.contacts, column)
    name = column_label or label(column)
    wide = mix.pivot(index="segment", columns="group", values="share")
    diff = (wide["Contact list"] - wide["All customers"]).sort_values(ascending=False)
    top = str(diff.index[0])
    f = facts(
        Fact("segment", top, "", top),
        Fact("share_list", float(wide.loc[top, "Contact list"]), "share", fmt_pct(wide.loc[top, "Contact list"])),
        Fact("share_base", float(wide.loc[top, "All customers"]), "share", fmt_pct(wide.loc[top, "All customers"])),
    )
    T = texts(f)
    title = f"{name.capitalize()} '{top}' makes up {T['share_list']} of the call list but {T['share_base']} of customers"
    headline = (f"The model's list leans towards {name} '{top}'. Brief the callers: these are the customers "
                "they will mostly talk to.")
    bullets = [
        f"{seg}: {fmt_pct(wide.loc[seg, 'Contact list'])} of the list vs "
        f"{fmt_pct(wide.loc[seg, 'All customers'])} of customers."
        for seg in diff.head(3).index
    ]
    return Finding(
        key="segments",
        title=title,
        headline=headline,
        bullets=bullets,
        chart=lambda: charts.segment_chart(mix, name.capitalize()),
        facts=f,
        caveats=["Who is on the list shows which customers the model finds risky, not why they leave."]
        + ([pop.sample_note] if (pop := result.curves.evaluation.population) and pop.sample_note else []),
        notes=[f"Share of the top {fmt_exact(result.contacts)} customers in each value of '{column}', "
               f"compared with all customers of {_period(result).label}."],
    )


def population_finding(evaluation: Evaluation, *, currency: str = "$") -> Finding:
    """How many customers we have and how many leave: the baseline every other number builds on."""
    fr, pop = evaluation.frame, evaluation.population
    n = pop.customers if pop else len(fr)
    leavers = pop.leavers if pop else int(fr["churned"].sum())
    rate = leavers / n
    pe = evaluation.period
    f = facts(
        Fact("customers", n, "customers", fmt_count(n)),
        Fact("leavers", leavers, "customers", fmt_count(leavers)),
        Fact("churn_rate", rate, "share", fmt_pct(rate)),
    )
    value_bullet = []
    if "value" in fr:
        lost = pop.value_lost if pop else float(fr.loc[fr["churned"] == 1, "value"].sum())
        f["monthly_value_lost"] = Fact("monthly_value_lost", lost, currency, fmt_money(lost, currency))
        bill = (f"'{evaluation.value_column}' (taken as their monthly bill, a guess from its name)"
                if evaluation.value_guessed else "monthly bills")
        value_bullet = [f"Those leavers' {bill} added up to {f['monthly_value_lost'].text}."]
    current = []
    if evaluation.current is not None and pe.dated:
        cur_n = pop.current_customers if pop else len(evaluation.current)
        f["current_customers"] = Fact("current_customers", cur_n, "customers", fmt_count(cur_n))
        current = [f"Today we have {f['current_customers'].text} customers to score for next month's list."]
    T = texts(f)
    if pe.dated:
        cards = [(T["customers"], "customers"), (T["leavers"], "left within a month"), (T["churn_rate"], "churn rate")]
        title = f"About {T['leavers']} of our {T['customers']} customers left within a month in {pe.label}"
        headline = f"That is {T['churn_rate']} of customers a month: the starting point for every figure in this story."
        notes = [f"Measured on the customers active at the start of {pe.label}, whose outcome a month later is known."]
    else:
        cards = [(T["customers"], "customers"), (T["leavers"], "left"), (T["churn_rate"], "left, in this file")]
        title = f"About {T['leavers']} of the {T['customers']} customers in this file left"
        headline = (f"That is {T['churn_rate']} of them: the starting point for every figure in this story. The file "
                    "has no dates, so it does not say over what time they left; figures below are for this file.")
        notes = ["Measured on every customer in the file whose outcome is recorded."]
    return Finding(
        key="population",
        chart=lambda: charts.figure_card(cards),
        plot=lambda: plots.figures(cards, alt=title),
        title=title,
        headline=headline,
        bullets=value_bullet + current,
        facts=f,
        caveats=list(evaluation.notes),
        notes=notes + ([pop.sample_note] if pop and pop.sample_note else []),
        technical=[f"Model: {'baseline gradient-boosted trees' if evaluation.source == 'baseline' else 'scores from the data'}; "
                   f"AUC {evaluation.auc:.3f} on {'this month' if pe.dated else 'cross-fitted scores' if evaluation.source == 'baseline' else 'this file'}."],
    )
