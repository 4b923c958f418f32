"""Deck, report and note draw the same findings; nothing leaks to the network; user text is escaped."""

import io
import re

import pytest
from pptx import Presentation

from storytelling.abtest import designs, plan_finding, read_test, readout_finding
from storytelling.data import DataError
from storytelling.export import to_html, to_markdown, to_pptx
from storytelling.export.pptx import GLOSSARY_ROWS, finding_slide_text, outline, summary_messages
from storytelling.glossary import Glossary
from storytelling.report import build_story
from storytelling.story import DATA_SCIENTIST, Fact, Finding, Story, has_jargon
from tests.sample_story import lift_and_drivers


@pytest.fixture(scope="module")
def story(sample_data, sample_lift_drivers):
    data = sample_data
    lift, dr = sample_lift_drivers
    a, b = designs(churn_rate=0.03, contact_share=0.08, hit_rate=0.1, save_rate=0.3, customers_per_week=2700)
    ab = readout_finding(read_test(1891, 288, 1775, 233), customers_per_month=1000, value_per_kept=700,
                         cost_per_month=8000)
    gl = Glossary.infer(data.frame, data.features).with_edits({"plan": {"name": "<script>alert(1)</script> plan"}})
    return build_story(lift, drivers=dr, ab=ab, ab_plan=plan_finding(b, a), full=True, glossary=gl,
                       data_name="Sample & <friends>")


@pytest.fixture(scope="module")
def deck(story):
    return Presentation(io.BytesIO(to_pptx(story)))


def slide_texts(slide, *, visuals: bool = False) -> list[str]:
    """The slide's text boxes but its title (and, unless ``visuals``, but the key figures and chart labels,
    which carry alt text)."""
    out = []
    for shape in slide.shapes:
        drawn = bool(shape._element.xpath("./*[1]/p:cNvPr")[0].get("descr"))
        if shape.has_text_frame and shape != slide.shapes.title and (visuals or not drawn):
            out += [p.text for p in shape.text_frame.paragraphs if p.text]
    return out


def finding_slides(story, deck) -> list:
    """(finding, slide) for every finding after the decision: title, decision, summary come first."""
    slides = list(deck.slides)
    rest = [f for f in story.findings if f.key != "decision"]
    return list(zip(rest, slides[3:3 + len(rest)]))


def test_deck_shape(story, deck):
    rest = [f for f in story.findings if f.key != "decision"]
    appendix = 1 + (len(story.glossary) - 1) // GLOSSARY_ROWS  # the glossary continues, never cut
    assert len(deck.slides) == 3 + len(rest) + appendix  # title, decision, summary, findings, appendix
    assert deck.slide_width / deck.slide_height == pytest.approx(16 / 9, abs=0.01)
    titles = [s.shapes.title.text for s in deck.slides]
    assert titles[0] == story.title
    assert titles[1] == story.findings[0].title and titles[1].startswith("Decision:")
    assert titles[2] == "In short"
    assert titles[3:3 + len(rest)] == [f.title for f in rest]
    assert titles[3 + len(rest)].startswith("Appendix")
    assert titles == outline(story)  # what the Export page lists


def test_summary_has_three_messages(story, deck):
    text = "\n".join(slide_texts(deck.slides[2]))
    msgs = summary_messages(story)
    assert len(msgs) == 3 and "decision" not in [f.key for f in msgs]
    for f in msgs:
        assert f.title in text and f.headline in text
    assert story.next_steps[0] in text


def test_finding_slides_have_a_native_visual_notes_and_the_findings_words(story, deck):
    for f, slide in finding_slides(story, deck):
        kinds = {"chart" if s.has_chart else "table" if s.has_table else "picture" if s.shape_type == 13 else None
                 for s in slide.shapes}
        plot = f.get_plot()
        if plot is None:  # a chart with no native form (none in this story) would be a picture
            assert "picture" in kinds, f.key
        else:
            assert {"figures": None, "table": "table"}.get(plot.kind, "chart") in kinds, f.key
            assert "picture" not in kinds, f.key
        notes = slide.notes_slide.notes_text_frame.text
        assert notes.startswith("Say: " + f.headline), f.key
        body = slide_texts(slide)
        expected = finding_slide_text(f, story.audience)
        assert body[0] == expected[0] and [b.lstrip("\u2022 ") for b in body[1:len(expected)]] == expected[1:]
        # every number the finding states from a Fact appears on its slide exactly as the Fact says
        said = " ".join(expected)
        for fact in f.facts.values():
            if isinstance(fact.value, (int, float)) and re.search(r"\d", fact.text) and fact.text in said:
                assert fact.text in " ".join(body), (f.key, fact.name)


def test_notes_say_the_method_once_in_the_appendix(story, deck):
    slides = list(deck.slides)
    appendix = next(s for s in slides if s.shapes.title.text.startswith("Appendix: assumptions"))
    notes = appendix.notes_slide.notes_text_frame.text
    for k, v in story.assumptions.items():
        assert f"{k}: {v}" in notes
    for f, slide in finding_slides(story, deck):
        text = slide.notes_slide.notes_text_frame.text
        assert "Assumptions" not in text and not has_jargon(text), (f.key, has_jargon(text))
        assert not any(n in text for n in f.notes), f.key  # the method is said once, in the appendix
    methods = [n for f in story.findings for n in f.notes if not has_jargon(n)]
    assert methods and all(n in notes for n in methods)
    assert not has_jargon(notes)


def test_charts_are_native_with_alt_text_and_large_text(story, deck):
    charts = [sh for s in deck.slides for sh in s.shapes if sh.has_chart]
    assert len(charts) >= 6
    for sh in [*charts, *(sh for s in deck.slides for sh in s.shapes if sh.shape_type == 13)]:
        assert len(sh._element.xpath("./*[1]/p:cNvPr")[0].get("descr", "")) > 20
    for sh in charts:
        sizes = [int(v) for v in sh.chart.part.blob.decode() and re.findall(r'sz="(\d+)"', sh.chart.part.blob.decode())]
        assert sizes and min(sizes) >= 1200, sizes  # hundredths of a point


def test_no_shape_leaves_the_slide(deck):
    for i, slide in enumerate(deck.slides):
        for sh in slide.shapes:
            assert sh.left >= 0 and sh.top >= 0, (i, sh.name)
            assert sh.left + sh.width <= deck.slide_width and sh.top + sh.height <= deck.slide_height, (i, sh.name)


def test_decision_slide_figures_are_the_findings_facts(story, deck):
    d = story.findings[0]
    text = "\n".join(slide_texts(deck.slides[1], visuals=True))
    for big, small in d.get_plot().figures:
        assert big in text and small in text
    for ask in d.bullets:
        assert ask in text


def test_text_is_editable_text(deck):
    for slide in deck.slides:
        assert any(s.has_text_frame and s.text_frame.text.strip() for s in slide.shapes)


def test_appendix_lists_assumptions_and_glossary(story, deck):
    apps = [s for s in deck.slides if s.shapes.title.text.startswith("Appendix")]
    cells = [c.text for app in apps for s in app.shapes if s.has_table for r in s.table.rows for c in r.cells]
    for k, v in story.assumptions.items():
        assert k in cells and v in cells
    assert "tenure (months)" in cells
    assert all(n in cells for n in story.glossary.values())  # every name, none cut


def test_data_scientist_deck_adds_technical_bullets(story):
    ds = Story(**{**story.__dict__, "audience": DATA_SCIENTIST})
    d = Presentation(io.BytesIO(to_pptx(ds)))
    lift_slide = dict((f.key, s) for f, s in finding_slides(ds, d))["lift"]
    assert any("Precision at" in t for t in slide_texts(lift_slide))


def deck_of(story):
    return Presentation(io.BytesIO(to_pptx(story)))


def test_template_and_brand_colour(story, tmp_path):
    tpl = Presentation()
    tpl.slides.add_slide(tpl.slide_layouts[0]).shapes.title.text = "Old slide"
    buf = io.BytesIO()
    tpl.save(buf)
    d = Presentation(io.BytesIO(to_pptx(story, template=buf.getvalue(), brand_colour="#D55E00")))
    assert len(d.slides) == len(deck_of(story).slides)
    assert "Old slide" not in [s.shapes.title.text for s in d.slides]
    fills = [str(s.fill.fore_color.rgb) for s in d.slides[2].shapes if s.shape_type == 1]
    assert "D55E00" in fills
    with pytest.raises(DataError):
        to_pptx(story, brand_colour="red; evil")
    with pytest.raises(DataError):
        to_pptx(story, template=b"not a deck")


def test_html_is_self_contained_and_escaped(story):
    html = to_html(story)
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert not re.search(r"(https?:)?//[a-z0-9]", text, re.I)
    assert "url(" not in text and "<link" not in text and "<script" not in text and "src=\"http" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; plan" in html
    assert "Sample &amp; &lt;friends&gt;" in html
    assert html.count("data:image/png;base64,") == len(story.findings)
    for f in story.findings:
        assert f.title.replace("'", "&#x27;") in html
    assert "@media print" in html
    assert "#0072B2" in to_html(story, brand_colour="x; } body { display:none")


def test_markdown_note(story):
    md = to_markdown(story)
    assert md == to_markdown(story)  # byte-identical for the same story
    assert md.startswith(f"**Update: {story.title}**")
    points = [ln for ln in md.splitlines() if ln.startswith("- **")]
    assert 3 <= len(points) <= 4
    assert "**Next**" in md and story.next_steps[0].split(":")[0] in md


def test_markdown_escapes_user_text():
    f = Finding(key="x", title="Plan *Gold* <b>", headline="Values | like [this](http://x)", facts={"a": Fact("a", 1, "", "1")})
    md = to_markdown(Story(title="T_1", findings=[f], next_steps=["Call # now"]))
    assert r"Plan \*Gold\* \<b\>" in md and r"\[this\](http" in md and r"T\_1" in md and r"Call \# now" in md


def _fresh_story():
    lift, dr = lift_and_drivers()  # model trained and SHAP run again
    return build_story(lift, drivers=dr, full=True, data_name="Sample")


def _deck_text(story) -> list[list[str]]:
    deck = Presentation(io.BytesIO(to_pptx(story)))
    return [[sh.text_frame.text for sh in s.shapes if sh.has_text_frame] + [s.notes_slide.notes_text_frame.text]
            for s in deck.slides]


def test_same_inputs_give_the_same_note_and_deck_text():
    """Built twice from scratch (model trained twice, SHAP run twice): byte-identical note, same deck text."""
    a, b = _fresh_story(), _fresh_story()
    assert to_markdown(a).encode() == to_markdown(b).encode()
    assert _deck_text(a) == _deck_text(b)


def test_notes_answer_a_question_with_what_was_not_yet_said(story):
    from storytelling.export.notes import finding_notes

    for f in story.findings:
        notes = finding_notes(f, story.audience)
        say = notes[0]
        assert say.startswith("Say: ") and 1 <= len(re.findall(r"[.!?](?:\s|$)", say)) <= 6, f.key
        if len(notes) > 1:
            question, answer = notes[2], notes[3]
            assert question.startswith("If asked") and answer and answer not in say, f.key
