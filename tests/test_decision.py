"""The decision asked: derived from the findings' own facts, overridden by a test once it has run."""

from dataclasses import replace
from datetime import date

from storytelling.abtest import designs, plan_finding, read_test
from storytelling.decision import LIST_BY_EFFECT_STEP, LIST_ROLL_STEP
from storytelling.lift import analyse_lift
from storytelling.report import ab_readout_for, build_story, select
from storytelling.story import fmt_count


def _plan():
    a, b = designs(churn_rate=0.03, contact_share=0.08, hit_rate=0.1, save_rate=0.3, customers_per_week=2700)
    return plan_finding(b, a)


def test_before_a_test_it_asks_to_approve_the_list_and_to_run_the_test(sample_lift_drivers):
    lift, _ = sample_lift_drivers
    plan = _plan()
    story = build_story(lift, ab_plan=plan, made=date(2026, 11, 24))
    d, main = story.findings[0], story.finding("lift")
    assert d.key == "decision"
    for k in ("contacts", "net", "cost", "saved"):
        assert d.fact(k) is main.fact(k)  # the same fact, so the same words
    assert d.fact("net_year").value == main.fact("net").value * 12
    assert d.title == f"Decision: test the model's list on {plan.fact('total').text} customers, then roll out a list " \
                      f"of {main.fact('contacts').text} a month worth {main.fact('net').text} a month"
    test, ask = d.bullets
    assert ask.startswith("If the test confirms it: approve a monthly list")
    assert main.fact("net").text in ask and d.fact("net_year").text in ask and main.fact("cost").text in ask
    assert plan.fact("total").text in test and plan.fact("weeks").text in test
    weeks = -(-plan.fact("weeks").value // 1)
    assert d.fact("decision_date").value == date.fromordinal(date(2026, 11, 24).toordinal() + 7 * int(weeks + 4)).isoformat()
    assert d.fact("decision_date").text in test
    assert [big for big, _ in d.get_plot().figures] == [main.fact("contacts").text, main.fact("net").text,
                                                        d.fact("net_year").text, d.fact("decision_date").text]


def test_a_test_that_ran_replaces_the_replay_and_says_so(sample_lift_drivers):
    lift, _ = sample_lift_drivers
    unclear = ab_readout_for(lift, read_test(1891, 288, 1775, 233))
    d = build_story(lift, ab=unclear).findings[0]
    assert d.title.startswith("Decision: do not scale the campaign up yet, because the test shows no clear effect")
    assert d.headline.startswith("The campaign test, not the replay, decides") and "net_year" not in d.facts
    assert [small for _, small in d.get_plot().figures] == ["left without the campaign", "left with it",
                                                            "net value a month at the effect measured so far"]
    assert d.get_plot().figures[2][0] == f"{unclear.fact('net_low').text} to {unclear.fact('net_high').text}"
    worked = ab_readout_for(lift, read_test(4000, 600, 4000, 440))
    d = build_story(lift, ab=worked).findings[0]
    assert d.title.startswith("Decision: roll the list of")
    assert d.fact("net_per_month") is worked.fact("net_per_month")
    assert worked.fact("net_per_month").text in d.title and lift.model.net != worked.fact("net_per_month").value
    assert [big for big, _ in d.get_plot().figures] == [worked.fact(k).text for k in
                                                        ("control_rate", "test_rate", "kept_per_month", "net_per_month")]


def test_a_test_that_keeps_customers_but_not_enough_to_pay_is_no_roll_out(sample_lift_drivers):
    lift, _ = sample_lift_drivers
    # calling everyone (the whole month's customers): churn clearly falls, but the calls cost more than they keep
    everyone = ab_readout_for(lift, read_test(6000, 140, 6000, 100), design="everyone")
    assert everyone.fact("worked").value and everyone.fact("net_per_month").value < 0
    assert everyone.next_steps[0].startswith("Do not roll the campaign out as tested")
    story = build_story(lift, ab=everyone)
    d = story.findings[0]
    assert d.title == ("Decision: do not scale the campaign up yet, because the campaign keeps customers, but fewer "
                       "than pay for the calls")
    n = fmt_count(lift.curves.n)
    assert (f"calling {n} customers a month would net anywhere from {everyone.fact('net_low').text} to "
            f"{everyone.fact('net_high').text} after the calls") in d.bullets[1]
    want = "a loss at either end" if everyone.fact("net_high").value < 0 else "cannot yet tell a gain from a loss"
    assert want in d.bullets[1]
    # the next steps follow the decision: neither the replay's list nor a roll-out is asked for
    assert not any(s.startswith(("Give marketing", "Roll the campaign out")) for s in story.next_steps)
    assert story.next_steps[0] == everyone.next_steps[0]
    assert [f.key for f in story.findings][:3] == ["decision", "population", "ab_readout"]


def test_a_list_that_loses_money_is_not_asked_for(sample_lift_drivers):
    lift, _ = sample_lift_drivers
    dear = analyse_lift(lift.curves, replace(lift.assumptions, cost_per_contact=500.0), lift.contacts, n_boot=10)
    d = build_story(dear, ab_plan=_plan()).findings[0]
    assert d.title == "Decision: do not start the campaign at these assumptions"
    assert not any("Approve" in b for b in d.bullets)


def test_a_list_that_is_not_the_one_to_approve_is_resized_first(sample_lift_drivers):
    lift, _ = sample_lift_drivers
    long = analyse_lift(lift.curves, lift.assumptions, 3000, n_boot=10)  # longer than marketing's 1,000 calls
    story = build_story(long, ab_plan=_plan())
    d, best = story.findings[0], story.finding("best_depth")
    assert d.title == f"Decision: resize the list to {best.fact('best_contacts').text} customers before asking to approve it"
    assert "longer than marketing can call (1,000)" in d.headline and best.fact("best_net").text in d.headline
    losing = analyse_lift(lift.curves, replace(lift.assumptions, cost_per_contact=40.0), 900, n_boot=10)
    assert losing.model.net < 0 < losing.best_outcome.net
    d = build_story(losing, ab_plan=_plan()).findings[0]
    assert d.title.startswith("Decision: resize the list") and "loses money" in d.headline


def test_the_decision_follows_the_chosen_findings(sample_lift_drivers):
    lift, _ = sample_lift_drivers
    story = build_story(lift, ab_plan=_plan(), full=True)
    no_test = select(story, ["decision", "lift"])
    assert [f.key for f in no_test.findings] == ["decision", "lift"] and len(no_test.findings[0].bullets) == 1
    assert [f.key for f in select(story, ["lift"]).findings] == ["lift"]
    assert [f.key for f in select(story, ["population"]).findings] == ["population"]  # nothing to decide without the list


def test_an_undated_list_longer_than_the_customers_still_here_says_so(tmp_path):

    from storytelling.cli import build_story_from_config
    from storytelling.config import StoryConfig
    from tests.odd_tables import telco_like
    path = tmp_path / "telco.csv"
    df = telco_like()
    df.to_csv(path, index=False)
    story = build_story_from_config(StoryConfig(capacity=None, contacts=len(df) - 10, backtest_months=0, drivers=False),
                                    data_path=str(path), log=lambda *_: None)
    d, pop = story.findings[0], story.finding("population")
    here = pop.fact("customers").value - pop.fact("leavers").value
    assert any(b.startswith(f"Only {here:,} of the file's customers are still with us") for b in d.bullets)
    assert not any("a month" in b or "a year" in b for b in d.bullets)


def test_a_list_the_test_shows_loses_is_said_to_lose(sample_lift_drivers):
    from storytelling.story import Fact, Finding

    lift, _ = sample_lift_drivers
    test = ab_readout_for(lift, read_test(4000, 600, 4000, 440))  # the whole test: calls keep customers

    def uplift(kept, low, high, worked, verdict="alike"):
        f = {"list_contacts": Fact("list_contacts", 1000, "customers", "1,000"),
             "list_kept": Fact("list_kept", kept, "customers", f"{kept:.0f}"),
             "list_net": Fact("list_net", kept * 800 - 8000, "$", "x"),
             "list_net_low": Fact("list_net_low", low, "$", f"{low:.0f}"),
             "list_net_high": Fact("list_net_high", high, "$", f"{high:.0f}"),
             "list_worked": Fact("list_worked", worked, "", ""),
             "list_per_100": Fact("list_per_100", kept / 10, "customers", f"{kept / 10:.1f} per 100 called"),
             "verdict": Fact("verdict", verdict, "", verdict),
             "list_range_level": Fact("list_range_level", 0.9, "share", "90%"),
             "list_per_100_range": Fact("list_per_100_range", (kept / 20, kept / 5), "customers", "r")}
        return Finding(key="uplift", title="t", headline="h", facts=f, next_steps=["u"])

    harmed = build_story(lift, findings=[*build_story(lift, ab=test).findings[1:], uplift(-130, -160000, -50000, False)])
    d = harmed.findings[0]
    assert d.title.endswith("because on customers like the list's, the test shows calls make more of them leave")
    assert "after the calls (with 90% confidence): a loss at either end" in d.bullets[1] and harmed.next_steps[0].startswith("Do not call the model's list")
    # the decision speaks of the list's own customers, not only of the whole test's churn
    assert "on customers like the list's, the call kept -13.0 per 100 called" in d.headline
    assert d.plot().figures[0][0] == "-13.0"
    assert [caption for _, caption in d.plot().figures] == ["kept per 100 called, on customers like the list's (r)",
                                                            "net value a month at the effect measured so far"]
    costly = build_story(lift, findings=[*build_story(lift, ab=test).findings[1:], uplift(5, -9000, -1000, True)])
    assert costly.findings[0].title.endswith("the test shows the calls cost more than they keep")
    unclear = build_story(lift, findings=[*build_story(lift, ab=test).findings[1:], uplift(26, -9000, 35000, False)])
    assert unclear.findings[0].title.endswith("the test cannot yet tell whether calling the list keeps customers")
    assert not any(s.startswith(("Roll the campaign out", "Give marketing")) for s in unclear.next_steps)
    # a list that pays: roll it out (never the whole test's 'decide whether a larger test is worth running')
    unclear_test = ab_readout_for(lift, read_test(4000, 600, 4000, 580))  # the whole test alone: no clear effect
    for verdict, step in (("alike", LIST_ROLL_STEP), ("more", LIST_BY_EFFECT_STEP)):
        paid = build_story(lift, findings=[*build_story(lift, ab=unclear_test).findings[1:],
                                           uplift(160, 50_000, 120_000, True, verdict)]).findings[0]
        assert paid.title.startswith("Decision: roll the list of 1,000 customers out")
        assert paid.bullets[1] == step and not any("larger test" in b for b in paid.bullets)
