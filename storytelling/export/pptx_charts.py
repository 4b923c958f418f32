"""Native, editable PowerPoint charts, tables and key figures drawn from a finding's ``Plot``.

Every text in a chart is at least :data:`CHART_PT` points; every drawn shape carries the plot's
alt text (``descr``), which screen readers and PowerPoint's accessibility checker read.
"""

from __future__ import annotations

import math

from lxml import etree
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_AXIS_CROSSES, XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from storytelling.plot import Plot, Series

CHART_PT = 14
INK = RGBColor(0x1F, 0x23, 0x28)
MUTED = RGBColor(0x57, 0x60, 0x6A)
GRID = RGBColor(0xD9, 0xD9, 0xD9)
PAYS, LOSES = RGBColor(0xCD, 0xEB, 0xDD), RGBColor(0xF6, 0xD3, 0xC4)


def rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def set_alt_text(shape, text: str) -> None:
    """The shape's description for screen readers (PowerPoint's 'Alt Text')."""
    shape._element.xpath("./*[1]/p:cNvPr")[0].set("descr", text)


def draw(slide, plot: Plot, left, top, width, height) -> list:
    """Draw ``plot`` in the box; returns the shapes drawn (each with the plot's alt text)."""
    shapes = {"figures": _figures, "table": _table}.get(plot.kind, _chart)(slide, plot, left, top, width, height)
    for s in shapes:
        set_alt_text(s, plot.alt)
    return shapes


def _chart(slide, plot: Plot, left, top, width, height) -> list:
    if plot.kind == "xy":
        data = XyChartData()
        for s in plot.series:
            ser = data.add_series(s.name, number_format=plot.number_format)
            for x, y in zip(s.xs, s.values):
                if math.isfinite(y):
                    ser.add_data_point(x, y)
        kind = XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS
    else:
        data = CategoryChartData(number_format=plot.number_format)
        bar = plot.kind == "bar"
        data.categories = list(reversed(plot.categories)) if bar else list(plot.categories)
        for s in plot.series:
            values = list(reversed(s.values)) if bar else list(s.values)
            data.add_series(s.name, [v if math.isfinite(v) else None for v in values])
        for s in plot.series if plot.kind == "line" else ():
            if s.low is not None:  # the range as two thin dotted lines
                data.add_series(f"{s.name}: low end of range", [v if math.isfinite(v) else None for v in s.low])
                data.add_series(f"{s.name}: high end of range", [v if math.isfinite(v) else None for v in s.high])
        kind = XL_CHART_TYPE.BAR_CLUSTERED if bar else XL_CHART_TYPE.LINE
    frame = slide.shapes.add_chart(kind, left, top, width, height, data)
    chart = frame.chart
    chart.font.size, chart.font.color.rgb = Pt(CHART_PT), INK
    chart.has_title = False  # the slide's title says what the chart shows
    if plot.marks:
        _plot_area(chart)
    _axes(chart, plot)
    _style_series(chart, plot)
    chart.has_legend = len(plot.series) > 1
    if chart.has_legend:
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.TOP, False
        chart.legend.font.size = Pt(CHART_PT)
        _hide_range_entries(chart, plot)
    shapes = [frame]
    for i, (x, label) in enumerate(sorted(plot.marks)):
        shapes += _mark(slide, plot, frame, x, label, row=i)
    return shapes


#: Where the plot area's inside sits in the chart frame (shares of its width and height): fixed, so
#: the markers drawn over a chart land where their values are.
INNER = (0.17, 0.13, 0.79, 0.67)


def _plot_area(chart) -> None:
    area = chart._chartSpace.chart.plotArea
    layout = area.find(qn("c:layout"))
    if layout is None:
        layout = etree.SubElement(area, qn("c:layout"))
        area.remove(layout)
        area.insert(0, layout)
    for child in list(layout):
        layout.remove(child)
    manual = etree.SubElement(layout, qn("c:manualLayout"))
    etree.SubElement(manual, qn("c:layoutTarget")).set("val", "inner")
    etree.SubElement(manual, qn("c:xMode")).set("val", "edge")
    etree.SubElement(manual, qn("c:yMode")).set("val", "edge")
    for tag, v in zip(("c:x", "c:y", "c:w", "c:h"), INNER):
        etree.SubElement(manual, qn(tag)).set("val", f"{v}")


def _hide_range_entries(chart, plot: Plot) -> None:
    """The legend names the lines, not the thin range lines around the model's."""
    names = {s.name for s in plot.series}
    legend = chart.legend._element
    for i, s in enumerate(chart.plots[0].series):
        if s.name not in names:
            entry = etree.SubElement(legend, qn("c:legendEntry"))
            etree.SubElement(entry, qn("c:idx")).set("val", str(i))
            etree.SubElement(entry, qn("c:delete")).set("val", "1")
            legend.remove(entry)
            legend.find(qn("c:legendPos")).addnext(entry)  # the schema's order: position, then entries


def _axes(chart, plot: Plot) -> None:
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = GRID
    value_axis.tick_labels.font.size = Pt(CHART_PT)
    value_axis.tick_labels.number_format, value_axis.tick_labels.number_format_is_linked = plot.number_format, False
    category_axis = chart.category_axis
    category_axis.tick_labels.font.size = Pt(CHART_PT)
    if plot.kind == "xy":
        category_axis.tick_labels.number_format = plot.x_format
        category_axis.tick_labels.number_format_is_linked = False
        category_axis.has_major_gridlines = False
        lo, hi = x_range(plot)
        category_axis.minimum_scale, category_axis.maximum_scale = lo, hi
    if plot.kind == "bar":
        value_axis.minimum_scale = 0
        ends = [h for s in plot.series for h in (s.high or s.values) if math.isfinite(h)]
        if any(s.high for s in plot.series) and ends:  # room for the ranges' ends
            value_axis.maximum_scale = max(ends) * 1.12
    value_axis.crosses = XL_AXIS_CROSSES.MINIMUM  # the horizontal axis at the bottom, even below zero
    top = max(max((v for v in (s.high or s.values) if math.isfinite(v)), default=0) for s in plot.series)
    if plot.number_format == "0%" and top <= 1 and plot.kind != "bar":
        value_axis.maximum_scale = 1
    for axis, title in ((category_axis, plot.x_title if plot.kind == "xy" else ""),
                        (value_axis, plot.x_title if plot.kind == "bar" else plot.y_title)):
        if title:
            axis.has_title = True
            axis.axis_title.text_frame.text = title
            for p in axis.axis_title.text_frame.paragraphs:
                for r in p.runs:
                    r.font.size, r.font.bold, r.font.color.rgb = Pt(CHART_PT), False, MUTED


def _style_series(chart, plot: Plot) -> None:
    series = list(chart.plots[0].series)
    if plot.kind == "bar":
        chart.plots[0].gap_width = 60
        for s, spec in zip(series, plot.series):
            _style_bars(s, spec, len(plot.categories))
        return
    by_name = {s.name: s for s in plot.series}
    for s in series:
        spec = by_name.get(s.name)
        line = s.format.line
        s.smooth = False
        if spec is None:  # a range line
            owner = by_name[s.name.split(":")[0]]
            line.color.rgb, line.width, line.dash_style = rgb(owner.colour), Pt(1), MSO_LINE_DASH_STYLE.ROUND_DOT
            continue
        line.color.rgb, line.width = rgb(spec.colour), Pt(2.75 if spec.name == "Model" or len(series) == 1 else 2)
        if spec.dashed:
            line.dash_style = MSO_LINE_DASH_STYLE.DASH
    for s in series:
        s.marker.style = XL_MARKER_STYLE.NONE


def _style_bars(s, spec: Series, n: int) -> None:
    """One series of bars: its colour (or a colour per bar), its labels and its ranges."""
    colours = list(reversed(spec.colours)) if spec.colours else None
    s.format.fill.solid()
    s.format.fill.fore_color.rgb = rgb(spec.colour)
    for i in range(n):
        if colours:
            point = s.points[i]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = rgb(colours[i])
    for i, text in enumerate(reversed(spec.labels or ())):
        label = s.points[i].data_label
        label.has_text_frame = True
        label.text_frame.text = text
        font = label.text_frame.paragraphs[0].runs[0].font
        font.size = Pt(CHART_PT)
        if spec.low is None:
            label.position = XL_LABEL_POSITION.OUTSIDE_END
        else:  # the range's bar would cross a label at the bar's end: inside, at its base
            label.position = XL_LABEL_POSITION.INSIDE_BASE
            font.bold, font.color.rgb = True, RGBColor(0xFF, 0xFF, 0xFF)
    if spec.low is not None:
        _error_bars(s, spec)


def _error_bars(series, spec: Series) -> None:
    """Each bar's range as an error bar (custom plus and minus values)."""
    values = list(reversed(spec.values))
    plus = [h - v for v, h in zip(values, reversed(spec.high))]
    minus = [v - lo for v, lo in zip(values, reversed(spec.low))]
    ser = series._element
    bars = etree.SubElement(ser, qn("c:errBars"))
    etree.SubElement(bars, qn("c:errBarType")).set("val", "both")
    etree.SubElement(bars, qn("c:errValType")).set("val", "cust")
    etree.SubElement(bars, qn("c:noEndCap")).set("val", "0")
    for tag, vals in (("c:plus", plus), ("c:minus", minus)):
        lit = etree.SubElement(etree.SubElement(bars, qn(tag)), qn("c:numLit"))
        etree.SubElement(lit, qn("c:ptCount")).set("val", str(len(vals)))
        for i, v in enumerate(vals):
            pt = etree.SubElement(lit, qn("c:pt"))
            pt.set("idx", str(i))
            etree.SubElement(pt, qn("c:v")).text = f"{v:.6f}"
    sp = etree.SubElement(bars, qn("c:spPr"))
    ln = etree.SubElement(sp, qn("a:ln"))
    ln.set("w", str(Pt(2)))
    fill = etree.SubElement(etree.SubElement(ln, qn("a:solidFill")), qn("a:srgbClr"))
    fill.set("val", "222222")
    # the schema wants errBars after the data labels and before the categories
    anchor = ser.find(qn("c:cat"))
    if anchor is not None:
        anchor.addprevious(bars)


def x_range(plot: Plot) -> tuple[float, float]:
    """The x axis of an "xy" plot: its data's, from 0 when the data start near it (ticks at round numbers)."""
    lo, hi = min(min(s.xs) for s in plot.series), max(max(s.xs) for s in plot.series)
    return (0.0 if 0 <= lo <= 0.25 * hi else lo), hi


def _mark(slide, plot: Plot, frame, x: float, label: str, row: int = 0) -> list:
    """A vertical dashed line with its label at ``x`` on an "xy" plot, placed by the plot area's
    fixed layout (:data:`INNER`)."""
    lo, hi = x_range(plot)
    if not lo <= x <= hi or hi <= lo:
        return []
    x0, y0, w, h = INNER
    at = frame.left + int(frame.width * (x0 + w * (x - lo) / (hi - lo)))
    top, bottom = frame.top + int(frame.height * y0), frame.top + int(frame.height * (y0 + h))
    line = slide.shapes.add_connector(1, Emu(at), Emu(top), Emu(at), Emu(bottom))
    line.line.color.rgb, line.line.width, line.line.dash_style = MUTED, Pt(1.25), MSO_LINE_DASH_STYLE.DASH
    # labels sit at the foot of their line, one a row: lines start low, so the foot is mostly free
    width = min(Inches(3.8), Inches(0.2 + 0.105 * len(label)))  # about the text's own width
    box = slide.shapes.add_textbox(Emu(min(at + Inches(0.05), frame.left + frame.width - width)),
                                   Emu(bottom - (row + 1) * Inches(0.42)), width, Inches(0.4))
    tf = box.text_frame
    tf.text, tf.word_wrap = label, True
    tf.margin_left = tf.margin_right = Inches(0.05)
    tf.paragraphs[0].alignment = PP_ALIGN.LEFT
    box.fill.solid()
    box.fill.fore_color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    run = tf.paragraphs[0].runs[0]
    run.font.size, run.font.color.rgb = Pt(CHART_PT - 2 if len(label) > 24 else CHART_PT), MUTED
    return [line, box]


def _figures(slide, plot: Plot, left, top, width, height) -> list:
    """Key figures as text: a large number over its caption, side by side."""
    n = max(len(plot.figures), 1)
    gap = Inches(0.25)
    w = int((width - gap * (n - 1)) / n)
    h = min(height, Inches(1.9))
    shapes = []
    for i, (big, small) in enumerate(plot.figures):
        box = slide.shapes.add_shape(1, left + i * (w + gap), top, w, h)  # a rectangle
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor(0xF2, 0xF5, 0xF8)
        box.line.fill.background()
        tf = box.text_frame
        tf.word_wrap, tf.vertical_anchor = True, MSO_ANCHOR.MIDDLE
        tf.text = big
        p = tf.paragraphs[0]
        p.alignment = PP_ALIGN.CENTER
        p.runs[0].font.size, p.runs[0].font.bold = Pt(34 if len(big) <= 10 else 26), True
        p.runs[0].font.color.rgb = rgb("#0072B2")
        q = tf.add_paragraph()
        q.alignment = PP_ALIGN.CENTER
        r = q.add_run()
        r.text = small
        r.font.size, r.font.color.rgb = Pt(CHART_PT), MUTED
        shapes.append(box)
    return shapes


def _table(slide, plot: Plot, left, top, width, height) -> list:
    rows = plot.rows
    row_h = min(Inches(0.55), int(height / max(len(rows), 1)))
    shape = slide.shapes.add_table(len(rows), len(rows[0]), left, top, width, row_h * len(rows))
    table = shape.table
    wide = len(rows[0]) > 4  # five options across: a smaller type, a narrower label column
    first = int(width * (0.2 if wide else 0.3))
    table.columns[0].width = first
    for c in range(1, len(rows[0])):
        table.columns[c].width = int((width - first) / (len(rows[0]) - 1))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.text = text
            para = cell.text_frame.paragraphs[0]
            run = para.runs[0] if para.runs else para.add_run()  # an empty cell (a table's corner) has no run
            run.font.size = Pt(CHART_PT - 2 if wide else CHART_PT)
            run.font.bold = r == 0 or c == 0 or (r, c) == plot.highlight
            if r > 0 and c > 0:
                cell.text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT
            if r > 0 and c > 0 and plot.values:  # a gain or a loss, by the number behind the text
                cell.fill.solid()
                cell.fill.fore_color.rgb = LOSES if plot.values[r - 1][c - 1] < 0 else PAYS
                run.font.color.rgb = INK
    return [shape]
