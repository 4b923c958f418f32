"""A/B test of the model-driven campaign: plan it, then read it.

Planning uses the two-proportion z-test with the pooled variance under the null and the
unpooled variance under the alternative (statsmodels ``samplesize_proportions_2indep_onetail`` /
``power_proportions_2indep``). Reading uses the pooled two-sided z-test for the p-value, the
Newcombe (Wilson score) interval for the difference, and a chi-square test of the group sizes
against the planned split (sample-ratio mismatch). Churn going down is the normal case: every
rate and difference is "test minus control", so a campaign that works has a negative difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from storytelling import charts
from storytelling import plot as plots
from storytelling.data import DataError, binary_values, normalise_name
from storytelling.story import Fact, Finding, facts, fmt_count, fmt_money, fmt_money_range, fmt_pct, texts

ALTERNATIVES = ("two-sided", "one-sided", "smaller", "larger")
SRM_ALPHA = 0.001
MIN_LEAVERS = 10
OUTCOME_WEEKS = 30 / 7  # the label needs 30 days after the campaign to be known


def _sm_alternative(alternative: str, diff: float) -> str:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}")
    if alternative == "one-sided":
        return "smaller" if diff < 0 else "larger"
    return alternative


def _check_rate(name: str, p: float) -> None:
    if not (0 < p < 1) or not math.isfinite(p):
        raise DataError(f"The {name} must be between 0% and 100% (got {p:.2%}).")


@dataclass
class TestPlan:
    baseline_rate: float
    target_rate: float
    alpha: float
    power: float
    ratio: float  # n_test / n_control
    alternative: str
    n_control: int
    n_test: int
    eligible_per_week: float | None = None

    @property
    def total(self) -> int:
        return self.n_control + self.n_test

    @property
    def weeks(self) -> float | None:
        if not self.eligible_per_week:
            return None
        return self.total / self.eligible_per_week

    @property
    def difference(self) -> float:
        return self.target_rate - self.baseline_rate

    @property
    def relative(self) -> float:
        return self.difference / self.baseline_rate


def plan_test(baseline_rate: float, target_rate: float, *, alpha: float = 0.05, power: float = 0.8,
              ratio: float = 1.0, alternative: str = "two-sided", eligible_per_week: float | None = None) -> TestPlan:
    """Customers needed per group to detect ``baseline_rate -> target_rate`` (control -> test)."""
    from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

    _check_rate("churn rate without the campaign", baseline_rate)
    _check_rate("churn rate with the campaign", target_rate)
    if target_rate == baseline_rate:
        raise DataError("The expected churn with the campaign equals the churn without it: there is no effect to "
                        "detect. Enter the effect you expect.")
    if not (0 < alpha < 1 and 0 < power < 1 and ratio > 0):
        raise DataError("Confidence and power must be between 0% and 100%, and the split must give both groups "
                        "customers.")
    diff = target_rate - baseline_rate
    alt = _sm_alternative(alternative, diff)
    if (alt == "smaller" and diff > 0) or (alt == "larger" and diff < 0):
        raise DataError("The one-sided test looks in the other direction from the effect you expect.")
    n1 = samplesize_proportions_2indep_onetail(diff, baseline_rate, power, ratio=1 / ratio, alpha=alpha,
                                               alternative=alt)
    n_test = math.ceil(n1 - 1e-9)
    n_control = math.ceil(n1 / ratio - 1e-9)
    return TestPlan(baseline_rate=baseline_rate, target_rate=target_rate, alpha=alpha, power=power, ratio=ratio,
                    alternative=alternative, n_control=n_control, n_test=n_test,
                    eligible_per_week=eligible_per_week)


def power_at(baseline_rate: float, target_rate: float, n_control: float, *, alpha: float = 0.05,
             ratio: float = 1.0, alternative: str = "two-sided") -> float:
    """The chance the test detects the effect with ``n_control`` customers in control."""
    from statsmodels.stats.proportion import power_proportions_2indep

    diff = target_rate - baseline_rate
    n_test = n_control * ratio
    return float(power_proportions_2indep(diff, baseline_rate, n_test, ratio=1 / ratio, alpha=alpha,
                                          alternative=_sm_alternative(alternative, diff), return_results=False))


def power_curves(plan: TestPlan, points: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Power against customers per control group, and against the effect (at the planned size)."""
    ns = np.unique(np.linspace(max(plan.n_control * 0.05, 10), plan.n_control * 2.5, points).round())
    by_n = pd.DataFrame({"customers": ns, "power": [
        power_at(plan.baseline_rate, plan.target_rate, n, alpha=plan.alpha, ratio=plan.ratio,
                 alternative=plan.alternative) for n in ns]})
    d = plan.difference
    effects = np.linspace(d * 0.1, d * 2.5, points)
    effects = effects[(plan.baseline_rate + effects > 0) & (plan.baseline_rate + effects < 1)]
    by_effect = pd.DataFrame({"effect": -effects if d < 0 else effects, "power": [
        power_at(plan.baseline_rate, plan.baseline_rate + e, plan.n_control, alpha=plan.alpha, ratio=plan.ratio,
                 alternative=plan.alternative) for e in effects]})
    return by_n, by_effect


# ---------------------------------------------------------------------------------------------
# The two designs


@dataclass
class Design:
    key: str  # "everyone" or "picks"
    name: str
    baseline_rate: float
    target_rate: float
    eligible_per_week: float | None  # None when the data cannot tell (no dates)
    plan: TestPlan


def designs(*, churn_rate: float, contact_share: float, hit_rate: float, save_rate: float,
            customers_per_week: float | None, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0,
            alternative: str = "two-sided") -> list[Design]:
    """(a) split everyone and call the model's picks in the test group; (b) split only the picks.

    In (a) only ``contact_share`` of the test group is called, so the group's churn falls by
    ``contact_share * hit_rate * save_rate``; in (b) every test customer is called, so churn falls
    from ``hit_rate`` (the picks' churn) by ``hit_rate * save_rate``, but only the picks enter.
    """
    out = []
    a_target = churn_rate - contact_share * hit_rate * save_rate
    b_target = hit_rate * (1 - save_rate)
    for key, name, base, target, per_week in (
        ("everyone", "Split all customers, call the model's picks in the test group", churn_rate, a_target,
         customers_per_week),
        ("picks", "Split only the customers the model picks, call one half", hit_rate, b_target,
         None if customers_per_week is None else customers_per_week * contact_share),
    ):
        plan = plan_test(base, target, alpha=alpha, power=power, ratio=ratio, alternative=alternative,
                         eligible_per_week=per_week)
        out.append(Design(key, name, base, target, per_week, plan))
    return out


# ---------------------------------------------------------------------------------------------
# Reading the result


@dataclass
class Readout:
    control_n: int
    control_churned: int
    test_n: int
    test_churned: int
    alpha: float
    expected_ratio: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    srm_p_value: float
    verdict: str
    warnings: list[str] = field(default_factory=list)
    exact_p_value: float | None = None  # Fisher's exact test, when the counts are small

    @property
    def control_rate(self) -> float:
        return self.control_churned / self.control_n

    @property
    def test_rate(self) -> float:
        return self.test_churned / self.test_n

    @property
    def relative(self) -> float:
        return self.difference / self.control_rate if self.control_rate else math.nan

    @property
    def decision_p_value(self) -> float:
        """The p-value the decision uses: exact for small counts, else the z-test's."""
        return self.p_value if self.exact_p_value is None else self.exact_p_value

    @property
    def excludes_zero(self) -> bool:
        return self.ci_high < 0 or self.ci_low > 0

    @property
    def too_small(self) -> bool:
        """Counts so small that the exact test and the range disagree: neither can be relied on."""
        return self.exact_p_value is not None and self.excludes_zero != (self.exact_p_value < self.alpha)

    @property
    def significant(self) -> bool:
        """A clear result: the range excludes zero and the decision's p-value is below alpha."""
        return self.decision_p_value < self.alpha and self.excludes_zero

    @property
    def srm(self) -> bool:
        return self.srm_p_value < SRM_ALPHA


#: Below this many expected leavers (or stayers) in a group, the z-test's normal approximation is
#: shaky and the decision uses Fisher's exact test instead (the usual rule of thumb).
MIN_EXPECTED = 5


def read_test(control_n: int, control_churned: int, test_n: int, test_churned: int, *, alpha: float = 0.05,
              expected_ratio: float = 1.0, planned_total: int | None = None) -> Readout:
    """The effect (test - control churn) with its Newcombe range, p-value, split check and verdict.

    ``p_value`` is the pooled two-sided z-test. The decision (``significant``) needs both a range
    that excludes zero and a p-value below ``alpha``, from Fisher's exact test when a group expects
    fewer than :data:`MIN_EXPECTED` leavers or stayers (else the z-test), so the words, the range
    and the decision never disagree.
    """
    from scipy.stats import chisquare, fisher_exact
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    for n, c, g in ((control_n, control_churned, "control"), (test_n, test_churned, "test")):
        if n <= 0 or c < 0 or c > n or int(n) != n or int(c) != c:
            raise DataError(f"The {g} group needs a whole number of customers above 0 and leavers between 0 and "
                            f"that number (got {c} of {n}).")
    control_n, control_churned, test_n, test_churned = map(int, (control_n, control_churned, test_n, test_churned))
    diff = test_churned / test_n - control_churned / control_n
    lo, hi = confint_proportions_2indep(test_churned, test_n, control_churned, control_n, method="newcomb",
                                        compare="diff", alpha=alpha)
    if control_churned + test_churned in (0, control_n + test_n):
        p = 1.0  # nobody (or everybody) left: no evidence either way
    else:
        p = float(proportions_ztest([test_churned, control_churned], [test_n, control_n])[1])
    total = control_n + test_n
    pooled = (control_churned + test_churned) / total
    small = min(n * min(pooled, 1 - pooled) for n in (control_n, test_n)) < MIN_EXPECTED
    exact = float(fisher_exact([[test_churned, test_n - test_churned],
                                [control_churned, control_n - control_churned]])[1]) if small else None
    expected = [total / (1 + expected_ratio), total * expected_ratio / (1 + expected_ratio)]
    srm_p = float(chisquare([control_n, test_n], expected).pvalue)
    r = Readout(control_n, control_churned, test_n, test_churned, alpha, expected_ratio, diff, float(lo), float(hi),
                p, srm_p, verdict="", exact_p_value=exact)
    r.warnings = _warnings(r, planned_total)
    r.verdict = _verdict(r)
    return r


def _warnings(r: Readout, planned_total: int | None) -> list[str]:
    w = []
    if r.srm:
        share = r.test_n / (r.control_n + r.test_n)
        planned = r.expected_ratio / (1 + r.expected_ratio)
        w.append(f"The groups are not the size the split planned ({fmt_pct(share)} in the test group instead of "
                 f"{fmt_pct(planned)}). Something in how customers were assigned went wrong; fix that before "
                 "trusting any result.")
    if planned_total and r.control_n + r.test_n < planned_total:
        w.append(f"The test stopped at {fmt_count(r.control_n + r.test_n, people=False)} customers, before the "
                 f"planned {fmt_count(planned_total, people=False)}. Looking early and stopping when the numbers "
                 "look good makes chance results look real: finish the test as planned.")
    if min(r.control_churned, r.test_churned) < MIN_LEAVERS or min(r.control_n, r.test_n) < 100:
        w.append("Too few customers (or too few leavers) in a group for a reliable answer: the range is wide"
                 + (", and the decision uses an exact test." if r.exact_p_value is not None else "."))
    return w


def signed_points(lo: float, hi: float, *, unit: str = "leavers per 100 customers") -> str:
    """A range of differences (test - control) in words from its signs: 'between 1.2 and 4.4 fewer',
    'anywhere from 2 fewer to 0.3 more', 'between 0.5 and 3 more'."""
    if lo < 0 < hi:
        return f"anywhere from {_pts(lo)} fewer to {_pts(hi)} more {unit}"
    a, b = sorted((abs(lo), abs(hi)))
    return f"between {_pts(a)} and {_pts(b)} {'fewer' if hi <= 0 else 'more'} {unit}"


def _verdict(r: Readout) -> str:
    rng = signed_points(r.ci_low, r.ci_high)
    if r.srm:
        return "Not readable yet: the groups are not the size the split planned, so the comparison is unfair."
    if r.too_small:
        return (f"Too few customers to tell: churn was {fmt_pct(r.control_rate)} without and {fmt_pct(r.test_rate)} "
                f"with the campaign, but with so few customers an exact test cannot rule out chance (a "
                f"{_odds(r.exact_p_value)} chance of a gap this size with no effect), so the range below is not "
                "reliable either. Run a larger test.")
    if r.significant and r.difference < 0:
        return (f"The campaign worked: churn fell from {fmt_pct(r.control_rate)} to {fmt_pct(r.test_rate)}, "
                f"{rng}. That is unlikely to be chance.")
    if r.significant and r.difference > 0:
        return (f"The campaign backfired: churn rose from {fmt_pct(r.control_rate)} to {fmt_pct(r.test_rate)}, "
                f"{rng}. That is unlikely to be chance; stop it and find out why.")
    return (f"No clear effect yet: churn was {fmt_pct(r.control_rate)} without and {fmt_pct(r.test_rate)} with the "
            f"campaign, but the true effect could be {rng}.")


def _odds(p: float) -> str:
    """0.087 -> '1 in 11'."""
    return f"1 in {max(2, round(1 / p))}" if p > 0 else "tiny"


def _pts(x: float) -> str:
    """A difference in rates as leavers per 100 customers: 0.031 -> '3.1'."""
    v = abs(x) * 100
    return f"{v:.1f}".rstrip("0").rstrip(".") if v < 10 else f"{v:.0f}"


GROUP_NAMES = {"control": {"control", "c", "a", "0", "holdout", "hold-out", "hold out", "no contact", "baseline"},
               "test": {"test", "t", "b", "1", "treatment", "treated", "campaign", "contacted", "variant"}}


def test_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Per-customer rows of a results file as ``called`` (True: test group) and ``left`` (0/1),
    keeping the file's other columns; rows whose group or outcome is blank are dropped."""
    if df is None or df.empty:
        raise DataError("The results file has no rows. It needs one row per customer with their group and "
                        "whether they left.")
    names = {normalise_name(c): c for c in df.columns}
    group_col = next((names[k] for k in names if k in ("group", "variant", "arm", "ab_group", "test_group",
                                                        "treatment", "bucket")), None)
    churn_col = next((names[k] for k in names if k in ("churned", "churn", "left", "has_churned", "outcome",
                                                        "converted", "label")
                      or k.startswith("churned")), None)
    if group_col is None or churn_col is None:
        raise DataError(f"The results file needs a 'group' column (control / test) and a 'churned' column "
                        f"(yes / no). Found: {', '.join(map(str, df.columns[:8]))}.")
    g = df[group_col].astype("string").str.strip().str.lower()
    kind = pd.Series(pd.NA, index=df.index, dtype="string")
    for k, vals in GROUP_NAMES.items():
        kind[g.isin(vals)] = k
    unknown = g[kind.isna() & g.notna()].unique()[:3]
    if len(unknown):
        raise DataError(f"Column '{group_col}' has groups we can't tell apart as control or test: "
                        f"{', '.join(map(str, unknown))}. Use 'control' and 'test'.")
    y = binary_values(df[churn_col])
    if y is None:
        raise DataError(f"Column '{churn_col}' should say whether each customer left (yes/no, 1/0).")
    ok = kind.notna() & y.notna()
    rest = df.drop(columns=[group_col, churn_col])[ok]
    out = rest.assign(called=(kind[ok] == "test").to_numpy(bool), left=y[ok].to_numpy().astype(int))
    for k, sel in (("control", ~out["called"]), ("test", out["called"])):
        if not sel.any():
            raise DataError(f"The results file has no customers in the {k} group.")
    return out.reset_index(drop=True)


def results_from_table(df: pd.DataFrame) -> tuple[int, int, int, int]:
    """(control_n, control_churned, test_n, test_churned) from per-customer rows (group, churned)."""
    rows = test_rows(df)
    c, t = rows[~rows["called"]], rows[rows["called"]]
    return len(c), int(c["left"].sum()), len(t), int(t["left"].sum())


# ---------------------------------------------------------------------------------------------
# Findings


def fmt_weeks(w: float | None) -> str:
    if w is None or not math.isfinite(w):
        return "n/a"
    return "under a week" if w < 1 else f"about {math.ceil(w - 1e-9)} {'week' if math.ceil(w - 1e-9) == 1 else 'weeks'}"


def plan_finding(design: Design, other: Design | None = None) -> Finding:
    p = design.plan
    f = facts(
        Fact("n_control", p.n_control, "customers", fmt_count(p.n_control, people=False)),
        Fact("n_test", p.n_test, "customers", fmt_count(p.n_test, people=False)),
        Fact("total", p.total, "customers", fmt_count(p.total, people=False)),
        Fact("weeks", p.weeks, "weeks", fmt_weeks(p.weeks)),
        Fact("baseline_rate", p.baseline_rate, "share", fmt_pct(p.baseline_rate)),
        Fact("target_rate", p.target_rate, "share", fmt_pct(p.target_rate)),
        Fact("confidence", 1 - p.alpha, "share", fmt_pct(1 - p.alpha)),
        Fact("power", p.power, "share", fmt_pct(p.power)),
    )
    T = texts(f)
    split = "half and half" if p.ratio == 1 else f"{fmt_pct(p.ratio / (1 + p.ratio))} in the test group"
    per_week = p.eligible_per_week or design.eligible_per_week
    # the label's horizon (30 days) is known only for dated data; a file without dates does not say it
    dated = design.eligible_per_week is not None
    wait = "4 weeks" if dated else "as long as the churn column looks ahead"
    bullets = [
        f"Without the campaign {T['baseline_rate']} of these customers leave{' within a month' if dated else ''}; "
        f"we expect {T['target_rate']} with it.",
        f"Split {split}: {T['n_test']} customers in the test group, {T['n_control']} left alone as the comparison.",
        f"Enrolling takes {T['weeks']} at {fmt_count(per_week, people=False)} eligible customers a week, then "
        + ("about 4 more weeks until we know who left." if wait[0].isdigit() else f"wait {wait} to see who left.")
        if per_week else
        "How long enrolling takes depends on how many customers become eligible, which a file without dates "
        f"cannot tell; then wait {wait} to see who left.",
        f"Planned so that {T['power']} of tests like this would show the effect if it is real, and a campaign with "
        f"no effect would look like a success only {fmt_pct(p.alpha)} of the time.",
    ]
    if other is not None:
        o = other.plan
        bullets.append(_tradeoff(design, other))
        f["other_total"] = Fact("other_total", o.total, "customers", fmt_count(o.total, people=False))
        f["other_weeks"] = Fact("other_weeks", o.weeks, "weeks", fmt_weeks(o.weeks))
    by_n, by_effect = power_curves(p)
    return Finding(
        key="ab_plan",
        title=f"A fair test needs {T['total']} customers" + (f", {T['weeks']} of enrolment" if p.weeks else ""),
        chart=lambda: charts.power_chart(by_n, by_effect, p.n_control, p.power),
        plot=lambda: _power_plot(by_n, p.n_control, T),
        next_steps=[f"Run the A/B test: {T['n_test']} customers in the test group and {T['n_control']} in the "
                    "comparison group, " + (f"{T['weeks']} of enrolment, then " if p.weeks else "then ")
                    + ("4 weeks" if dated else f"wait {wait}") + " to see who left."],
        headline=f"{design.name}: {T['n_test']} in the test group and {T['n_control']} in the comparison group.",
        bullets=bullets,
        facts=f,
        caveats=["The expected effect comes from the current assumptions (share of contacted leavers the offer "
                 "keeps); if the real effect is smaller, the test needs more customers."],
        notes=[f"Two-proportion z-test, pooled variance under no effect and unpooled under the expected effect "
               f"(statsmodels); {p.alternative}, alpha {p.alpha:g}, power {p.power:g}, ratio test/control "
               f"{p.ratio:g}."],
        technical=[f"Effect {p.difference * 100:+.2f} points ({p.relative:+.0%} relative); p-value threshold "
                   f"{p.alpha:g}."],
    )


#: A permanent holdout is sized so that over this many lists its outcomes measure the list's hit rate ...
HOLDOUT_LISTS = 3
#: ... within this share of its value (90% confidence).
HOLDOUT_PRECISION = 0.25


def holdout_size(hit_rate: float, contacts: int, *, lists: int = HOLDOUT_LISTS, precision: float = HOLDOUT_PRECISION,
                 confidence: float = 0.9) -> int:
    """Customers of each list to leave uncalled at random so that, over ``lists`` lists, their outcomes
    measure the list's hit rate within ``precision`` of its value: n = z² (1 − p) / (precision² p)
    (normal approximation), spread over the lists; at most half the list."""
    from statistics import NormalDist

    if not 0 < hit_rate < 1 or contacts < 2:
        return 0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    n = z * z * (1 - hit_rate) / (precision ** 2 * hit_rate)
    return int(min(contacts // 2, math.ceil(n / lists)))


def holdout_bullet(f: dict[str, Fact], *, hit_rate: float, contacts: int, save_rate: float, value_per_kept: float,
                   currency: str, dated: bool, cost_per_contact: float = 0.0) -> str | None:
    """The permanent holdout the feedback loop needs, in words (adds its figures to ``f``)."""
    n = holdout_size(hit_rate, contacts)
    if n == 0:
        return None
    forgone = n * hit_rate * save_rate
    net = forgone * value_per_kept - n * cost_per_contact  # what is given up, less the calls not made
    f["holdout"] = Fact("holdout", n, "customers", fmt_count(n, people=False))
    f["holdout_cost"] = Fact("holdout_cost", net, currency, fmt_money(abs(net), currency))
    every, span = ("every month", f"over {HOLDOUT_LISTS} months") if dated else ("each time", f"over {HOLDOUT_LISTS} lists")
    return (f"Once the list is called, keep a permanent comparison group: leave {f['holdout'].text} of its "
            f"{fmt_count(contacts, people=False)} customers ({fmt_pct(n / contacts)}) uncalled, chosen at random, {every}. A call "
            f"changes who leaves, so without them the model can no longer be checked or retrained fairly; {span} "
            f"their outcomes show the list's hit rate (about {fmt_pct(hit_rate)}) within a quarter of its value. "
            f"It gives up about {fmt_count(forgone)} kept customers {every}, "
            + (f"worth {f['holdout_cost'].text} after the calls it saves." if net > 0 else
               f"and the calls it saves are worth more ({f['holdout_cost'].text} to the good)."))


def _power_plot(by_n: pd.DataFrame, planned: int, T: dict[str, str]):
    """The chance the test shows the effect against the customers per group, as data."""
    return plots.Plot(
        "xy", f"Line: the chance the test shows the effect against the customers in each group; "
              f"{T['n_control']} in each group give {T['power']}.",
        series=(plots.Series("Chance the test shows the effect", tuple(map(float, by_n["power"])),
                             xs=tuple(map(float, by_n["customers"]))),),
        x_title="Customers in the comparison group", y_title="Chance the test shows the effect",
        number_format="0%", marks=((planned, f"Planned: {T['n_control']}"),))


def _tradeoff(chosen: Design, other: Design) -> str:
    a, b = (chosen, other) if chosen.key == "everyone" else (other, chosen)
    def weeks(d: Design) -> str:  # a file without dates cannot say how many weeks
        return f" ({fmt_weeks(d.plan.weeks)})" if d.plan.weeks else ""

    return (f"Splitting everyone dilutes the effect (only the called customers can be kept), so it needs "
            f"{fmt_count(a.plan.total, people=False)} customers{weeks(a)}; splitting only the "
            f"model's picks needs {fmt_count(b.plan.total, people=False)}{weeks(b)} but says "
            "nothing about customers the model would not pick.")


def kept_text(x: float) -> str:
    """A signed count of customers kept: '40 kept', '12 more leaving', 'none'."""
    if x >= 0.5:
        return f"{fmt_count(x)} kept"
    if x <= -0.5:
        return f"{fmt_count(-x)} more leaving"
    return "none either way"


def readout_finding(r: Readout, *, customers_per_month: float | None = None, value_per_kept: float | None = None,
                    cost_per_month: float = 0.0, currency: str = "$", per: str = " a month",
                    reach: str = "the model's list") -> Finding:
    """The test read in words (``reach``: whom the test called, as its next step names them). ``customers_per_month`` (with ``value_per_kept``) prices the effect
    for the customers the campaign would reach each period (``per``: ' a month', or '' when the
    data has no dates), with the range's both ends, harm included."""
    f = facts(
        Fact("control_rate", r.control_rate, "share", fmt_pct(r.control_rate)),
        Fact("test_rate", r.test_rate, "share", fmt_pct(r.test_rate)),
        Fact("difference", r.difference, "share", _pts(r.difference)),
        Fact("ci_low", r.ci_low, "share", _pts(r.ci_low)),
        Fact("ci_high", r.ci_high, "share", _pts(r.ci_high)),
        Fact("customers", r.control_n + r.test_n, "customers", fmt_count(r.control_n + r.test_n, people=False)),
        Fact("range_level", 1 - r.alpha, "share", fmt_pct(1 - r.alpha)),
        Fact("worked", bool(r.significant and r.difference < 0 and not r.srm), "",
             "yes" if r.significant and r.difference < 0 and not r.srm else "no"),
    )
    bullets = [
        f"Comparison group: {fmt_count(r.control_churned, people=False)} of {fmt_count(r.control_n, people=False)} "
        f"left ({f['control_rate'].text}); test group: {fmt_count(r.test_churned, people=False)} of "
        f"{fmt_count(r.test_n, people=False)} ({f['test_rate'].text}).",
        f"The range is where the true effect lies with {fmt_pct(1 - r.alpha)} confidence: "
        f"{signed_points(r.ci_low, r.ci_high)}.",
    ]
    if r.too_small:
        bullets[1] = (f"The usual range, {signed_points(r.ci_low, r.ci_high)}, is not reliable at these counts: "
                      "the exact test disagrees with it.")
    if customers_per_month and value_per_kept is not None and not r.srm and not r.too_small:
        bullets.append(_priced(r, f, customers_per_month, value_per_kept, cost_per_month, currency, per))
    return Finding(
        key="ab_readout",
        title=_readout_title(r, f),
        chart=lambda: charts.ab_result_chart(_groups(r)),
        plot=lambda: _groups_plot(_groups(r), r),
        next_steps=[_next_step(r, f.get("net_per_month"), reach)],
        headline=r.verdict,
        bullets=bullets,
        facts=f,
        caveats=list(r.warnings),
        notes=["Difference = test churn minus comparison churn; range: Newcombe (Wilson score) interval; "
               "p-value: pooled two-sided z-test; group sizes checked against the planned split with a "
               "chi-square test."],
        technical=[f"Difference {r.difference * 100:+.2f} points, {100 * (1 - r.alpha):.0f}% CI "
                   f"[{r.ci_low * 100:+.2f}, {r.ci_high * 100:+.2f}]; p-value {r.p_value:.4f} (pooled z-test)"
                   + (f", Fisher's exact p {r.exact_p_value:.4f} (used for the decision: small counts)"
                      if r.exact_p_value is not None else "")
                   + f"; called a clear result only when the range excludes zero; sample-ratio p-value "
                   f"{r.srm_p_value:.3f}."],
    )




def _priced(r: Readout, f: dict[str, Fact], customers_per_month: float, value_per_kept: float,
            cost_per_month: float, currency: str, per: str) -> str:
    """The effect for the customers the campaign reaches each period, in customers and money, with the
    range's both ends (harm included); adds those figures to ``f``."""
    kept_per_100 = -r.difference * 100
    kept = kept_per_100 / 100 * customers_per_month
    worth = kept * value_per_kept - cost_per_month
    lo_k, hi_k = -r.ci_high * customers_per_month, -r.ci_low * customers_per_month  # signed: negative = harm
    lo_net, hi_net = lo_k * value_per_kept - cost_per_month, hi_k * value_per_kept - cost_per_month
    f["priced_for"] = Fact("priced_for", customers_per_month, "customers", fmt_count(customers_per_month))
    f["kept_per_month"] = Fact("kept_per_month", kept, "customers", fmt_count(kept))
    f["net_per_month"] = Fact("net_per_month", worth, currency, fmt_money(worth, currency))
    lo_text, hi_text = fmt_money_range(lo_net, hi_net, currency)  # rounded outward: the range never narrows
    f["net_low"] = Fact("net_low", lo_net, currency, lo_text)
    f["net_high"] = Fact("net_high", hi_net, currency, hi_text)
    effect = (f"keeps about {f['kept_per_month'].text} of them" if kept >= 0.5 else
              f"loses about {fmt_count(-kept)} more of them" if kept <= -0.5 else "keeps none of them")
    return (
        f"At this effect, running the campaign for {fmt_count(customers_per_month)} customers{per} {effect} "
        f"(anywhere from {kept_text(lo_k)} to {kept_text(hi_k)}), worth {f['net_per_month'].text}{per} after "
        f"campaign costs (from {f['net_low'].text} to {f['net_high'].text}) at the current assumptions.")


def _readout_title(r: Readout, f: dict[str, Fact]) -> str:
    if r.srm:
        return "The test's groups are unbalanced: fix the split before reading the result"
    if r.significant and r.difference < 0:
        return f"The campaign kept customers: churn fell from {f['control_rate'].text} to {f['test_rate'].text}"
    if r.significant:
        return f"The campaign made more customers leave: churn rose from {f['control_rate'].text} to {f['test_rate'].text}"
    return "The test shows no clear effect of the campaign yet"


def _groups(r: Readout) -> pd.DataFrame:
    """Each group's churn with its own range, for the chart."""
    groups = pd.DataFrame({"group": ["Comparison group", "Test group"], "rate": [r.control_rate, r.test_rate],
                           "customers": [r.control_n, r.test_n]})
    bounds = [_wilson(r.control_churned, r.control_n, r.alpha), _wilson(r.test_churned, r.test_n, r.alpha)]
    groups["low"], groups["high"] = [b[0] for b in bounds], [b[1] for b in bounds]
    groups["label"] = groups["rate"].map(fmt_pct)
    return groups


def _groups_plot(groups: pd.DataFrame, r: Readout):
    colours = [charts.POLICY_COLOURS[charts.RANDOM], charts.POLICY_COLOURS[charts.MODEL]]
    return plots.one_bar_series(
        list(groups["group"]), list(groups["rate"]), list(groups["label"]), title="Left within a month", percent=True,
        low=list(groups["low"]), high=list(groups["high"]), colours=colours,
        alt=f"Bars: churn in the comparison group ({fmt_pct(r.control_rate)}) and the test group "
            f"({fmt_pct(r.test_rate)}), each with the range it could lie in by chance.")


def _wilson(count: int, n: int, alpha: float) -> tuple[float, float]:
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(count, n, alpha=alpha, method="wilson")
    return float(lo), float(hi)


def _next_step(r: Readout, net: Fact | None = None, reach: str = "the model's list") -> str:
    if r.srm:
        return "Fix how customers are assigned to the groups, then restart the test."
    if any("before the planned" in w for w in r.warnings):
        return "Let the test run to its planned size before deciding anything."
    if r.significant and r.difference < 0 and net is not None and net.value <= 0:
        return ("Do not roll the campaign out as tested: the customers it keeps are worth less than the calls. "
                "Call fewer customers, those most likely to leave, or find a cheaper offer, and test that.")
    if r.significant and r.difference < 0:
        return (f"Roll the campaign out to {reach}, keeping a small comparison group to watch that the "
                "effect lasts.")
    if r.significant:
        return "Stop the campaign and find out why it made customers leave."
    return ("Decide whether a larger test is worth running: an effect this size cannot be told apart from chance "
            "with these customers.")
