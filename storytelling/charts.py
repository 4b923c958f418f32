"""Altair chart builders shared by the app and the exports.

One builder per chart; each takes tidy data computed by an analysis and returns an
``alt.Chart``/``alt.LayerChart``. The theme gives readable fonts and a colour-blind-safe palette
(Okabe-Ito) in which the model, today's rule and random calling always have the same colours.
"""

from __future__ import annotations

import importlib
import threading

import pandas as pd

MODEL = "Model"
STATUS_QUO = "Today's rule"
RANDOM = "Random calls"
POLICY_COLOURS = {MODEL: "#0072B2", STATUS_QUO: "#E69F00", RANDOM: "#8C8C8C"}
ACCENT = "#009E73"
WARN = "#D55E00"
BASE = "#56B4E9"
FONT = "Source Sans Pro, Helvetica Neue, Arial, sans-serif"
THEME = "storytelling"

WIDTH = 640
HEIGHT = 320


def _theme() -> dict:
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": HEIGHT},
            "background": "white",
            "axis": {
                "labelFontSize": 13, "titleFontSize": 13, "titleFontWeight": "normal",
                "titleColor": "#333", "labelColor": "#333", "gridColor": "#e8e8e8",
                "domainColor": "#999", "tickColor": "#999",
            },
            "legend": {"labelFontSize": 13, "titleFontSize": 13, "orient": "top", "title": None},
            "title": {"fontSize": 16, "anchor": "start", "color": "#222", "fontWeight": 600},
            "range": {"category": list(POLICY_COLOURS.values()) + [ACCENT, WARN, BASE, "#CC79A7", "#F0E442"]},
            "line": {"strokeWidth": 3},
        }
    }


def enable_theme() -> None:
    """Register and enable the shared theme (idempotent)."""
    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(_theme)
    alt.theme.enable(THEME)


class _Altair:
    """Altair, imported (and themed) on first use: importing it costs ~0.5 s, which a page should not
    pay before its first sentence is on screen."""

    _lock = threading.Lock()
    _module = None

    def __getattr__(self, name: str):
        if _Altair._module is None:
            with _Altair._lock:
                if _Altair._module is None:
                    module = importlib.import_module("altair")
                    _Altair._module = module
                    enable_theme()
        return getattr(_Altair._module, name)


alt = _Altair()


def _policy_colour(policies: list[str]) -> alt.Color:
    domain = [p for p in POLICY_COLOURS if p in policies]
    return alt.Color("policy:N", scale=alt.Scale(domain=domain, range=[POLICY_COLOURS[p] for p in domain]),
                     legend=alt.Legend(title=None, orient="top"))


def gains_chart(gains: pd.DataFrame, marker_share: float | None = None) -> alt.LayerChart:
    """Share of all leavers reached vs share of customers contacted, one line per policy.

    ``gains`` has columns ``policy``, ``share_contacted``, ``share_reached``.
    """
    base = alt.Chart(gains).encode(
        x=alt.X("share_contacted:Q", title="Share of customers contacted", axis=alt.Axis(format="%", tickCount=10)),
        y=alt.Y("share_reached:Q", title="Share of all leavers reached", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=_policy_colour(sorted(gains["policy"].unique())),
        strokeDash=alt.StrokeDash("policy:N", legend=None,
                                  scale=alt.Scale(domain=[MODEL, STATUS_QUO, RANDOM], range=[[1, 0], [1, 0], [6, 4]])),
        tooltip=[
            alt.Tooltip("policy:N", title="Who we call"),
            alt.Tooltip("share_contacted:Q", title="Customers contacted", format=".0%"),
            alt.Tooltip("share_reached:Q", title="Leavers reached", format=".0%"),
        ],
    )
    layers = [base.mark_line()]
    if marker_share is not None:
        # The marker's data is one named inline dataset, so a built spec can be re-pointed at a
        # new list size without rebuilding the chart (see ``with_marker``).
        rule = alt.Chart(alt.Data(name=MARKER_DATA)).encode(x="x:Q")
        layers += [
            rule.mark_rule(color="#333", strokeDash=[3, 3]),
            rule.mark_text(align="left", dx=5, y=10, color="#333", fontSize=12).encode(text="label:N"),
        ]
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT)
    if marker_share is not None:
        chart = chart.properties(datasets={MARKER_DATA: [{"x": marker_share, "label": "Your list"}]})
    return chart


MARKER_DATA = "list_marker"


def with_marker(spec: dict, share: float) -> dict:
    """A copy of a built gains-chart spec with the 'Your list' marker moved to ``share``.

    Building and serialising an Altair chart costs tens of milliseconds; moving the marker on a
    spec built once costs microseconds, which keeps the slider live.
    """
    out = dict(spec)
    out["datasets"] = {**spec.get("datasets", {}), MARKER_DATA: [{"x": share, "label": "Your list"}]}
    return out


def net_value_chart(curve: pd.DataFrame, best: int, current: int, labels: dict[str, str], currency: str = "$", *,
                    capacity: int | None = None, unlimited_best: int | None = None,
                    per: str = " per month") -> alt.LayerChart:
    """Net value (after campaign costs) against the number of customers contacted.

    ``curve`` has ``contacts`` and ``net``; the best depth, the current choice, marketing's
    capacity and (when the capacity binds) the best depth without it are marked. ``labels``
    ("best", "current", and "capacity" / "free" when those are marked) are the finding's own
    wording, so the chart says exactly what its facts say.
    """
    line = alt.Chart(curve).mark_line(color=POLICY_COLOURS[MODEL]).encode(
        x=alt.X("contacts:Q", title=f"Customers contacted{per}", axis=alt.Axis(format="~s", tickCount=8)),
        y=alt.Y("net:Q", title=f"Net value{per} ({currency})", axis=alt.Axis(format="~s")),
        tooltip=[alt.Tooltip("contacts:Q", title="Contacted", format=",d"),
                 alt.Tooltip("net:Q", title="Net value", format=",.0f")],
    )
    layers = [alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#999").encode(y="y:Q"), line]
    if capacity is not None and capacity < curve["contacts"].max():
        text = labels["capacity"]
        low = float(min(curve["net"].min(), 0.0))
        cap = alt.Chart(pd.DataFrame({"x": [capacity], "y": [low], "label": [text]})).encode(x="x:Q")
        layers += [cap.mark_rule(color="#666", strokeDash=[4, 4]),
                   cap.mark_text(align="left", dx=4, dy=-8, color="#666", fontSize=12).encode(y="y:Q", text="label:N")]

    def at(k: int) -> float:
        return float(curve.iloc[(curve["contacts"] - k).abs().argmin()]["net"])

    rows = [(best, at(best), labels["best"], "best", 22)]
    if unlimited_best is not None and unlimited_best != best:
        rows.append((unlimited_best, at(unlimited_best), labels["free"], "free", -14))
    if abs(current - best) > 0.03 * max(curve["contacts"].max(), 1):
        rows.append((current, at(current), labels["current"], "current", 40))
    marks = pd.DataFrame(rows, columns=["contacts", "net", "label", "kind", "dy"])
    colour = alt.Color("kind:N", scale=alt.Scale(domain=["best", "free", "current"], range=[ACCENT, "#666", "#333"]),
                       legend=None)
    points = alt.Chart(marks).mark_point(size=120, filled=True).encode(x="contacts:Q", y="net:Q", color=colour)
    for dy in sorted(set(marks["dy"])):
        layers.append(alt.Chart(marks[marks["dy"] == dy]).mark_text(align="left", dx=8, dy=dy, fontSize=12)
                      .encode(x="contacts:Q", y="net:Q", text="label:N", color=colour))
    return alt.layer(*layers, points).properties(width=WIDTH, height=HEIGHT)


def segment_chart(mix: pd.DataFrame, segment_label: str) -> alt.Chart:
    """Share of the contact list vs share of all customers, per segment value.

    ``mix`` has ``segment``, ``group`` ("Contact list" / "All customers") and ``share``.
    """
    return (
        alt.Chart(mix)
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", title=segment_label, sort=alt.SortField("order")),
            yOffset=alt.YOffset("group:N", sort=["Contact list", "All customers"]),
            x=alt.X("share:Q", title="Share of customers", axis=alt.Axis(format="%")),
            color=alt.Color("group:N", scale=alt.Scale(domain=["Contact list", "All customers"],
                                                       range=[POLICY_COLOURS[MODEL], "#BBBBBB"]),
                            legend=alt.Legend(title=None, orient="top")),
            tooltip=[alt.Tooltip("segment:N", title=segment_label), alt.Tooltip("group:N", title=" "),
                     alt.Tooltip("share:Q", title="Share", format=".0%")],
        )
        .properties(width=WIDTH)
    )


def fairness_chart(table: pd.DataFrame, column_label: str) -> alt.LayerChart:
    """Per group: its share of the list and of the leavers (bars, with their ranges as whiskers).

    ``table`` is a :class:`~storytelling.fairness.GroupMix` table (``group``, ``share_list``,
    ``share_leavers`` and their ``_lo``/``_hi``).
    """
    parts = [("Share of the list", "share_list"), ("Share of those who left", "share_leavers")]
    long = pd.concat([pd.DataFrame({"group": table["group"].astype(str), "measure": name, "share": table[col],
                                    "low": table[f"{col}_lo"], "high": table[f"{col}_hi"]}) for name, col in parts],
                     ignore_index=True)
    names = [n for n, _ in parts]
    base = alt.Chart(long).encode(
        y=alt.Y("group:N", title=column_label, sort=list(table["group"].astype(str))),
        yOffset=alt.YOffset("measure:N", sort=names))
    bars = base.mark_bar().encode(
        x=alt.X("share:Q", title="Share", axis=alt.Axis(format="%")),
        color=alt.Color("measure:N", scale=alt.Scale(domain=names, range=[POLICY_COLOURS[MODEL], "#999999"]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=[alt.Tooltip("group:N", title=column_label), alt.Tooltip("measure:N", title=" "),
                 alt.Tooltip("share:Q", title="Share", format=".0%"),
                 alt.Tooltip("low:Q", title="Range from", format=".0%"),
                 alt.Tooltip("high:Q", title="Range to", format=".0%")])
    whiskers = base.mark_rule(color="#222").encode(x="low:Q", x2="high:Q")
    return (bars + whiskers).properties(width=WIDTH)


def compare_chart(outcomes: pd.DataFrame, currency: str = "$", *, per: str = " per month") -> alt.Chart:
    """Customers kept per month by policy at the same number of contacts (bars, with labels).

    ``outcomes`` has ``policy``, ``saved`` and ``label``.
    """
    base = alt.Chart(outcomes).encode(
        y=alt.Y("policy:N", title=None, sort=[MODEL, STATUS_QUO, RANDOM]),
        x=alt.X("saved:Q", title=f"Customers kept{per}"),
    )
    bars = base.mark_bar().encode(color=_policy_colour(list(outcomes["policy"])))
    text = base.mark_text(align="left", dx=6, fontSize=13).encode(text="label:N")
    return alt.layer(bars, text).properties(width=WIDTH, height=150)


def options_chart(options: pd.DataFrame, currency: str = "$", *, per: str = " a month") -> alt.LayerChart:
    """Net value of each kept option with its range, the recommended one in the accent colour.

    ``options`` has ``option``, ``net``, ``low``, ``high``, ``label`` and ``best`` ("Recommended" or not).
    """
    base = alt.Chart(options).encode(y=alt.Y("option:N", title=None, sort=list(options["option"])))
    colour = alt.Color("best:N", title=None, scale=alt.Scale(domain=["Recommended", "Other option"],
                                                             range=[ACCENT, POLICY_COLOURS[RANDOM]]))
    bars = base.mark_bar().encode(x=alt.X("net:Q", title=f"Net value{per} ({currency}, with its range)"), color=colour)
    rule = base.mark_rule(strokeWidth=2).encode(x="low:Q", x2="high:Q")
    text = base.mark_text(align="left", dx=6, fontSize=13).encode(x="high:Q", text="label:N")  # right of its range
    return alt.layer(bars, rule, text).properties(width=WIDTH, height=max(120, 48 * len(options)))


def to_png(chart: alt.TopLevelMixin | dict, *, width_px: int = 1280, ppi: int = 200) -> bytes:
    """Render a chart to PNG with vl-convert at an explicit size and resolution."""
    import vl_convert as vlc

    spec = chart if isinstance(chart, dict) else chart.to_dict()
    # vl-convert's output is (chart width) x scale x ppi / 72 pixels wide.
    scale = width_px * 72 / ((WIDTH + 100) * ppi)
    return vlc.vegalite_to_png(spec, scale=scale, ppi=ppi)


def _month_axis() -> alt.X:
    return alt.X("cutoff:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="month",
                                                       labelOverlap=True))


def _policy_lines(data: pd.DataFrame, y: str, title: str, fmt: str) -> list:
    colour = _policy_colour(sorted(data["policy"].unique()))
    x = _month_axis()
    line = alt.Chart(data).mark_line(point=True).encode(
        x=x, y=alt.Y(f"{y}:Q", title=title, axis=alt.Axis(format=fmt)), color=colour,
        tooltip=[alt.Tooltip("cutoff:T", title="Month", format="%B %Y"), alt.Tooltip("policy:N", title="Who we call"),
                 alt.Tooltip(f"{y}:Q", title=title, format=",.0f")],
    )
    layers = []
    if f"{y}_low" in data and data[f"{y}_low"].notna().any():
        band = data[data[f"{y}_low"].notna()]
        layers.append(alt.Chart(band).mark_area(opacity=0.18, color=POLICY_COLOURS[MODEL]).encode(
            x=x, y=f"{y}_low:Q", y2=f"{y}_high:Q"))
    return [*layers, line]


def backtest_timeline_chart(monthly: pd.DataFrame, currency: str = "$") -> alt.LayerChart:
    """Net value per month by policy; the model's range as a band.

    ``monthly`` has ``cutoff``, ``policy``, ``net`` and (for the model) ``net_low``/``net_high``.
    """
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#999").encode(y="y:Q")
    return alt.layer(zero, *_policy_lines(monthly, "net", f"Net value per month ({currency})", "~s")).properties(
        width=WIDTH, height=HEIGHT)


def cumulative_chart(cumulative: pd.DataFrame) -> alt.LayerChart:
    """Customers kept since the first month, running total by policy; the model's range as a band."""
    return alt.layer(*_policy_lines(cumulative, "saved", "Customers kept since the start", ",d")).properties(
        width=WIDTH, height=HEIGHT)


def quality_chart(periods: pd.DataFrame, column: str = "top_decile_lift", title: str = "Times better than random") -> alt.LayerChart:
    """How much better than random the model's top tenth is, month by month."""
    x = _month_axis()
    line = alt.Chart(periods).mark_line(point=True, color=POLICY_COLOURS[MODEL]).encode(
        x=x, y=alt.Y(f"{column}:Q", title=title, scale=alt.Scale(zero=True)),
        tooltip=[alt.Tooltip("cutoff:T", title="Month", format="%B %Y"), alt.Tooltip(f"{column}:Q", title=title, format=".2f")],
    )
    ref = alt.Chart(pd.DataFrame({"y": [1.0 if column == "top_decile_lift" else 0.5]})).mark_rule(
        color=POLICY_COLOURS[RANDOM], strokeDash=[6, 4]).encode(y="y:Q")
    return alt.layer(ref, line).properties(width=WIDTH, height=HEIGHT * 0.8)


def drivers_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Horizontal bars: each driver's share of what the model sees, biggest first."""
    data = table.assign(label=table["share"].map(lambda s: f"{s:.0%}"))
    y = alt.Y("driver:N", sort=alt.EncodingSortField("share", order="descending"), title=None,
              axis=alt.Axis(labelLimit=360))
    base = alt.Chart(data).encode(y=y)
    bars = base.mark_bar(color=POLICY_COLOURS[MODEL], cornerRadiusEnd=3).encode(
        x=alt.X("share:Q", title="Share of the differences in risk the model sees", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("driver:N", title="Driver"), alt.Tooltip("share:Q", title="Share", format=".0%")],
    )
    text = base.mark_text(align="left", dx=4, fontSize=13, color="#333").encode(x="share:Q", text="label:N")
    return (bars + text).properties(width=WIDTH, height=max(120, 34 * len(data)))


def band_chart(bands: pd.DataFrame, average: float, name: str, *, observed: bool = False,
               horizon: str = "within a month") -> alt.LayerChart:
    """The share who left (``observed``) or the model's average risk in each band of one column,
    against the whole group."""
    col = "left" if observed else "risk"
    data = bands[bands["known"] > 0] if observed else bands
    data = data.assign(value=data[col], label=data[col].map(lambda r: f"{r:.1%}"))
    x = alt.X("band:N", sort=alt.EncodingSortField("order"), title=name[:1].upper() + name[1:],
              axis=alt.Axis(labelAngle=0, labelLimit=160))
    base = alt.Chart(data).encode(x=x)
    title = f"Left {horizon}" if observed else "The model's risk of leaving"
    bars = base.mark_bar(color=BASE, cornerRadiusEnd=3).encode(
        y=alt.Y("value:Q", title=title, axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("band:N", title=name), alt.Tooltip("value:Q", title=title, format=".1%"),
                 alt.Tooltip("customers:Q", title="Customers", format=",")],
    )
    text = base.mark_text(dy=-8, fontSize=13, color="#333").encode(y="value:Q", text="label:N")
    avg = pd.DataFrame({"value": [average], "label": [f"{'All customers' if observed else 'Average estimate'} "
                                                      f"{average:.1%}"]})
    rule = alt.Chart(avg).mark_rule(color=WARN, strokeDash=[6, 4], strokeWidth=2).encode(y="value:Q")
    rule_text = alt.Chart(avg).mark_text(align="left", dx=4, dy=-8, color=WARN, fontSize=12, x=0).encode(
        y="value:Q", text="label:N")
    return (bars + text + rule + rule_text).properties(width=WIDTH, height=HEIGHT)


def waterfall_chart(steps: pd.DataFrame, *, horizon: str = " within a month") -> alt.LayerChart:
    """From the average customer's risk, step by step, to this customer's risk (percentage points)."""
    colours = {"average": "#8C8C8C", "raises": WARN, "lowers": ACCENT, "customer": POLICY_COLOURS[MODEL]}
    domain = [k for k in colours if k in set(steps["kind"])]
    data = steps.assign(mid=(steps["start"] + steps["end"]) / 2, right=steps[["start", "end"]].max(axis=1))
    y = alt.Y("label:N", sort=alt.EncodingSortField("order"), title=None, axis=alt.Axis(labelLimit=360))
    base = alt.Chart(data).encode(y=y)
    bars = base.mark_bar(cornerRadius=2).encode(
        x=alt.X("start:Q", title=f"Risk of leaving{horizon} (%)"), x2="end:Q",
        color=alt.Color("kind:N", scale=alt.Scale(domain=domain, range=[colours[k] for k in domain]),
                        legend=None),
        tooltip=[alt.Tooltip("label:N", title="Step"), alt.Tooltip("text:N", title="Change")],
    )
    text = base.mark_text(align="left", dx=4, fontSize=13, color="#333").encode(x="right:Q", text="text:N")
    return (bars + text).properties(width=WIDTH, height=max(160, 32 * len(data)))


def power_chart(by_n: pd.DataFrame, by_effect: pd.DataFrame, planned_n: int, power: float) -> alt.HConcatChart:
    """The chance the test catches the effect: against customers per group, and against the effect."""
    y = alt.Y("power:Q", title="Chance the test shows the effect", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, 1]))
    line_n = alt.Chart(by_n).mark_line(color=POLICY_COLOURS[MODEL]).encode(
        x=alt.X("customers:Q", title="Customers in the comparison group", axis=alt.Axis(format=",.0f")), y=y,
        tooltip=[alt.Tooltip("customers:Q", format=","), alt.Tooltip("power:Q", format=".0%")])
    mark = pd.DataFrame({"customers": [planned_n], "power": [power]})
    pt = alt.Chart(mark).mark_point(color=WARN, size=120, filled=True).encode(x="customers:Q", y="power:Q")
    line_e = alt.Chart(by_effect.assign(effect=by_effect["effect"] * 100)).mark_line(color=ACCENT).encode(
        x=alt.X("effect:Q", title="Fewer leavers per 100 customers (true effect)"), y=y,
        tooltip=[alt.Tooltip("effect:Q", format=".2f"), alt.Tooltip("power:Q", format=".0%")])
    w = WIDTH // 2 - 20
    return alt.hconcat((line_n + pt).properties(width=w, height=260), line_e.properties(width=w, height=260))


def sensitivity_chart(grid: pd.DataFrame, share_order: list[str]) -> alt.LayerChart:
    """Net value for each share kept (rows) and value of a kept customer (columns): green pays, red loses.

    ``grid`` has ``share_label``, ``value_label``, ``factor``, ``net`` and ``net_label``.
    """
    cols = list(grid.sort_values("factor")["value_label"].drop_duplicates())
    base = alt.Chart(grid).encode(
        x=alt.X("value_label:N", sort=cols, title="Value of a kept customer", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("share_label:N", sort=share_order, title="Share the offer keeps"))
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.condition("datum.net >= 0", alt.value("#CDEBDD"), alt.value("#F6D3C4")))
    text = base.mark_text(fontSize=14, color="#222").encode(text="net_label:N")
    return (cells + text).properties(width=WIDTH, height=alt.Step(44))


def figure_card(items: list[tuple[str, str]]) -> alt.LayerChart:
    """Key figures as large numbers with a caption under each (for findings without a chart)."""
    data = pd.DataFrame({"big": [b for b, _ in items], "small": [s for _, s in items], "x": range(len(items))})
    base = alt.Chart(data).encode(x=alt.X("x:O", axis=None))
    big = base.mark_text(fontSize=44, fontWeight=600, color=POLICY_COLOURS[MODEL], dy=-10).encode(text="big:N")
    small = base.mark_text(fontSize=15, color="#444", dy=30).encode(text="small:N")
    return (big + small).properties(width=WIDTH, height=140).configure_view(stroke=None)


def ab_result_chart(groups: pd.DataFrame) -> alt.LayerChart:
    """Churn in the comparison and the test group, each with its 95% range."""
    colours = {"Comparison group": "#8C8C8C", "Test group": POLICY_COLOURS[MODEL]}
    y = alt.Y("group:N", title=None, sort=list(colours), axis=alt.Axis(labelLimit=240))
    base = alt.Chart(groups).encode(y=y)
    bars = base.mark_bar(height=34, cornerRadiusEnd=3).encode(
        x=alt.X("rate:Q", title="Left within a month", axis=alt.Axis(format="%")),
        color=alt.Color("group:N", scale=alt.Scale(domain=list(colours), range=list(colours.values())), legend=None),
        tooltip=[alt.Tooltip("group:N"), alt.Tooltip("rate:Q", format=".1%"), alt.Tooltip("customers:Q", format=",")])
    err = base.mark_rule(color="#222", strokeWidth=2).encode(x="low:Q", x2="high:Q")
    text = base.mark_text(align="left", dx=6, dy=-14, fontSize=13, color="#333").encode(x="high:Q", text="label:N")
    return (bars + err + text).properties(width=WIDTH, height=160)


def effect_bands_chart(table: pd.DataFrame, band_title: str) -> alt.LayerChart:
    """Customers kept per 100 called in each band (``band``, ``kept``, ``low``, ``high``), with ranges."""
    base = alt.Chart(table).encode(y=alt.Y("band:N", title=band_title, sort=list(table["band"])))
    bars = base.mark_bar(color=POLICY_COLOURS[MODEL]).encode(
        x=alt.X("kept:Q", title="Customers kept per 100 called"),
        tooltip=[alt.Tooltip("band:N", title=band_title), alt.Tooltip("kept:Q", title="Kept per 100", format=".1f"),
                 alt.Tooltip("low:Q", title="Range from", format=".1f"),
                 alt.Tooltip("high:Q", title="Range to", format=".1f"),
                 alt.Tooltip("customers:Q", title="Customers in the test", format=",")])
    whiskers = base.mark_rule(color="#222").encode(x="low:Q", x2="high:Q")
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#666").encode(x="x:Q")
    return (bars + whiskers + zero).properties(width=WIDTH)


def gain_chart(curve: pd.DataFrame) -> alt.Chart:
    """Customers kept per 100 customers as the called share grows (``share``, ``list``, ``kept``)."""
    names = ["By expected effect", "By risk", "At random"]
    return alt.Chart(curve).mark_line(point=True).encode(
        x=alt.X("share:Q", title="Share of customers called", axis=alt.Axis(format="%")),
        y=alt.Y("kept:Q", title="Customers kept per 100 customers"),
        color=alt.Color("list:N", scale=alt.Scale(domain=names, range=[ACCENT, POLICY_COLOURS[MODEL],
                                                                      POLICY_COLOURS[RANDOM]]),
                        legend=alt.Legend(title=None, orient="top")),
        strokeDash=alt.condition(alt.datum.list == "At random", alt.value([5, 4]), alt.value([1, 0])),
        tooltip=[alt.Tooltip("list:N", title="Picked"), alt.Tooltip("share:Q", title="Called", format=".0%"),
                 alt.Tooltip("kept:Q", title="Kept per 100", format=".2f")],
    ).properties(width=WIDTH, height=HEIGHT)


#: The fifths of customers by forecast risk, lowest first, as the calibration chart labels them.
FIFTH_LABELS = ("Lowest", "Second", "Middle", "Fourth", "Highest")


def calibration_chart(table: pd.DataFrame) -> alt.Chart:
    """Leavers expected and leavers seen in each fifth of the forecast risk (``band``, ``expected``, ``actual``)."""
    names = list(FIFTH_LABELS[:len(table)])
    long = pd.DataFrame({"fifth": names * 2, "what": ["Expected"] * len(names) + ["Left"] * len(names),
                         "leavers": list(table["expected"]) + list(table["actual"])})
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("fifth:N", title="Fifth of customers by forecast risk", sort=names, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("what:N", sort=["Expected", "Left"]),
        y=alt.Y("leavers:Q", title="Leavers"),
        color=alt.Color("what:N", scale=alt.Scale(domain=["Expected", "Left"], range=["#BBBBBB", POLICY_COLOURS[MODEL]]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=[alt.Tooltip("fifth:N", title="Fifth"), alt.Tooltip("what:N", title=""),
                 alt.Tooltip("leavers:Q", format=",.0f")],
    ).properties(width=WIDTH, height=HEIGHT)
