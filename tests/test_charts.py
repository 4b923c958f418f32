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
    chart = make(result).get_chart()
    spec = chart if isinstance(chart, dict) else chart.to_dict()  # to_dict validates
    import altair as alt

    alt.Chart.from_dict(spec) if "layer" not in spec else alt.LayerChart.from_dict(spec)  # validates
    assert spec["config"]["font"].startswith("Source Sans")


def test_png_render(result):
    png = charts.to_png(comparison_finding(result).get_chart(), width_px=800)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    import struct

    width = struct.unpack(">I", png[16:20])[0]
    assert 700 <= width <= 1000


def test_policy_colours_are_fixed():
    assert charts.POLICY_COLOURS[charts.MODEL] != charts.POLICY_COLOURS[charts.STATUS_QUO]
    assert len(set(charts.POLICY_COLOURS.values())) == 3


def test_marker_moves_without_rebuilding(result):
    from storytelling.lift import gains_spec

    base = gains_spec(result.curves)
    moved = charts.with_marker(base, 0.25)
    assert moved["datasets"][charts.MARKER_DATA] == [{"x": 0.25, "label": "Your list"}]
    assert base["datasets"][charts.MARKER_DATA][0]["x"] == 0.0  # the cached spec is untouched
    assert gains_spec(result.curves) is base
