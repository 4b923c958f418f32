"""plan_test and read_test against statsmodels, closed-form textbook formulas and brute force."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm
from statsmodels.stats.proportion import power_proportions_2indep

from storytelling.abtest import (
    designs,
    plan_finding,
    plan_test,
    power_curves,
    read_test,
    readout_finding,
    results_from_table,
)
from storytelling.data import DataError
from storytelling.sample import load_sample_ab
from storytelling.story import EXECUTIVE, has_jargon


def textbook_n(p_control, p_test, alpha, power, ratio, sided):
    """Fleiss / Chow-Shao-Wang: pooled variance under H0, unpooled under H1; ratio = n_test / n_control.

    Returns the (unrounded) test-group size, as sample-size calculators print it.
    """
    k = 1 / ratio  # n_control = k * n_test
    za = norm.ppf(1 - alpha / (2 if sided == 2 else 1))
    zb = norm.ppf(power)
    pbar = (p_test + k * p_control) / (1 + k)
    d = abs(p_test - p_control)
    num = za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / k)) + zb * math.sqrt(p_test * (1 - p_test) + p_control * (1 - p_control) / k)
    return (num / d) ** 2


CASES = [  # (control, test, alpha, power, ratio, alternative)
    (0.10, 0.12, 0.05, 0.8, 1.0, "two-sided"),   # increase, equal split
    (0.15, 0.11, 0.05, 0.8, 1.0, "two-sided"),   # decrease (the normal case)
    (0.15, 0.11, 0.05, 0.9, 1.0, "one-sided"),   # decrease, one-sided
    (0.05, 0.04, 0.10, 0.8, 9.0, "two-sided"),   # 90/10 split (test is 9x control)
    (0.05, 0.04, 0.05, 0.8, 1 / 9, "smaller"),   # 10% test group
    (0.20, 0.25, 0.01, 0.9, 2.0, "larger"),
]


@pytest.mark.parametrize("c,t,alpha,power,ratio,alt", CASES)
def test_plan_matches_the_textbook_formula_and_statsmodels_power(c, t, alpha, power, ratio, alt):
    plan = plan_test(c, t, alpha=alpha, power=power, ratio=ratio, alternative=alt)
    n_test = textbook_n(c, t, alpha, power, ratio, 2 if alt == "two-sided" else 1)
    assert plan.n_test == math.ceil(n_test - 1e-9)
    assert plan.n_control == math.ceil(n_test / ratio - 1e-9)
    assert plan.total == plan.n_control + plan.n_test
    # independent check: statsmodels' power at the planned size reaches the target, one fewer does not
    sm_alt = alt if alt != "one-sided" else ("smaller" if t < c else "larger")
    pw = lambda n: power_proportions_2indep(t - c, c, n, ratio=1 / ratio, alpha=alpha,  # noqa: E731
                                            alternative=sm_alt, return_results=False)
    assert pw(n_test) == pytest.approx(power, abs=2e-3)
    assert pw(plan.n_test) >= power - 2e-3


def test_published_figures():
    # 10% -> 12%, 95% two-sided, 80% power: 3,841 per group (the figure sample-size calculators print)
    p = plan_test(0.10, 0.12)
    assert (p.n_control, p.n_test) == (3841, 3841)
    # the same effect as a decrease needs the same customers (no sign trap)
    q = plan_test(0.12, 0.10)
    assert (q.n_control, q.n_test) == (3841, 3841)
    # 20% -> 25%, 95% two-sided, 80% power: 1,094 per group
    assert plan_test(0.20, 0.25).n_test == 1094


def test_weeks_from_traffic():
    p = plan_test(0.15, 0.11, eligible_per_week=500)
    assert p.weeks == pytest.approx(p.total / 500)
    assert plan_test(0.15, 0.11).weeks is None


def test_plan_rejects_nonsense():
    with pytest.raises(DataError):
        plan_test(0.1, 0.1)
    with pytest.raises(DataError):
        plan_test(0, 0.1)
    with pytest.raises(DataError, match="other direction"):
        plan_test(0.15, 0.11, alternative="larger")


def test_power_curves_rise_with_customers_and_effect():
    p = plan_test(0.15, 0.11)
    by_n, by_e = power_curves(p)
    assert by_n["power"].is_monotonic_increasing and by_e["power"].is_monotonic_increasing
    assert (by_e["effect"] > 0).all()  # a drop is shown as a positive "fewer leavers"
    a, b = designs(churn_rate=0.03, contact_share=0.1, hit_rate=0.15, save_rate=0.3, customers_per_week=3000)
    spec = plan_finding(b).get_chart().to_dict()  # a valid Vega-Lite spec whose data is the plan's own curve
    rows = [r for d in spec.get("datasets", {}).values() for r in d]
    assert rows and any(abs(r.get("power", -1) - b.plan.power) < 0.02 for r in rows)
    # at the planned size the two-proportion test reaches the planned power (statsmodels, independently)
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    es = proportion_effectsize(b.plan.baseline_rate, b.plan.target_rate)
    got = NormalIndPower().power(es, nobs1=b.plan.n_control, alpha=0.05, ratio=b.plan.n_test / b.plan.n_control)
    assert got == pytest.approx(0.8, abs=0.02)


def wilson(c, n, z):
    p = c / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize("cn,cc,tn,tc", [(1891, 288, 1775, 233), (5000, 500, 5000, 600), (900, 40, 8100, 300),
                                        (200, 30, 210, 31)])
def test_readout_matches_independent_formulas(cn, cc, tn, tc):
    r = read_test(cn, cc, tn, tc, expected_ratio=tn / cn if cn != tn else 1.0)
    pc, pt = cc / cn, tc / tn
    assert r.difference == pytest.approx(pt - pc)
    # Newcombe's hybrid score interval from two Wilson intervals
    z = norm.ppf(0.975)
    lt, ut = wilson(tc, tn, z)
    lc, uc = wilson(cc, cn, z)
    d = pt - pc
    assert r.ci_low == pytest.approx(d - math.sqrt((pt - lt) ** 2 + (uc - pc) ** 2))
    assert r.ci_high == pytest.approx(d + math.sqrt((ut - pt) ** 2 + (pc - lc) ** 2))
    # pooled two-sided z-test
    pp = (cc + tc) / (cn + tn)
    zstat = d / math.sqrt(pp * (1 - pp) * (1 / cn + 1 / tn))
    assert r.p_value == pytest.approx(2 * norm.sf(abs(zstat)))


def test_sample_ratio_mismatch():
    ok = read_test(5000, 500, 5050, 450)
    assert not ok.srm and ok.srm_p_value == pytest.approx(chi2.sf((5000 - 5025) ** 2 / 5025 * 2, 1))
    bad = read_test(5000, 500, 5600, 450)
    assert bad.srm and "not the size the split planned" in bad.warnings[0]
    assert bad.verdict.startswith("Not readable yet")
    holdout = read_test(1000, 150, 9000, 1100, expected_ratio=9)
    assert not holdout.srm


def test_verdicts_and_warnings_in_words():
    worked = read_test(5000, 750, 5000, 550)
    assert worked.verdict.startswith("The campaign worked") and worked.difference < 0
    assert "fewer leavers per 100 customers" in worked.verdict
    backfired = read_test(5000, 550, 5000, 750)
    assert backfired.verdict.startswith("The campaign backfired")
    unclear = read_test(300, 45, 300, 40, planned_total=2000)
    assert unclear.verdict.startswith("No clear effect yet")
    assert any("before the planned" in w for w in unclear.warnings)
    assert any("Too few customers" in w for w in read_test(50, 5, 50, 3).warnings)
    with pytest.raises(DataError):
        read_test(100, 120, 100, 5)


def test_results_from_the_sample_file_and_other_spellings():
    df = load_sample_ab()
    cn, cc, tn, tc = results_from_table(df)
    assert cn == (df["group"] == "control").sum() and tc == df.loc[df["group"] == "test", "churned"].sum()
    other = pd.DataFrame({"Variant": ["A", "B", "B", "A"], "Churned": ["yes", "no", "yes", "no"]})
    assert results_from_table(other) == (2, 1, 2, 1)
    with pytest.raises(DataError, match="control or test"):
        results_from_table(pd.DataFrame({"group": ["x", "y"], "churned": [0, 1]}))
    with pytest.raises(DataError, match="needs a 'group' column"):
        results_from_table(pd.DataFrame({"a": [1]}))


def test_designs_dilute_or_concentrate_the_effect():
    a, b = designs(churn_rate=0.03, contact_share=0.1, hit_rate=0.15, save_rate=0.3, customers_per_week=3000)
    assert a.target_rate == pytest.approx(0.03 - 0.1 * 0.15 * 0.3)
    assert b.baseline_rate == 0.15 and b.target_rate == pytest.approx(0.15 * 0.7)
    assert b.eligible_per_week == pytest.approx(300)
    assert a.plan.total > b.plan.total  # the diluted effect needs far more customers
    f = plan_finding(a, b)
    assert "dilutes the effect" in " ".join(f.bullets)
    assert f.fact("total").value == a.plan.total
    assert not has_jargon(f.text_for(EXECUTIVE))


def test_readout_finding_speaks_plainly_and_prices_the_effect():
    r = read_test(5000, 750, 5000, 550)
    f = readout_finding(r, customers_per_month=1000, value_per_kept=600, cost_per_month=8000)
    assert not has_jargon(f.text_for(EXECUTIVE))
    assert f.fact("kept_per_month").value == pytest.approx(40)
    assert f.fact("net_per_month").value == pytest.approx(40 * 600 - 8000)
    assert np.isfinite(f.fact("ci_low").value)


def test_the_roll_out_step_names_whom_the_test_called(sample_lift_drivers):
    """A test that called every kind of customer does not tell marketing to roll out 'to the model's
    list'; one that split the model's picks does."""
    from storytelling.report import ab_readout_for

    lift, _ = sample_lift_drivers
    r = read_test(20_000, 3000, 20_000, 2000)
    everyone, picks = ab_readout_for(lift, r, "everyone"), ab_readout_for(lift, r, "picks")
    assert picks.next_steps[0].startswith("Roll the campaign out to the model's list")
    assert everyone.next_steps[0].startswith("Roll the campaign out to every customer, as tested")
