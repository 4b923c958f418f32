"""Every chart builder produces a valid Vega-Lite spec and renders to PNG."""

import pytest

from storytelling import charts
from storytelling.lift import (
    analyse_lift,
    best_depth_finding,
    build_curves,
    comparison_finding,
    lift_finding,
    segment_finding,
)
from storytelling.targeting import Assumptions


@pytest.fixture(scope="module")
def result(sample_eval):
    return analyse_lift(build_curves(sample_eval), Assumptions(600, 8, 0.3, value_months=12, capacity=1000), 1000)


@pytest.mark.parametrize("make", [lift_finding, best_depth_finding, comparison_finding,
                                  lambda r: segment_finding(r, "contract")])
def test_chart_specs_validate(result, make):
    spec = make(result).chart.to_dict()  # validates against the Vega-Lite schema
    assert spec["config"]["font"].startswith("Source Sans")


def test_png_render(result):
    png = charts.to_png(comparison_finding(result).chart, width_px=800)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    import struct

    width = struct.unpack(">I", png[16:20])[0]
    assert 700 <= width <= 1000


def test_policy_colours_are_fixed():
    assert charts.POLICY_COLOURS[charts.MODEL] != charts.POLICY_COLOURS[charts.STATUS_QUO]
    assert len(set(charts.POLICY_COLOURS.values())) == 3
