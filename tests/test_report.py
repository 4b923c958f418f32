import pytest

from storytelling.abtest import read_test, readout_finding
from storytelling.data import prepare
from storytelling.drivers import explain_model
from storytelling.lift import analyse_lift, build_curves
from storytelling.model import evaluate, feature_frame
from storytelling.report import build_story
from storytelling.sample import load_sample
from storytelling.targeting import Assumptions


@pytest.fixture(scope="module")
def parts():
    data = prepare(load_sample())
    ev = evaluate(data)
    lift = analyse_lift(build_curves(ev), Assumptions(600, 8.0, 0.3, capacity=1000, value_months=12), 1000)
    drivers = explain_model(ev.model, feature_frame(data, ev.frame), risk=ev.frame["score"].to_numpy(), sample_size=300)
    return lift, drivers


def test_story_orders_the_findings_and_lists_assumptions(parts):
    lift, drivers = parts
    ab = readout_finding(read_test(2000, 300, 2000, 240))
    story = build_story(lift, drivers=drivers, ab=ab)
    assert [f.key for f in story.findings] == ["population", "lift", "comparison", "best_depth", "drivers",
                                               "ab_readout"]
    assert story.assumptions["Cost per contact"] == "$8"
    assert story.assumptions["Value of a kept customer"] == "12 months of their own monthly charge"
    assert story.assumptions["Customers on the list"] == "1,000"
    assert story.subtitle.startswith("Measured on the customers of")
    assert [f.key for f in build_story(lift).findings] == ["population", "lift", "comparison", "best_depth"]
