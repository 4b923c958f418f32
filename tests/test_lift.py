"""Every number on the lift page against an independent computation."""

import numpy as np
import pandas as pd
import pytest

from storytelling.lift import (
    analyse_lift,
    best_depth_finding,
    build_curves,
    comparison_finding,
    gains_data,
    lift_finding,
    population_finding,
    segment_finding,
    segment_mix,
)
from storytelling.story import DATA_SCIENTIST, EXECUTIVE, has_jargon
from storytelling.targeting import Assumptions

A = Assumptions(value_per_saved=600, cost_per_contact=8, save_rate=0.3, value_months=12, capacity=1000)


@pytest.fixture(scope="module")
def curves(sample_eval):
    return build_curves(sample_eval)


def independent(frame: pd.DataFrame, k: int, a: Assumptions):
    """Plain pandas: sort by score (stable), take the top k, count and price."""
    top = frame.sort_values("score", ascending=False, kind="mergesort").head(k)
    leavers = top["churned"].sum()
    value = (top["value"] * top["churned"]).sum() * a.save_rate * a.value_months
    cost = a.cost_per_contact * k + (a.fixed_cost if k else 0)
    base = frame["churned"].mean()
    return {
        "reached": leavers,
        "hit_rate": leavers / k,
        "share_reached": leavers / frame["churned"].sum(),
        "lift": (leavers / k) / base,
        "saved": a.save_rate * leavers,
        "value": value,
        "cost": cost,
        "net": value - cost,
        "roi": (value - cost) / cost,
        "random_saved": a.save_rate * base * k,
    }


@pytest.mark.parametrize("k", [50, 1000, 2500, 7000])
def test_lift_facts_match_independent_computation(curves, sample_eval, k):
    r = analyse_lift(curves, A, k)
    f = lift_finding(r)
    exp = independent(sample_eval.frame, k, A)
    for name in ["reached", "hit_rate", "share_reached", "lift", "saved", "value", "cost", "net", "roi", "random_saved"]:
        assert f.fact(name).value == pytest.approx(exp[name], rel=1e-6), name
    assert f.fact("contacts").value == k
    # Today's rule: flagged customers first, then the others.
    fr = sample_eval.frame
    flagged = fr[fr["status_quo"] == 1]
    if k <= len(flagged):
        # Among flagged customers the order is a fixed shuffle; the count must lie in the possible range.
        lo = flagged["churned"].sort_values().head(k).sum()
        hi = flagged["churned"].sort_values(ascending=False).head(k).sum()
    else:
        rest = fr[fr["status_quo"] == 0]["churned"]
        lo = flagged["churned"].sum() + rest.sort_values().head(k - len(flagged)).sum()
        hi = flagged["churned"].sum() + rest.sort_values(ascending=False).head(k - len(flagged)).sum()
    assert A.save_rate * lo <= f.fact("status_quo_saved").value <= A.save_rate * hi
    # The range brackets the estimate.
    assert f.fact("saved_low").value <= f.fact("saved").value <= f.fact("saved_high").value
    assert f.fact("net_low").value <= f.fact("net").value <= f.fact("net_high").value


def test_status_quo_counts_flagged_leavers_exactly(curves, sample_eval):
    fr = sample_eval.frame
    flagged = int((fr["status_quo"] == 1).sum())
    r = analyse_lift(curves, A, flagged)
    assert r.rule_flagged == flagged
    assert r.status_quo.churners_reached == fr.loc[fr["status_quo"] == 1, "churned"].sum()


def test_best_depth_matches_brute_force(curves, sample_eval):
    fr = sample_eval.frame.sort_values("score", ascending=False, kind="mergesort")
    nets = A.save_rate * A.value_months * np.concatenate([[0], np.cumsum(fr["value"] * fr["churned"])])
    nets = nets - A.cost_per_contact * np.arange(len(fr) + 1)
    r = analyse_lift(curves, A, 500)
    best = int(np.argmax(nets[: A.capacity + 1]))
    if int(np.argmax(nets)) > A.capacity and nets[A.capacity] >= nets[best] - 0.01 * abs(nets[best]):
        best = A.capacity  # within 1% of the best below it, and a longer list pays more: the whole capacity
    assert r.best == best
    f = best_depth_finding(r)
    assert f.fact("best_net").value == pytest.approx(nets[r.best])
    unlimited = int(np.argmax(nets))
    if unlimited > A.capacity:
        assert f.fact("unlimited_contacts").value == unlimited
        assert f.fact("unlimited_contacts").text in f.text_for("Executive")


def test_texts_use_the_facts(curves):
    r = analyse_lift(curves, A, 1000)
    f = lift_finding(r)
    text = f.text_for(EXECUTIVE)
    for name in ["saved", "saved_low", "saved_high", "cost", "net", "lift"]:
        assert f.fact(name).text in text, name


def test_executive_wording_has_no_jargon(curves, sample_eval):
    r = analyse_lift(curves, A, 1000)
    findings = [population_finding(sample_eval), lift_finding(r), best_depth_finding(r), comparison_finding(r),
                segment_finding(r, "contract")]
    for f in findings:
        assert has_jargon(f.text_for(EXECUTIVE)) == [], f.key
    # Data scientists get the model's figures.
    assert "AUC" in lift_finding(r).text_for(DATA_SCIENTIST)


def test_unprofitable_assumptions(curves):
    a = Assumptions(value_per_saved=1, cost_per_contact=500, save_rate=0.05, value_months=1)
    r = analyse_lift(curves, a, 500)
    assert r.best == 0
    assert "no list size pays" in best_depth_finding(r).title


def test_zero_contacts_is_safe(curves):
    r = analyse_lift(curves, A, 0)
    f = lift_finding(r)
    assert f.fact("saved").value == 0 and f.fact("cost").value == 0


def test_flat_value_mode(sample_eval):
    c = build_curves(sample_eval, use_value=False)
    a = Assumptions(value_per_saved=600, cost_per_contact=8, save_rate=0.3)
    r = analyse_lift(c, a, 1000)
    assert r.model.value == pytest.approx(600 * 0.3 * r.point.churners_reached)


def test_segment_mix_matches_pandas(curves, sample_eval):
    k = 800
    mix = segment_mix(curves, k, "contract")
    top = sample_eval.frame.sort_values("score", ascending=False, kind="mergesort").head(k)
    exp = top["contract"].astype(str).value_counts(normalize=True)
    got = mix[mix["group"] == "Contact list"].set_index("segment")["share"]
    for seg, share in exp.items():
        assert got[seg] == pytest.approx(share)
    base = sample_eval.frame["contract"].astype(str).value_counts(normalize=True)
    got_b = mix[mix["group"] == "All customers"].set_index("segment")["share"]
    assert got_b.sort_index().to_numpy() == pytest.approx(base.sort_index().to_numpy())


def test_gains_data_ends(curves):
    g = gains_data(curves)
    for _, grp in g.groupby("policy"):
        assert grp["share_reached"].iloc[0] == 0 and grp["share_reached"].iloc[-1] == pytest.approx(1)
        assert grp["share_reached"].is_monotonic_increasing


def test_population_finding(sample_eval):
    f = population_finding(sample_eval)
    fr = sample_eval.frame
    assert f.fact("customers").value == len(fr)
    assert f.fact("leavers").value == fr["churned"].sum()
    assert f.fact("churn_rate").value == pytest.approx(fr["churned"].mean())
