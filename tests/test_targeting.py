"""TargetingCurve and Assumptions against brute force (ties included)."""

import math

import numpy as np
import pytest

from storytelling.targeting import Assumptions, TargetingCurve


def brute_top(scores, churned, value, k):
    """Top k by descending score, ties in input order, by plain Python sorting."""
    idx = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
    c = sum(int(churned[i]) for i in idx)
    v = sum(value[i] * churned[i] for i in idx) if value is not None else None
    return c, v


@pytest.fixture()
def tied(rng):
    n = 600
    scores = rng.choice([0.1, 0.2, 0.2, 0.5, 0.9], size=n)  # heavy ties
    churned = rng.random(n) < scores * 0.5
    value = rng.gamma(2.0, 30.0, size=n)
    return scores, churned, value


@pytest.mark.parametrize("k", [0, 1, 2, 7, 50, 123, 300, 599, 600, 10_000])
def test_at_count_matches_brute_force(tied, k):
    scores, churned, value = tied
    curve = TargetingCurve.from_scores(scores, churned, value)
    p = curve.at_count(k)
    kk = min(k, len(scores))
    c, v = brute_top(scores, churned, value, kk)
    assert p.contacted == kk
    assert p.churners_reached == c
    assert p.value_reached == pytest.approx(v)
    base = churned.mean()
    if kk:
        assert p.hit_rate == pytest.approx(c / kk)
        assert p.lift == pytest.approx((c / kk) / base)
    assert p.share_of_churners_reached == pytest.approx(c / churned.sum())


def test_ties_follow_input_order():
    scores = np.array([0.5, 0.5, 0.5, 0.5])
    churned = np.array([0, 1, 0, 1])
    curve = TargetingCurve.from_scores(scores, churned)
    assert [curve.at_count(k).churners_reached for k in range(5)] == [0, 0, 1, 1, 2]
    # At a threshold every tied customer is in.
    assert curve.at_threshold(0.5).contacted == 4


@pytest.mark.parametrize("t", [0.0, 0.05, 0.1, 0.15, 0.2, 0.2000001, 0.5, 0.9, 0.95, 1.0])
def test_at_threshold_matches_brute_force(tied, t):
    scores, churned, value = tied
    curve = TargetingCurve.from_scores(scores, churned, value)
    p = curve.at_threshold(t)
    mask = scores >= t
    assert p.contacted == mask.sum()
    assert p.churners_reached == churned[mask].sum()
    assert p.threshold == t


@pytest.mark.parametrize("f", [0.0, 0.1, 0.333, 0.5, 1.0])
def test_at_fraction(tied, f):
    scores, churned, value = tied
    curve = TargetingCurve.from_scores(scores, churned, value)
    assert curve.at_fraction(f).contacted == round(f * len(scores))


def test_outcome_formulas_flat_value(tied):
    scores, churned, _ = tied
    curve = TargetingCurve.from_scores(scores, churned)
    a = Assumptions(value_per_saved=500, cost_per_contact=12, save_rate=0.3, fixed_cost=1000)
    k = 150
    c, _ = brute_top(scores, churned, None, k)
    o = curve.outcome(k, a)
    assert o.saved == pytest.approx(0.3 * c)
    assert o.value == pytest.approx(500 * 0.3 * c)
    assert o.cost == pytest.approx(12 * k + 1000)
    assert o.net == pytest.approx(500 * 0.3 * c - 12 * k - 1000)
    assert o.roi == pytest.approx(o.net / o.cost)
    r = curve.random_outcome(k, a)
    assert r.churners_reached == pytest.approx(churned.mean() * k)
    assert r.saved == pytest.approx(0.3 * churned.mean() * k)


def test_outcome_formulas_customer_value(tied):
    scores, churned, value = tied
    curve = TargetingCurve.from_scores(scores, churned, value)
    a = Assumptions(value_per_saved=500, cost_per_contact=12, save_rate=0.25)
    _, v = brute_top(scores, churned, value, 200)
    assert curve.outcome(200, a).value == pytest.approx(0.25 * v)
    a12 = Assumptions(value_per_saved=500, cost_per_contact=12, save_rate=0.25, value_months=12)
    assert curve.outcome(200, a12).value == pytest.approx(0.25 * v * 12)
    # Random: expected summed value of leavers reached = k/n of all leavers' value.
    total = float((value * churned).sum())
    assert curve.random_outcome(200, a).value == pytest.approx(0.25 * total * 200 / len(scores))


def test_zero_contacts_costs_nothing(tied):
    scores, churned, _ = tied
    curve = TargetingCurve.from_scores(scores, churned)
    o = curve.outcome(0, Assumptions(500, 10, 0.3, fixed_cost=2000))
    assert o.cost == 0 and o.net == 0 and math.isnan(o.roi)


def test_best_count_matches_brute_force(tied):
    scores, churned, value = tied
    curve = TargetingCurve.from_scores(scores, churned, value)
    for a in [
        Assumptions(value_per_saved=0, cost_per_contact=3, save_rate=0.4, value_months=6),
        Assumptions(value_per_saved=0, cost_per_contact=30, save_rate=0.4, value_months=1, fixed_cost=50),
        Assumptions(value_per_saved=0, cost_per_contact=3, save_rate=0.4, value_months=6, capacity=40),
    ]:
        nets = [curve.outcome(k, a).net for k in range(len(scores) + 1)]
        limit = a.capacity if a.capacity is not None else len(scores)
        best = int(np.argmax(nets[: limit + 1]))
        expected = best if nets[best] > 0 else 0
        assert curve.best_count(a) == expected


def test_unprofitable_returns_zero(tied):
    scores, churned, _ = tied
    curve = TargetingCurve.from_scores(scores, churned)
    assert curve.best_count(Assumptions(value_per_saved=1, cost_per_contact=100, save_rate=0.1)) == 0


def test_bootstrap_range_brackets_estimate_and_matches_slow_bootstrap(rng):
    n = 3000
    scores = rng.random(n)
    churned = rng.random(n) < 0.02 + 0.2 * scores**3
    curve = TargetingCurve.from_scores(scores, churned)
    a = Assumptions(value_per_saved=400, cost_per_contact=5, save_rate=0.3)
    k = 400
    b = curve.bootstrap(k, a, n_boot=400, seed=1, predictive=False)
    point = curve.outcome(k, a)
    assert b.method == "bootstrap"
    assert b.saved.low <= point.saved <= b.saved.high
    assert b.net.low <= point.net <= b.net.high
    # Independent, slow bootstrap: resample customers with replacement, re-rank, top k.
    slow = []
    r2 = np.random.default_rng(99)
    for _ in range(400):
        i = r2.integers(0, n, n)
        s, c = scores[i], churned[i]
        top = np.argsort(-s, kind="stable")[:k]
        slow.append(c[top].sum())
    lo, hi = np.quantile(slow, [0.05, 0.95])
    assert b.reached.low == pytest.approx(lo, rel=0.15, abs=3)
    assert b.reached.high == pytest.approx(hi, rel=0.15, abs=3)


def test_bootstrap_normal_approximation_for_deep_lists(rng):
    n = 5000
    scores = rng.random(n)
    churned = rng.random(n) < 0.1
    curve = TargetingCurve.from_scores(scores, churned)
    a = Assumptions(value_per_saved=400, cost_per_contact=5, save_rate=0.3)
    exact = curve.bootstrap(3000, a, n_boot=200, max_cells=10_000_000, predictive=False)
    approx = curve.bootstrap(3000, a, n_boot=200, max_cells=1000, predictive=False)
    assert approx.method == "normal approximation" and exact.method == "bootstrap"
    assert approx.reached.low == pytest.approx(exact.reached.low, rel=0.05)
    assert approx.reached.high == pytest.approx(exact.reached.high, rel=0.05)


def test_assumptions_validate():
    with pytest.raises(ValueError):
        Assumptions(100, 1, 1.5)
    with pytest.raises(ValueError):
        Assumptions(100, -1, 0.5)


def test_from_scores_rejects_bad_input():
    with pytest.raises(ValueError):
        TargetingCurve.from_scores([0.1, np.nan], [0, 1])
    with pytest.raises(ValueError):
        TargetingCurve.from_scores([0.1, 0.2], [0, 1, 1])


def test_bootstrap_does_not_depend_on_query_history(rng):
    n = 9000
    scores = rng.random(n)
    churned = rng.random(n) < 0.05
    value = rng.random(n) * 50
    a = Assumptions(value_per_saved=400, cost_per_contact=5, save_rate=0.3)
    fresh = TargetingCurve.from_scores(scores, churned, value)
    direct = fresh.bootstrap(6000, a)
    other = TargetingCurve.from_scores(scores, churned, value)
    other.bootstrap(10, a)  # builds a small table first, then grows it
    other.bootstrap(3000, a)
    assert other.bootstrap(6000, a) == direct


def test_rule_curve_puts_flagged_first_and_keeps_row_order(rng):
    rule = (rng.random(300) < 0.2).astype(float)
    churned = rng.random(300) < 0.3
    c = TargetingCurve.from_rule(rule, churned, seed=4)
    flagged = int(rule.sum())
    assert c.at_count(flagged).churners_reached == churned[rule == 1].sum()
    assert set(c.order[:flagged]) == set(np.flatnonzero(rule == 1))


# -- curves from score buckets (what a warehouse sends) -------------------------------------------


def buckets_of(scores, churned, value, resolution=1000):
    """The histogram a database would compute: per bucket of 1/resolution, by plain pandas."""
    import pandas as pd

    df = pd.DataFrame({"b": np.floor(scores * resolution), "s": scores, "c": churned.astype(int),
                       "v": value * churned})
    g = df.groupby("b").agg(hi=("s", "max"), lo=("s", "min"), n=("s", "size"), c=("c", "sum"), v=("v", "sum"))
    g["v2"] = df.assign(v2=df["v"] ** 2).groupby("b")["v2"].sum()
    return g


@pytest.fixture()
def scored(rng):
    n = 50_000
    scores = rng.beta(1.2, 10, n)
    churned = rng.random(n) < scores
    value = rng.gamma(3.0, 20.0, n)
    return scores, churned, value


def test_aggregate_curve_is_exact_at_bucket_edges(scored):
    scores, churned, value = scored
    g = buckets_of(scores, churned, value)
    agg = TargetingCurve.from_aggregates(g["hi"], g["lo"], g["n"], g["c"], g["v"], g["v2"])
    exact = TargetingCurve.from_scores(scores, churned, value)
    assert agg.binned and not exact.binned
    assert agg.n == exact.n and agg.total_churners == exact.total_churners
    edges = np.cumsum(g["n"].to_numpy()[::-1])  # highest bucket first
    assert np.allclose(agg.churners_at(edges), exact.churners_at(edges))
    assert np.allclose(agg.value_at(edges), exact.value_at(edges))
    for t in (0.0, 0.05, 0.1, 0.123, 0.25, 0.5, 1.0):  # thresholds on the 0.001 grid
        assert agg.count_at_threshold(t) == exact.count_at_threshold(t)


def test_aggregate_curve_within_documented_tolerance(scored):
    """Off by at most one bucket's leavers anywhere; under 1% for lists of 1% or more."""
    scores, churned, value = scored
    g = buckets_of(scores, churned, value)
    agg = TargetingCurve.from_aggregates(g["hi"], g["lo"], g["n"], g["c"], g["v"], g["v2"])
    exact = TargetingCurve.from_scores(scores, churned, value)
    ks = np.arange(0, exact.n + 1, 37)
    diff = np.abs(agg.churners_at(ks) - exact.churners_at(ks))
    assert diff.max() <= g["c"].max()
    deep = ks >= exact.n // 100
    assert (diff[deep] / exact.churners_at(ks[deep])).max() < 0.01
    for k in (1, 500, 2_000, 10_000, 49_999):
        p, q = agg.at_count(k), exact.at_count(k)
        assert p.contacted == q.contacted and abs(p.churners_reached - q.churners_reached) <= g["c"].max()
        assert abs(p.threshold - q.threshold) <= 0.001 + 1e-12  # inside the same bucket
        assert p.value_reached == pytest.approx(q.value_reached, rel=0.02)


def test_aggregate_curve_business_figures(scored):
    scores, churned, value = scored
    g = buckets_of(scores, churned, value)
    agg = TargetingCurve.from_aggregates(g["hi"], g["lo"], g["n"], g["c"], g["v"], g["v2"])
    exact = TargetingCurve.from_scores(scores, churned, value)
    a = Assumptions(value_per_saved=0, cost_per_contact=8, save_rate=0.3, fixed_cost=500, value_months=12)
    best_agg, best_exact = agg.best_count(a), exact.best_count(a)
    assert agg.net_at(best_agg, a) == pytest.approx(exact.net_curve(a)[best_exact], rel=0.005)
    assert agg.best_count(Assumptions(600, 8, 0.3, capacity=1234)) <= 1234
    assert agg.best_count(Assumptions(0, 1000, 0.3)) == 0  # no list pays for itself
    assert np.allclose(agg.net_at(np.array([0, 1000]), a), [agg.outcome(0, a).net, agg.outcome(1000, a).net])
    assert agg.random_outcome(1000, a).churners_reached == pytest.approx(exact.random_outcome(1000, a).churners_reached)
    r_agg = agg.bootstrap(5000, a, predictive=False)
    r_exact = exact.bootstrap(5000, a, max_cells=1, predictive=False)  # the same normal approximation on customer rows
    assert r_agg.method == "normal approximation"
    assert r_agg.reached.low == pytest.approx(r_exact.reached.low, rel=0.02)
    assert r_agg.net.high == pytest.approx(r_exact.net.high, rel=0.02)
    with pytest.raises(ValueError):
        agg.net_curve(a)


def test_aggregate_rule_curve_takes_ties_in_proportion(rng):
    n = 10_000
    rule = (rng.random(n) < 0.2).astype(float)
    churned = rng.random(n) < np.where(rule == 1, 0.2, 0.05)
    c1, c0 = int(churned[rule == 1].sum()), int(churned[rule == 0].sum())
    flagged = int(rule.sum())
    agg = TargetingCurve.from_aggregates([0.0, 1.0], [0.0, 1.0], [n - flagged, flagged], [c0, c1])
    assert agg.yes_no and agg.count_at_threshold(1.0) == flagged
    assert agg.at_count(flagged).churners_reached == c1
    assert agg.churners_at(flagged // 2) == pytest.approx(c1 * (flagged // 2) / flagged)
    assert agg.churners_at(flagged + 100) == pytest.approx(c1 + c0 * 100 / (n - flagged))


def test_from_aggregates_rejects_bad_buckets():
    with pytest.raises(ValueError, match="overlap"):
        TargetingCurve.from_aggregates([0.5, 0.6], [0.3, 0.4], [10, 10], [1, 1])
    with pytest.raises(ValueError, match="more leavers"):
        TargetingCurve.from_aggregates([0.5], [0.4], [10], [11])
    with pytest.raises(ValueError, match="at least one"):
        TargetingCurve.from_aggregates([0.5], [0.4], [0], [0])


@pytest.mark.parametrize("with_value", [False, True])
def test_range_covers_another_month_nine_times_in_ten(with_value):
    """'9 in 10 months like this one would land in this range': simulate months from one process,
    build the range on one month and check the next month's real figure against it."""
    rng = np.random.default_rng(11)
    n, k, trials = 3000, 300, 400
    a = Assumptions(value_per_saved=100, cost_per_contact=2, save_rate=0.3, value_months=1)

    def month():
        x = rng.normal(size=n)
        y = rng.random(n) < 1 / (1 + np.exp(-(-3 + 1.2 * x)))
        score = 1 / (1 + np.exp(-(-3 + x + rng.normal(0, 0.5, n))))
        value = rng.gamma(4, 25, n) if with_value else None
        return score, y, value

    covered = {"reached": 0, "saved": 0, "net": 0}
    old = 0
    for t in range(trials):
        s, y, v = month()
        curve = TargetingCurve.from_scores(s, y, v)
        r = curve.bootstrap(k, a, n_boot=300, seed=t)
        r_old = curve.bootstrap(k, a, n_boot=300, seed=t, predictive=False)
        s2, y2, v2 = month()  # next month: new customers, who leaves and whom the offer keeps drawn again
        top = np.argsort(-s2, kind="stable")[:k]
        leavers = top[y2[top]]
        kept = leavers[rng.random(len(leavers)) < a.save_rate]
        value = v2[kept].sum() if with_value else a.value_per_saved * len(kept)
        actual = {"reached": len(leavers), "saved": len(kept), "net": value - a.cost(k)}
        for key in covered:
            rg = getattr(r, key)
            covered[key] += rg.low <= actual[key] <= rg.high
        old += r_old.saved.low <= actual["saved"] <= r_old.saved.high
    for key, c in covered.items():
        assert 0.86 <= c / trials <= 0.95, (key, c / trials)
    assert old / trials < min(covered.values()) / trials  # resampling customers alone covers less often
