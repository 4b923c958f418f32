"""'Since the last update' in words: what changed, whether last month's forecast came true, what to do."""

from __future__ import annotations

from storytelling import charts
from storytelling import plot as plots
from storytelling.monitor import PSI_NAME, PSI_RETRAIN, Changes, ChurnChange, EdgeTrend, ForecastCheck, Shift
from storytelling.story import Fact, Finding, fmt_count, fmt_count_range, fmt_date, fmt_pct, fmt_ratio

#: What to do when the model's inputs or edge moved enough.
RETRAIN = "Retrain the model on the latest months and check the data feed for changes in how the columns are filled."


def forecast_line(c: ForecastCheck) -> str:
    """'We expected about 310 of November 2026's customers to leave (between 290 and 330); 298 did: ...'."""
    lo, hi = fmt_count_range(c.low, c.high)
    said = "within the range" if c.within else (
        "more than the range: the model's risks ran low" if c.actual > c.high else
        "fewer than the range: the model's risks ran high, or calls kept some of them")
    return (f"We expected about {fmt_count(c.expected)} of the {fmt_count(c.matched, people=False)} customers of "
            f"{fmt_date(c.month)} to leave (between {lo} and {hi}); {fmt_count(c.actual, people=False)} did: {said}.")


def list_line(c: ForecastCheck, *, called_left_out: bool = False) -> str | None:
    """The list's hit rate against the promise; ``called_left_out``: the customers marketing called
    are not in it (see :mod:`storytelling.feedback`), so it is measured on those left uncalled."""
    if not c.list_customers:
        return None
    hit, promised = c.list_actual / c.list_customers, c.list_expected / c.list_customers
    why = (" Either the model's risks ran high for the list, or calls kept some of them: say who marketing called "
           "(the Data page's 'Called by marketing') to tell which." if c.list_short and not called_left_out else "")
    whom = " left uncalled" if called_left_out else ""
    return (f"Of the {fmt_count(c.list_customers, people=False)} customers on that month's list{whom}, "
            f"{fmt_pct(hit)} left, against the {fmt_pct(promised)} the model expected.{why}")


FIFTHS = ("the lowest fifth", "the second fifth", "the middle fifth", "the fourth fifth", "the riskiest fifth")


def calibration_line(c: ForecastCheck) -> tuple[str, bool] | None:
    """The model's risks in words, fifth by fifth of the forecast risk, and whether any fifth is off
    (its leavers outside the range the risks allow)."""
    t = c.calibration
    if t is None or len(t) != len(FIFTHS):
        return None
    off = t[(t["actual"] < t["low"]) | (t["actual"] > t["high"])]
    if off.empty:
        top = t.iloc[-1]
        return (f"The risks held in every fifth of customers: in the riskiest fifth about {fmt_count(top['expected'])} "
                f"were expected to leave and {fmt_count(top['actual'], people=False)} did."), False
    said = [f"{'high' if r['actual'] < r['low'] else 'low'} for {FIFTHS[int(r['band'])]} (about "
            f"{fmt_count(r['expected'])} expected to leave, {fmt_count(r['actual'], people=False)} did)"
            for _, r in off.iloc[::-1].head(2).iterrows()]
    more = f", and in {len(off) - 2} other fifth{'s' if len(off) > 3 else ''}" if len(off) > 2 else ""
    return f"The risks ran {' and '.join(said)}{more}: outside what chance allows.", True


def churn_line(c: ChurnChange) -> str | None:
    if not c.clear:
        return None
    verb = "rose" if c.rate > c.before_rate else "fell"
    more = abs(c.rate - c.before_rate) * c.customers
    return (f"Churn {verb} from {fmt_pct(c.before_rate)} in {fmt_date(c.before_month)} to {fmt_pct(c.rate)} in "
            f"{fmt_date(c.month)} (about {fmt_count(more)} {'more' if verb == 'rose' else 'fewer'} leavers among "
            f"{fmt_count(c.customers, people=False)} customers): more than chance would explain.")


def shift_line(s: Shift, names: dict[str, str], month: str) -> str:
    name = names.get(s.column, s.column)
    if s.what in ("higher", "lower"):
        return (f"{name[:1].upper() + name[1:]} is {s.what} for the customers of {month} than for those the model "
                f"learnt from (typically {_num(s.now)} against {_num(s.before)}).")
    more = "more" if s.now > s.before else "fewer"
    return (f"{more.capitalize()} customers with {name} '{s.what}' in {month} than in the months the model learnt from "
            f"({fmt_pct(s.now)} against {fmt_pct(s.before)}).")


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.2g}"


def edge_line(e: EdgeTrend, earlier: str = "earlier updates") -> str | None:
    if not e.fading:
        return None
    was = f", down from {fmt_ratio(e.usual)} in {earlier}" if e.usual is not None else ""
    return (f"The model's list now finds {fmt_ratio(e.now)} as many leavers as calling at random{was}: "
            "the model is losing its edge.")


FIRST = "This is the first update recorded for this data: from the next one, it also says whether this month's " \
        "forecast came true."


def changes_finding(ch: Changes) -> Finding:
    """The note's opening: 2-4 bullets of what changed (nothing named when nothing did)."""
    month = fmt_date(ch.shift_month)
    moved = [s for s in ch.shifts if s.psi >= PSI_NAME][:2]
    calibrated = calibration_line(ch.check) if ch.check else None
    scores = (f"The scores of {month}'s customers are spread unlike those of the month measured: the mix of "
              "customers changed in a way no single column shows." if ch.score_psi is not None
              and ch.score_psi >= PSI_NAME and not moved else None)
    # most pressing first (only the first four are kept): what asks for a retrain, then the rest
    lines = [forecast_line(ch.check) if ch.check else None, edge_line(ch.edge) if ch.edge else None,
             *[shift_line(s, ch.names, month) for s in moved], scores, churn_line(ch.churn) if ch.churn else None,
             calibrated[0] if calibrated and calibrated[1] else None,
             list_line(ch.check, called_left_out=bool(ch.set_aside)) if ch.check else None]
    lines = [x for x in lines if x] + ([calibrated[0]] if calibrated and not calibrated[1] else [])
    retrain, urgent = ch.retrain, ch.urgent
    since = (f"the update of {fmt_date(ch.last.made[:10])}" if ch.last else
             fmt_date(ch.churn.before_month) if ch.churn else "the months before")
    if not lines:
        lines = [f"Nothing that needs a decision changed since {since}: churn, the customers' mix and the "
                 "model's scores are within their usual range."]
    title = (f"Since {since}: {'what changed' if urgent else 'no change that needs a decision'}")
    f = {"urgent": Fact("urgent", urgent, "", "yes" if urgent else "no"),
         "retrain": Fact("retrain", retrain, "", "yes" if retrain else "no")}
    if ch.check is not None:
        f.update(_check_facts(ch.check))
    return Finding(
        key="changes", title=title, headline=lines[0], bullets=lines[1:4],
        caveats=list(ch.problems) + list(ch.notes) + ([ch.set_aside] if ch.set_aside else []) +
        ([] if ch.last else [FIRST]),
        next_steps=[RETRAIN] if retrain else [], facts=f,
        chart=(lambda: charts.calibration_chart(ch.check.calibration)) if ch.check else
        (lambda: charts.figure_card(_churn_figures(ch.churn))) if ch.churn else None,
        plot=(lambda: _calibration_plot(ch.check)) if ch.check else
        (lambda: plots.figures(_churn_figures(ch.churn), alt=title)) if ch.churn else None,
        technical=["PSI by column (month scored vs months learnt from): "
                   + ", ".join(f"{s.column} {s.psi:.3f}" for s in ch.shifts[:6])
                   + (f"; scores {ch.score_psi:.3f}" if ch.score_psi is not None else "")
                   + f"; named at {PSI_NAME}, retrain at {PSI_RETRAIN}."],
    )


def _churn_figures(c: ChurnChange) -> list[tuple[str, str]]:
    return [(fmt_pct(c.before_rate), f"churn in {fmt_date(c.before_month)}"),
            (fmt_pct(c.rate), f"churn in {fmt_date(c.month)}")]


def _check_facts(c: ForecastCheck) -> dict[str, Fact]:
    return {"expected": Fact("expected", c.expected, "customers", fmt_count(c.expected)),
            "actual": Fact("actual", c.actual, "customers", fmt_count(c.actual, people=False)),
            "within": Fact("within", c.within, "", "yes" if c.within else "no")}


def _calibration_plot(c: ForecastCheck):
    t = c.calibration
    labels = tuple(charts.FIFTH_LABELS[:len(t)])
    series = (plots.Series("Expected", tuple(float(v) for v in t["expected"]), "#BBBBBB"),
              plots.Series("Left", tuple(float(v) for v in t["actual"])))
    return plots.Plot("bar", "Leavers expected and leavers seen, by fifth of the forecast risk", series=series,
                      categories=labels, x_title="Leavers")
