"""What if the assumptions are wrong: each cell against the lift recomputed from scratch."""

from dataclasses import replace

import pytest

from storytelling.lift import analyse_lift
from storytelling.sensitivity import sensitivity, sensitivity_finding
from storytelling.targeting import STARTING, unagreed


def test_every_cell_is_the_net_value_recomputed_with_those_assumptions(sample_lift_drivers):
    lift, _ = sample_lift_drivers
    sens = sensitivity(lift)
    assert 0.3 in sens.shares and sens.factors == (0.5, 0.75, 1.0, 1.5)
    for _, row in sens.grid.iterrows():
        a = replace(lift.assumptions, save_rate=row["share"], value_months=lift.assumptions.value_months * row["factor"])
        again = analyse_lift(lift.curves, a, lift.contacts, n_boot=10)
        assert row["net"] == pytest.approx(again.model.net, rel=1e-9, abs=1e-6)
    today = sens.grid[(sens.grid["share"] == 0.3) & (sens.grid["factor"] == 1.0)]["net"].iloc[0]
    assert today == pytest.approx(lift.model.net)


def test_break_even_is_where_the_net_value_crosses_zero(sample_lift_drivers):
    lift, _ = sample_lift_drivers
    be = sensitivity(lift).break_even
    for share, sign in ((be * 0.999, -1), (be * 1.001, 1)):
        net = analyse_lift(lift.curves, replace(lift.assumptions, save_rate=share), lift.contacts, n_boot=10).model.net
        assert net * sign > 0


def test_the_finding_names_what_is_still_to_be_agreed(sample_lift_drivers):
    lift, _ = sample_lift_drivers
    f = sensitivity_finding(lift)
    assert f.title == f"The list pays for itself as long as the offer keeps at least {f.fact('break_even').text} of the leavers we call"
    assert any(b.startswith("Still to be agreed") and "cost per contact" in b for b in f.bullets)
    rows = f.get_plot().rows
    assert len(rows) == 1 + 5 and len(rows[0]) == 5 and rows[3][0] == "30% (today)"
    values = f.get_plot().values  # the numbers behind the cells, which the deck tints by sign
    assert [[v < 0 for v in r] for r in values] == [[t.startswith("-") for t in r[1:]] for r in rows[1:]]
    agreed = replace(lift, assumptions=replace(lift.assumptions, cost_per_contact=9.0, save_rate=0.25, value_months=10,
                                               capacity=900))
    assert not any(b.startswith("Still to be agreed") for b in sensitivity_finding(agreed).bullets)
    assert unagreed(STARTING, uses_value=True) == ["value of a kept customer", "cost per contact",
                                                   "share of contacted leavers the offer keeps",
                                                   "how many customers marketing can contact"]
    assert unagreed(replace(STARTING, save_rate=0.1 + 0.2), uses_value=True)[2].startswith("share")  # 0.30000000000000004


def test_a_list_that_cannot_pay_says_so(sample_lift_drivers):
    lift, _ = sample_lift_drivers
    dear = analyse_lift(lift.curves, replace(lift.assumptions, cost_per_contact=5000.0), lift.contacts, n_boot=10)
    assert sensitivity_finding(dear).title.endswith("the list cannot pay for itself whatever share the offer keeps")
    poor = analyse_lift(lift.curves, replace(lift.assumptions, save_rate=0.05), lift.contacts, n_boot=10)
    assert sensitivity_finding(poor).title.startswith("At these assumptions the list loses money")
