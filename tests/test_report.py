import pytest

from storytelling.abtest import read_test, readout_finding
from storytelling.report import build_story


def test_story_orders_the_findings_and_lists_assumptions(sample_lift_drivers):
    lift, drivers = sample_lift_drivers
    ab = readout_finding(read_test(2000, 300, 2000, 240))
    story = build_story(lift, drivers=drivers, ab=ab)
    # once a test has run, its readout comes before the replay it overrides
    assert [f.key for f in story.findings] == ["decision", "population", "ab_readout", "lift", "comparison",
                                               "best_depth", "sensitivity", "drivers"]
    assert story.assumptions["Cost per contact"] == "$8 (starting value, to be agreed)"
    assert story.assumptions["Value of a kept customer"] == ("12 months of their own monthly charge ('monthly_charge') "
                                                             "(starting value, to be agreed)")
    assert story.assumptions["Customers on the list"] == "1,000"
    assert story.subtitle.startswith("Measured on the customers of")
    assert [f.key for f in build_story(lift).findings] == ["decision", "population", "lift", "comparison", "best_depth",
                                                           "sensitivity"]


def test_select_reorders_without_recomputing(sample_lift_drivers):
    from storytelling.report import AB_NEXT, select

    lift, drivers = sample_lift_drivers
    full = build_story(lift, drivers=drivers, full=True)
    picked = select(full, ["drivers", "lift", "nope"], title="Board", audience="Data scientist")
    assert [f.key for f in picked.findings] == ["drivers", "lift"]
    assert picked.findings[0] is full.finding("drivers")  # the same objects, nothing rebuilt
    assert picked.title == "Board" and picked.audience == "Data scientist"
    assert picked.next_steps[-1] == AB_NEXT and picked.next_steps[0] == full.finding("drivers").next_steps[0]


def test_designs_follow_the_lift_scenario(sample_lift_drivers):
    from storytelling.report import designs_for
    from storytelling.sample import load_sample

    lift, _ = sample_lift_drivers
    d = designs_for(lift)
    # counted from the raw sample: the evaluated month's customers and leavers, the list's leavers
    raw = load_sample()
    month = raw[raw["snapshot_date"] == raw.loc[raw["churned_next_30d"].notna(), "snapshot_date"].max()]
    month = month[month["churned_next_30d"].notna()]
    assert d["everyone"].baseline_rate == pytest.approx((month["churned_next_30d"] == 1).mean())
    assert d["picks"].baseline_rate == pytest.approx(lift.point.churners_reached / lift.contacts)
    # customers eligible per week: a month's customers spread over 30 days, the list's share of them
    assert d["everyone"].eligible_per_week == pytest.approx(len(month) * 7 / 30)
    assert d["picks"].eligible_per_week == pytest.approx(lift.contacts * 7 / 30)


def test_every_finding_has_a_short_name_for_the_export_page():
    """The Export page's chooser shows short names (whole-sentence titles hid the fifth chip on)."""
    import json

    from storytelling.report import finding_name
    from tests.data.make_golden import GOLDEN

    keys = json.loads(GOLDEN.read_text())["findings"]
    names = [finding_name(k, v["title"]) for k, v in keys.items()]
    assert all(len(n) <= 30 for n in names) and len(set(names)) == len(names), names
    assert finding_name("toy", "A very long title that goes on and on about many things") .endswith("…")


def test_a_test_that_has_run_replaces_the_plan_in_what_happens_next(sample_lift_drivers):
    from storytelling.abtest import designs, plan_finding
    from storytelling.report import build_story

    lift, drivers = sample_lift_drivers
    a, b = designs(churn_rate=0.03, contact_share=0.1, hit_rate=0.15, save_rate=0.3, customers_per_week=3000)
    plan = plan_finding(b, a)
    before = build_story(lift, drivers=drivers, ab_plan=plan)
    assert any(s.startswith("Run the A/B test") for s in before.next_steps)
    after = build_story(lift, drivers=drivers, ab_plan=plan, ab=readout_finding(read_test(2000, 300, 2000, 290)))
    assert not any(s.startswith("Run the A/B test") for s in after.next_steps)
    assert any("larger test" in s for s in after.next_steps)  # the readout's own step: no clear effect yet
