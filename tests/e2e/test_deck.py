"""The deck as the executive sees it: downloaded from the app, rebuilt by the nightly job from the
downloaded story.toml (the same slides), and rendered by LibreOffice to pictures."""

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation

from storytelling.cli import build_story_from_config
from storytelling.config import parse_config
from storytelling.export import to_pptx
from tests.e2e.test_browser import TIMEOUT, no_exception, wait_ready


def office() -> str:
    exe = shutil.which("libreoffice") or shutil.which("soffice")
    if exe is None or shutil.which("pdftoppm") is None:
        missing = "LibreOffice or poppler's pdftoppm is missing (Debian: libreoffice-impress, poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    return exe


def slides(deck) -> list[dict]:
    """Each slide's title, texts, table cells, chart kinds and series values, and notes."""
    out = []
    for s in deck.slides:
        shapes = list(s.shapes)
        out.append({
            "title": s.shapes.title.text if s.shapes.title is not None else "",
            "text": [p.text for sh in shapes if sh.has_text_frame for p in sh.text_frame.paragraphs],
            "cells": [c.text for sh in shapes if sh.has_table for r in sh.table.rows for c in r.cells],
            "charts": [(str(sh.chart.chart_type), [list(p.values) for p in sh.chart.plots[0].series])
                       for sh in shapes if sh.has_chart],
            "notes": s.notes_slide.notes_text_frame.text,
        })
    return out


def download(page, label: str, tmp_path: Path) -> Path:
    with page.expect_download(timeout=TIMEOUT) as dl:
        page.get_by_role("button", name=label).click()
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    return path


def test_the_apps_deck_is_the_nightly_builds_and_renders(server, page, tmp_path):
    page.goto(f"{server}/export", timeout=TIMEOUT)
    page.get_by_role("button", name="Prepare the files").click(timeout=TIMEOUT)
    page.get_by_role("button", name="Deck (.pptx)").wait_for(timeout=TIMEOUT)
    wait_ready(page)
    no_exception(page)
    app_deck = Presentation(str(download(page, "Deck (.pptx)", tmp_path)))
    cfg = parse_config(download(page, "Download story.toml", tmp_path).read_text())
    nightly = Presentation(io.BytesIO(to_pptx(build_story_from_config(cfg, log=lambda _: None),
                                              brand_colour=cfg.brand_colour)))
    want, got = slides(app_deck), slides(nightly)
    assert [s["title"] for s in got] == [s["title"] for s in want]
    for a, b in zip(want, got):
        assert a == b, a["title"]
    assert want[1]["title"].startswith("Decision:")
    assert sum(len(s["charts"]) for s in want) >= 6  # native charts, not pictures

    # LibreOffice draws every slide: as many pages as slides, none blank
    subprocess.run([office(), "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(tmp_path / "churn-story.pptx")], check=True, capture_output=True, timeout=180)
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(tmp_path / "churn-story.pdf"), str(tmp_path / "slide")],
                   check=True, timeout=120)
    from PIL import Image, ImageStat

    pictures = sorted(tmp_path.glob("slide-*.png"))
    assert len(pictures) == len(app_deck.slides)
    for p in pictures:
        with Image.open(p) as im:
            assert im.width / im.height == pytest.approx(16 / 9, abs=0.02)
            assert ImageStat.Stat(im.convert("L")).stddev[0] > 10, p.name  # something is drawn
    if os.environ.get("STORY_SCREENSHOTS"):
        for p in pictures:
            shutil.copy(p, Path(os.environ["STORY_SCREENSHOTS"]) / f"deck-{p.name}")
