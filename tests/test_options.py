"""Kept scenarios: the same figures as the single what-if, per-group offers against brute force,
links and story.toml read back, hostile links refused in words."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from storytelling.config import parse_config, to_toml
from storytelling.lift import Curves, analyse_lift, build_curves
from storytelling.options import evaluate, evaluate_all
from storytelling.options_findings import options_finding
from storytelling.scenarios import MAX_SCENARIOS, Offer, Scenario, decode, encode
from storytelling.story import Period
from storytelling.targeting import Assumptions, TargetingCurve

A = Assumptions(600, 8.0, 0.3, fixed_cost=500.0, capacity=1000, value_months=12)


@pytest.mark.parametrize("rule", [{"contacts": 700}, {"contacts": 2500}, {"threshold": 0.2}])
def test_a_plain_scenario_is_the_single_what_if(sample_eval, rule):
    curves = build_curves(sample_eval)
    r = evaluate(curves, Scenario("A", A, **rule))
    k = curves.model.count_at_threshold(rule["threshold"]) if "threshold" in rule else rule["contacts"]
    single = analyse_lift(curves, A, k)
    assert r.contacts == single.contacts
    assert r.outcome == single.model
    assert r.ranges == single.ranges
    assert r.best == single.best and r.best_outcome == single.best_outcome


def test_a_focused_scenario_is_the_what_if_on_those_customers(sample_eval):
    curves = build_curves(sample_eval)
    s = Scenario("M", A, contacts=800, focus=(("contract", ("Month-to-month",)),), skip_rule=True)
    r = evaluate(curves, s)
    f = sample_eval.frame
    only = f[(f["contract"].astype(str) == "Month-to-month") & (f["status_quo"] <= 0)]
    single = analyse_lift(build_curves(SimpleNamespace(frame=only.reset_index(drop=True))), A, 800)
    assert r.customers == len(only)
    assert r.outcome == single.model and r.ranges == single.ranges and r.best == single.best


def small_table(n=80, seed=4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"score": rng.choice(np.linspace(0, 1, 25), n),  # ties on purpose
                         "churned": rng.random(n) < 0.35, "value": rng.uniform(10, 90, n),
                         "contract": rng.choice(["M2M", "Year", "Two"], n), "plan": rng.choice(["a", "b"], n),
                         "status_quo": (rng.random(n) < 0.2).astype(int)})


def brute(f: pd.DataFrame, s: Scenario, k: int) -> float:
    """Net value of the scenario's riskiest k, customer by customer (ties in input order)."""
    keep = np.ones(len(f), bool)
    for col, vals in s.focus:
        keep &= f[col].astype(str).isin(vals).to_numpy()
    g = f[keep]
    g = g.iloc[np.argsort(-g["score"].to_numpy(), kind="stable")].head(k)
    a, net = s.assumptions, -(s.assumptions.fixed_cost if k else 0.0)
    for _, row in g.iterrows():
        o = next((o for o in s.offers if str(row[o.column]) in o.values), None)
        cost, save = (o.cost_per_contact, o.save_rate) if o else (a.cost_per_contact, a.save_rate)
        net += save * row["churned"] * row["value"] * a.value_months - cost
    return net


@pytest.mark.parametrize("capacity", [None, 30])
def test_per_group_offers_match_brute_force(capacity):
    f = small_table()
    curves = Curves(TargetingCurve.from_scores(f["score"], f["churned"], f["value"]), None, SimpleNamespace(frame=f), True)
    a = Assumptions(0, 6.0, 0.2, fixed_cost=40.0, capacity=capacity, value_months=3)
    s = Scenario("G", a, contacts=50, focus=(("plan", ("a", "b")),),
                 offers=(Offer("contract", ("M2M",), 15.0, 0.6), Offer("contract", ("Year", "M2M"), 2.0, 0.1)))
    nets = [brute(f, s, k) for k in range(len(f) + 1)]
    limit = capacity or len(f)
    best = int(np.argmax(nets[: limit + 1]))
    r = evaluate(curves, s)
    assert r.outcome.net == pytest.approx(nets[50])
    assert r.best == (best if nets[best] > 0 else 0)
    assert r.best_outcome.net == pytest.approx(nets[r.best])
    assert r.pays_up_to == max(k for k in range(len(f) + 1) if k >= r.best and nets[k] > 0)
    assert r.ranges.net.low <= r.outcome.net <= r.ranges.net.high
    assert sum(k for _, k, _, _ in r.parts) == 50


def test_offers_equal_to_the_base_price_change_nothing(sample_eval):
    curves = build_curves(sample_eval)
    same = Offer("contract", ("Month-to-month",), A.cost_per_contact, A.save_rate)
    plain, split = evaluate(curves, Scenario("A", A, contacts=900)), evaluate(curves, Scenario("B", A, contacts=900, offers=(same,)))
    assert split.outcome.net == pytest.approx(plain.outcome.net)
    assert split.best == plain.best
    assert split.outcome.saved == pytest.approx(plain.outcome.saved)


def test_the_finding_names_the_best_and_the_trade_off(sample_eval):
    curves = build_curves(sample_eval)
    cheap = Scenario("A", A, contacts=500)
    wide = Scenario("B", A, contacts=2000)
    lossy = Scenario("C", Assumptions(600, 60.0, 0.3, capacity=None, value_months=12), contacts=3000)
    results, cannot = evaluate_all(curves, [cheap, wide, lossy, Scenario("D", A, contacts=5, focus=(("nope", ("x",)),))])
    assert list(cannot) == ["D"] and "not one of the customer columns" in cannot["D"]
    f = options_finding(results, cannot, names={}, currency="$", period=Period("August 2026"))
    # B's 2,000 calls exceed marketing's capacity of 1,000: it is never the one recommended
    best = max((r for r in results if r.name != "B"), key=lambda r: r.outcome.net)
    assert f.fact("rec_name").value == best.name == "A" and f.fact("rec_net").value == best.outcome.net
    assert f.title.startswith("Of the 2 options marketing can call, A earns the most")
    assert any(b.startswith("The list of B (2,000) is longer than marketing can call") for b in f.bullets)
    c = next(r for r in results if r.name == "C")
    assert c.outcome.net < 0
    assert any(b.startswith(f"C loses money after {c.pays_up_to:,} calls") or b.startswith("No list size of C pays")
               for b in f.bullets)
    assert any("D is left out" in x for x in f.caveats)
    assert f.get_plot().rows[0][1] == f"★ {best.name}"  # the deck's table: one option per column


def test_links_and_story_toml_read_back():
    s = [Scenario("A: 700 calls", A, contacts=700),
         Scenario("Discount", A, threshold=0.25, focus=(("contract", ("Month-to-month", "One year")),), skip_rule=True,
                  offers=(Offer("plan", ("Basic",), 25.0, 0.45),))]
    back, problem = decode(encode(s), A)
    assert problem is None and back == s
    cfg = parse_config("")
    cfg.options = s
    assert parse_config(to_toml(cfg)).options == s


@pytest.mark.parametrize("text, says", [
    ("[" * 50_000, "too long"), ("{not json", "could not be read"), ('{"a": 1}', "could not be read"),
    ("[" * 5000 + "]" * 5000, "could not be read"),
    (json.dumps([{"name": "x", "contacts": "lots"}]), "must be a number"),
    (json.dumps([{"name": "x", "contacts": 5, "threshold": 0.2}]), "one list rule"),
    (json.dumps([{"name": "x", "contacts": 5, "save_rate": 7}]), "between 0 and 1"),
    (json.dumps([{"name": "x", "contacts": 5, "focus": {"c": []}}]), "list of 1 to"),
    (json.dumps([{"name": "x", "contacts": 5, "evil": 1}]), "unknown settings"),
    (json.dumps([{"name": f"n{i}", "contacts": 5} for i in range(9)]), f"first {MAX_SCENARIOS}"),
])
def test_a_crafted_link_is_refused_in_words(text, says):
    got, problem = decode(text, A)
    assert says in problem
    assert len(got) <= MAX_SCENARIOS


def test_names_are_made_distinct():
    got, _ = decode(json.dumps([{"name": "B", "contacts": 5}, {"name": "b", "contacts": 9}]), A)
    assert [s.name for s in got] == ["B", "b (2)"]


def test_the_decision_chooses_the_recommended_option(sample_eval):
    from storytelling.decision import decision_finding
    from storytelling.lift import lift_finding

    curves = build_curves(sample_eval)
    results, cannot = evaluate_all(curves, [Scenario("A", A, contacts=500), Scenario("B", A, contacts=1000)])
    opts = options_finding(results, cannot, names={}, currency="$", period=Period("August 2026"))
    lift = lift_finding(analyse_lift(curves, A, 700))
    d = decision_finding([lift, opts], dated=True)
    rec = opts.fact("rec_name").text
    assert d.title.startswith(f"Decision: choose {rec} of the 2 options, worth about {opts.fact('rec_net').text} a month")
    assert d.bullets[0].startswith(f"Choose {rec}: call {opts.fact('rec_contacts').text} customers a month")
    assert d.bullets[1] == opts.headline
    # with one option only, the decision stays on the page's list and mentions the option
    one = options_finding(results[:1], {}, names={}, currency="$", period=Period("August 2026"))
    d1 = decision_finding([lift, one], dated=True)
    assert not d1.title.startswith("Decision: choose") and d1.bullets[-1].startswith("The one option kept, A, earns about")


def test_losses_and_cut_lists_are_said(sample_eval):
    curves = build_curves(sample_eval)
    costly = Assumptions(600, 8.0, 0.3, fixed_cost=50_000.0, capacity=None, value_months=12)
    short = Scenario("F", costly, contacts=300)  # pays per call, but not its fixed cost
    huge = Scenario("G", Assumptions(600, 400.0, 0.3, capacity=None, value_months=12), contacts=2000)
    tiny = Scenario("H", A, contacts=50_000, focus=(("contract", ("Month-to-month",)),),
                    offers=(Offer("contract", ("Two year",), 30.0, 0.5),))  # an offer its focus never reaches
    results, _ = evaluate_all(curves, [short, huge, tiny])
    f = options_finding(results, {}, names={}, currency="$", period=Period("August 2026"))
    text = "\n".join(f.bullets)
    r = {x.name: x for x in results}
    assert r["F"].outcome.net < 0 and r["G"].outcome.net < 0
    assert "F's list of 300 loses" in text or "F loses money after" in text or "No list size of F pays" in text
    assert "G keeps" in text and "losing" in text  # two losses compared as which loses less
    assert f"H asks for 50,000 calls, but only {r['H'].customers:,} customers are in its groups" in text
    assert "Two year" not in text  # a group the list does not reach is not said to get 0 calls


def test_a_cached_split_never_lends_one_scenario_s_prices_to_another(sample_eval):
    """Two scenarios cutting the customers the same way, priced differently (found by an attack: the
    split cached per data set once carried the first scenario's offer to every later one)."""
    curves = build_curves(sample_eval)
    free = Scenario("Free", A, contacts=900, offers=(Offer("contract", ("Month-to-month",), 0.0, 1.0),))
    dear = Scenario("Dear", A, contacts=900, offers=(Offer("contract", ("Month-to-month",), 8.0, 0.0),))
    first = [evaluate(curves, s).outcome for s in (free, dear)]
    fresh = build_curves(sample_eval)
    second = [evaluate(fresh, s).outcome for s in (dear, free)][::-1]
    assert first == second and first[0] != first[1]
    price = {label: p for label, _, _, p in evaluate(curves, dear).parts}
    assert price == {"customers whose contract is Month-to-month": 8.0, "everyone else": A.cost_per_contact}


@pytest.mark.parametrize("col", ["score", "customer_id", "status_quo", "value", "snapshot_date", "age_band"])
def test_groups_only_by_the_model_s_customer_columns(sample_eval, col):
    curves = build_curves(sample_eval)
    features = ["contract", "plan", "tenure_months"]  # as the app passes them: age_band is sensitive, not read
    s = Scenario("S", A, contacts=100, focus=((col, ("1",)),))
    _, cannot = evaluate_all(curves, [s], {c: c for c in features})
    assert "not one of the customer columns the model reads" in cannot["S"]


def test_names_lose_what_cannot_be_shown_and_thresholds_read_as_typed(sample_eval):
    got, problem = decode(json.dumps([{"name": "x\u0000y\u202e\ud800z", "threshold": 0.999}]), A)
    assert problem is None and got[0].name == "xyz"
    r = evaluate(build_curves(sample_eval), got[0])
    f = options_finding([r], {}, names={}, currency="$", period=Period("August 2026"))
    assert "risk 99.9% or more" in f.get_plot().rows[1][1]
    capped = Scenario("Cap1", Assumptions(600, 8.0, 0.3, fixed_cost=500.0, capacity=1, value_months=12), contacts=1)
    f = options_finding([evaluate(build_curves(sample_eval), capped)], {}, names={}, currency="$", period=Period("August 2026"))
    assert any(b.startswith("No list of Cap1 that marketing can call pays") for b in f.bullets)


def test_a_close_call_is_only_said_against_an_option_marketing_can_call(sample_eval):
    curves = build_curves(sample_eval)
    results, _ = evaluate_all(curves, [Scenario("A", A, contacts=700), Scenario("B", A, contacts=1001)])
    f = options_finding(results, {}, names={}, currency="$", period=Period("August 2026"))
    assert f.fact("rec_name").value == "A"  # B earns more, but is over the capacity of 1,000
    assert not any("The lead of" in c for c in f.caveats)


def test_the_note_and_summary_lead_with_the_options_the_decision_chose(sample_eval):
    from storytelling.decision import decision_finding
    from storytelling.lift import lift_finding, population_finding
    from storytelling.story import Story

    curves = build_curves(sample_eval)
    lift = analyse_lift(curves, A, 700)
    results, _ = evaluate_all(curves, [Scenario("A", A, contacts=500), Scenario("B", A, contacts=1000)])
    opts = options_finding(results, {}, names={}, currency="$", period=Period("August 2026"))
    found = [population_finding(sample_eval), lift_finding(lift), opts]
    story = Story(title="t", findings=[decision_finding(found, dated=True), *found])
    assert [f.key for f in story.messages(2)] == ["options", "lift"]
