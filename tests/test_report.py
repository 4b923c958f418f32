
from storytelling.abtest import read_test, readout_finding
from storytelling.report import build_story


def test_story_orders_the_findings_and_lists_assumptions(sample_lift_drivers):
    lift, drivers = sample_lift_drivers
    ab = readout_finding(read_test(2000, 300, 2000, 240))
    story = build_story(lift, drivers=drivers, ab=ab)
    assert [f.key for f in story.findings] == ["population", "lift", "comparison", "best_depth", "drivers",
                                               "ab_readout"]
    assert story.assumptions["Cost per contact"] == "$8"
    assert story.assumptions["Value of a kept customer"] == "12 months of their own monthly charge"
    assert story.assumptions["Customers on the list"] == "1,000"
    assert story.subtitle.startswith("Measured on the customers of")
    assert [f.key for f in build_story(lift).findings] == ["population", "lift", "comparison", "best_depth"]
