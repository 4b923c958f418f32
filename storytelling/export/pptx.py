"""The deck for the exec meeting: 16:9, one message per slide, editable text, speaker notes."""

from __future__ import annotations

import io
import re
from datetime import date

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from storytelling.data import DataError
from storytelling.export.images import finding_chart, png, render_all
from storytelling.export.notes import appendix_notes, finding_notes
from storytelling.export.pptx_charts import draw, rgb, set_alt_text
from storytelling.story import DATA_SCIENTIST, Finding, Story, is_hex_colour

WIDE, HIGH = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
INK = RGBColor(0x1F, 0x23, 0x28)
MUTED = RGBColor(0x57, 0x60, 0x6A)
DEFAULT_BRAND = "#0072B2"
CONTENT_TOP, CONTENT_H = Inches(1.85), Inches(4.9)
CHART_W = Inches(7.6)
GLOSSARY_ROWS = 12
#: Arial is on Windows and macOS alike, and LibreOffice draws it with the same widths (Liberation Sans).
THEME_FONT = "Arial"
SUMMARY_MESSAGES = 3


def _rgb(hex_colour: str | None) -> RGBColor:
    s = (hex_colour or DEFAULT_BRAND).strip()
    if not is_hex_colour(s):
        raise DataError(f"'{hex_colour}' is not a colour; use six hex digits such as #0072B2.")
    return rgb(s)


def _layout(prs: Presentation, name: str, fallback: int):
    for layout in prs.slide_layouts:
        if layout.name.lower() == name.lower():
            return layout
    return prs.slide_layouts[min(fallback, len(prs.slide_layouts) - 1)]


def _text(frame, paragraphs: list[tuple[str, int, bool, RGBColor]], align=PP_ALIGN.LEFT) -> None:
    """Fill a text frame: (text, size, bold, colour) per paragraph."""
    frame.word_wrap = True
    frame.clear()
    for i, (text, size, bold, colour) in enumerate(paragraphs):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.alignment = align
        run = p.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, colour
        p.space_after = Pt(8)


def _filled(slide, kind, left, top, width, height, colour: RGBColor):
    """A shape in a solid colour, without an outline."""
    shape = slide.shapes.add_shape(kind, left, top, width, height)
    shape.fill.solid()
    shape.fill.fore_color.rgb = colour
    shape.line.fill.background()
    return shape


def _title(slide, text: str, brand: RGBColor, size: int = 28) -> None:
    shape = slide.shapes.title
    if shape is None:
        shape = slide.shapes.add_textbox(MARGIN, Inches(0.35), WIDE - 2 * MARGIN, Inches(1.2))
    shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.35), WIDE - 2 * MARGIN, Inches(1.2)
    _text(shape.text_frame, [(text, size, True, INK)])
    shape.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _filled(slide, MSO_SHAPE.RECTANGLE, MARGIN, Inches(1.55), Inches(1.2), Inches(0.07), brand)


def _notes(slide, lines: list[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


def _clear_slides(prs: Presentation) -> None:
    """Drop a template's own slides, keep its masters and layouts."""
    ids = prs.slides._sldIdLst
    for sld in list(ids):
        prs.part.drop_rel(sld.rId)
        ids.remove(sld)


def _title_slide(prs, story: Story, brand: RGBColor) -> None:
    slide = prs.slides.add_slide(_layout(prs, "Title Slide", 0))
    title = slide.shapes.title or slide.shapes.add_textbox(MARGIN, Inches(2.2), WIDE - 2 * MARGIN, Inches(1.6))
    title.left, title.top, title.width, title.height = MARGIN, Inches(2.3), WIDE - 2 * MARGIN, Inches(1.6)
    _text(title.text_frame, [(story.title, 40, True, INK)])
    sub_text = " · ".join(x for x in (story.subtitle, story.data_name, f"{date.today():%d %B %Y}") if x)
    subs = [s for s in slide.placeholders if s.placeholder_format.idx == 1]
    sub = subs[0] if subs else slide.shapes.add_textbox(MARGIN, Inches(4.1), WIDE - 2 * MARGIN, Inches(1))
    sub.left, sub.top, sub.width, sub.height = MARGIN, Inches(4.1), WIDE - 2 * MARGIN, Inches(1)
    _text(sub.text_frame, [(sub_text, 18, False, MUTED)])
    _filled(slide, MSO_SHAPE.RECTANGLE, MARGIN, Inches(3.95), Inches(2.0), Inches(0.09), brand)
    _notes(slide, [f"Say: {story.title}. {story.subtitle}. The next slide is what we ask you to decide; the rest "
                   "shows why.", "", "Assumptions and method: in the appendix's notes."])


def slide_findings(story: Story) -> list[Finding]:
    """The findings with a slide of their own: all but the decision (its own slide), and what changed
    since the last update only when it is something an executive must know."""
    return [f for f in story.findings if f.key != "decision"
            and not (f.key == "changes" and not f.fact("urgent").value)]


def summary_messages(story: Story) -> list[Finding]:
    """The three messages of the executive summary: the first findings after the context."""
    return story.messages(SUMMARY_MESSAGES)


def _summary_slide(prs, story: Story, brand: RGBColor) -> None:
    slide = prs.slides.add_slide(_layout(prs, "Title Only", 5))
    _title(slide, "In short", brand)
    top = Inches(1.9)
    msgs = summary_messages(story)
    for i, f in enumerate(msgs, 1):
        num = _filled(slide, MSO_SHAPE.OVAL, MARGIN, top, Inches(0.6), Inches(0.6), brand)
        _text(num.text_frame, [(str(i), 18, True, RGBColor(0xFF, 0xFF, 0xFF))], align=PP_ALIGN.CENTER)
        box = slide.shapes.add_textbox(MARGIN + Inches(0.85), top - Inches(0.05), WIDE - 2 * MARGIN - Inches(0.85),
                                       Inches(1.3))
        _text(box.text_frame, [(f.title, 20, True, INK), (f.headline, 14, False, MUTED)])
        top += Inches(1.45)
    if story.next_steps:
        box = slide.shapes.add_textbox(MARGIN, Inches(6.35), WIDE - 2 * MARGIN, Inches(0.8))
        _text(box.text_frame, [("Next: " + story.next_steps[0], 15, True, brand)])
    _notes(slide, ["Say: three things matter."] + [f"{i}. {f.title}. {f.headline}" for i, f in enumerate(msgs, 1)] +
           [""] + [f"Next: {s}" for s in story.next_steps])


def finding_slide_text(f: Finding, audience: str) -> list[str]:
    """What a finding's slide says, in order: headline, then 2-3 bullets (and, for data scientists,
    the first technical bullet)."""
    return [f.headline] + list(f.bullets[:3]) + (list(f.technical[:1]) if audience == DATA_SCIENTIST else [])


def _content_slide(prs, title: str, brand: RGBColor):
    slide = prs.slides.add_slide(_layout(prs, "Title Only", 5))
    _title(slide, title, brand, size=26 if len(title) < 90 else 22)
    return slide


def _visual(slide, f: Finding, left, top, width, height) -> None:
    """The finding's chart as a native chart, table or key figures; a picture (with alt text) only
    for a chart that has no native form."""
    plot = f.get_plot()
    if plot is not None:
        draw(slide, plot, left, top, width, height)
        return
    chart = finding_chart(f)
    if chart is None:
        return
    pic = slide.shapes.add_picture(io.BytesIO(png(chart)), left, top, width=width)
    if pic.height > height:  # keep the aspect ratio, fit the height
        pic.width, pic.height = Emu(int(pic.width * height / pic.height)), height
    set_alt_text(pic, f"Chart: {f.title}. {f.headline}")


def _finding_slide(prs, f: Finding, story: Story, brand: RGBColor) -> None:
    slide = _content_slide(prs, f.title, brand)
    has_visual = f.get_plot() is not None or finding_chart(f) is not None
    text_left = MARGIN + CHART_W + Inches(0.35) if has_visual else MARGIN
    if has_visual:
        _visual(slide, f, MARGIN, CONTENT_TOP, CHART_W, CONTENT_H)
    box = slide.shapes.add_textbox(text_left, CONTENT_TOP, WIDE - text_left - MARGIN, CONTENT_H)
    lines = finding_slide_text(f, story.audience)
    _text(box.text_frame, [(lines[0], 16, True, INK)] + [(f"\u2022 {b}", 14, False, INK) for b in lines[1:]])
    if f.caveats:
        foot = slide.shapes.add_textbox(MARGIN, Inches(6.85), WIDE - 2 * MARGIN, Inches(0.5))
        _text(foot.text_frame, [(f"\u26a0 {f.caveats[0]}", 12, False, MUTED)])
    _notes(slide, finding_notes(f, story.audience))


def _decision_slide(prs, f: Finding, story: Story, brand: RGBColor) -> None:
    """The ask up front: each decision numbered, the key figures as text under them."""
    slide = _content_slide(prs, f.title, brand)
    top = CONTENT_TOP
    for i, ask in enumerate(f.bullets, 1):
        num = _filled(slide, MSO_SHAPE.OVAL, MARGIN, top, Inches(0.55), Inches(0.55), brand)
        _text(num.text_frame, [(str(i), 18, True, RGBColor(0xFF, 0xFF, 0xFF))], align=PP_ALIGN.CENTER)
        box = slide.shapes.add_textbox(MARGIN + Inches(0.8), top - Inches(0.08), WIDE - 2 * MARGIN - Inches(0.8),
                                       Inches(1.2))
        _text(box.text_frame, [(ask, 17, i == 1, INK)])
        top += Inches(1.35)
    note = slide.shapes.add_textbox(MARGIN, top, WIDE - 2 * MARGIN, Inches(0.6))
    _text(note.text_frame, [(f.headline, 14, False, MUTED)])
    figures_top = max(top + Inches(0.75), Inches(4.9))
    _visual(slide, f, MARGIN, figures_top, WIDE - 2 * MARGIN, Inches(6.95) - figures_top)
    _notes(slide, finding_notes(f, story.audience))


def _appendix_slides(prs, story: Story, brand: RGBColor) -> None:
    """Assumptions, data and what is left out; the glossary continues on further slides rather than
    being cut."""
    slide = _content_slide(prs, "Appendix: assumptions, data and names", brand)
    _table(slide, [("Assumption", "Value")] + list(story.assumptions.items()), MARGIN, CONTENT_TOP, Inches(5.8))
    below = CONTENT_TOP + Inches(0.45) * (len(story.assumptions) + 1) + Inches(0.2)  # under the table (rows wrap)
    box = slide.shapes.add_textbox(MARGIN, below, Inches(5.8), Inches(7.2) - below)
    _text(box.text_frame, [("Data", 14, True, INK)] +
          [(x, 12, False, INK) for x in (story.data_name, story.period, *story.sensitive) if x] +
          ([("Not in this deck: " + ", ".join(story.left_out) + " (why: in the notes).", 12, False, INK)]
           if story.left_out else []))
    _notes(slide, appendix_notes(story))
    names = list(story.glossary.items())
    for i in range(0, len(names), GLOSSARY_ROWS):
        if i:
            slide = _content_slide(prs, "Appendix: names (continued)", brand)
            _notes(slide, ["The names this deck uses for the data's columns, continued."])
        left, width = (Inches(6.9), Inches(5.8)) if i == 0 else (MARGIN, WIDE - 2 * MARGIN)
        _table(slide, [("Column in the data", "Name in this deck")] + names[i:i + GLOSSARY_ROWS], left, CONTENT_TOP,
               width)


def _table(slide, rows: list[tuple[str, str]], left, top, width, size: int = 12) -> None:
    row_h = Inches(0.36)
    shape = slide.shapes.add_table(len(rows), 2, left, top, width, row_h * len(rows))
    table = shape.table
    table.columns[0].width = int(width * 0.5)
    table.columns[1].width = width - table.columns[0].width
    for r, (a, b) in enumerate(rows):
        for c, text in enumerate((a, b)):
            cell = table.cell(r, c)
            cell.text = str(text)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            for p in cell.text_frame.paragraphs:
                for run in p.runs:
                    run.font.size, run.font.bold = Pt(size), r == 0


def _theme_font(prs, font: str = THEME_FONT) -> None:
    """Set the theme's heading and body fonts (the default template's Calibri is missing on many
    Macs and in LibreOffice): every text that does not name its font follows the theme."""
    for rel in prs.slide_master.part.rels.values():
        if rel.reltype.endswith("/theme"):
            part = rel.target_part
            xml = part.blob.decode("utf-8")
            xml = re.sub(r'(<a:(?:major|minor)Font>\s*<a:latin typeface=")[^"]*(")', rf"\g<1>{font}\g<2>", xml)
            part._blob = xml.encode("utf-8")


def outline(story: Story) -> list[str]:
    """The deck's slide titles, in order (what :func:`to_pptx` draws; the Export page lists them)."""
    decision = [f.title for f in story.findings[:1] if f.key == "decision"]
    more = max(0, (len(story.glossary) - 1) // GLOSSARY_ROWS)
    return ([story.title, *decision, "In short", *(f.title for f in slide_findings(story)),
             "Appendix: assumptions, data and names"] + ["Appendix: names (continued)"] * more)


def to_pptx(story: Story, *, template: bytes | None = None, brand_colour: str | None = None) -> bytes:
    """The story as an editable 16:9 deck: title, summary, one slide per finding, appendix."""
    brand = _rgb(brand_colour)
    if template:
        try:
            prs = Presentation(io.BytesIO(template))
        except Exception:
            raise DataError("The template could not be opened as a PowerPoint file (.pptx).") from None
        _clear_slides(prs)
    else:
        prs = Presentation()
        _theme_font(prs)
    prs.slide_width, prs.slide_height = WIDE, HIGH
    prs.core_properties.title = story.title
    render_all([f for f in story.findings if f.get_plot() is None])  # pictures only where no native chart
    _title_slide(prs, story, brand)
    for f in story.findings[:1] if story.findings and story.findings[0].key == "decision" else []:
        _decision_slide(prs, f, story, brand)
    _summary_slide(prs, story, brand)
    for f in slide_findings(story):
        _finding_slide(prs, f, story, brand)
    _appendix_slides(prs, story, brand)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
