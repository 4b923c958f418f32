"""Export: the story as a deck, a printable report and an update note; the setup as story.toml."""

import time

import streamlit as st

from storytelling.config import parse_config, to_toml
from storytelling.data import DataError
from storytelling.export import to_html, to_markdown, to_pptx
from storytelling.export.pptx import outline
from storytelling.report import DEFAULT_TITLE, finding_name, headline_keys, select
from storytelling.story import AUDIENCES, md_escape
from storytelling.ui import render
from storytelling.ui.context import CTX
from storytelling.ui.session import apply_config, keep_history, session_config
from storytelling.ui.session import story as whole_story
from storytelling.ui.sidebar import context

FILES = "_export_files"


def _load_config() -> None:
    """Callback: apply an uploaded story.toml before the widgets are drawn (never trusted for pickles)."""
    up = st.session_state.get("config_upload")
    if up is None:
        return
    try:
        cfg = parse_config(up.getvalue().decode("utf-8", errors="replace"), trusted=False, name=up.name)
        st.session_state["config_notes"] = ["Loaded " + up.name + "."] + apply_config(cfg, st.session_state[CTX])
        st.session_state.pop(FILES, None)
    except DataError as exc:
        st.session_state["config_notes"] = ["error:" + str(exc)]


ctx = context()
render.page_header(ctx, "Export", "The same story as the pages, ready for the exec meeting: an editable deck with "
                   "speaker notes, a printable report to print or mail, and a short update note for chat.")

everything, outcome = whole_story(ctx, full=True)
titles = {f.key: f.title for f in everything.findings}
default = headline_keys(everything.findings)
c1, c2 = st.columns([3, 1])
title = c1.text_input("Title", DEFAULT_TITLE, key="export_title", max_chars=200)
audience = c2.selectbox("Audience", AUDIENCES, index=AUDIENCES.index(ctx.audience), key="export_audience")
chosen = st.multiselect("Findings, in the order you pick them", list(titles), default=default,
                        format_func=lambda k: finding_name(k, titles.get(k, k)), key="export_findings",
                        help="Short names here; the deck's outline below shows each slide's title.")
chosen = [k for k in chosen if k in titles]
for name, why in everything.left_out.items():  # named in the deck's appendix too
    st.caption(md_escape(f"Not in this story: {name}. {why[0].upper() + why[1:]}"))
c1, c2 = st.columns([1, 3])
brand = c1.color_picker("Brand colour", "#0072B2", key="export_brand")
template = c2.file_uploader("Company template (.pptx, optional)", type=["pptx"], key="export_template")

story = select(everything, chosen, title=title.strip() or DEFAULT_TITLE, audience=audience)
if not story.findings:
    st.info("Pick at least one finding.")
    st.stop()

st.markdown("#### The deck")
st.markdown("\n".join(f"{i}. {md_escape(t)}" for i, t in enumerate(outline(story), 1)))

signature = (story.title, audience, tuple(chosen), brand, template.file_id if template else None,
             tuple(f.headline for f in story.findings))
files = st.session_state.get(FILES)
if st.button("Prepare the files", type="primary", icon=":material/description:"):
    with st.spinner("Drawing the charts and writing the deck…"):
        t = time.perf_counter()
        try:
            files = {"pptx": to_pptx(story, template=template.getvalue() if template else None, brand_colour=brand),
                     "html": to_html(story, brand_colour=brand).encode("utf-8"),
                     "md": to_markdown(story).encode("utf-8"), "signature": signature,
                     "seconds": time.perf_counter() - t}
        except DataError as exc:
            render.error(str(exc))
            st.stop()
    st.session_state[FILES] = files
    files["history"] = keep_history(ctx, outcome)  # a deck prepared is an update given: the next one compares with it
if files and files["signature"] == signature:
    kept = (f" Recorded in the history ({files['history']}): the next update says what changed since this one."
            if files.get("history") else "")
    st.caption(md_escape(f"Ready in {files['seconds']:.1f} s.{kept}"))
    c1, c2, c3 = st.columns(3)
    c1.download_button("Deck (.pptx)", files["pptx"], "churn-story.pptx", icon=":material/slideshow:",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation", on_click="ignore")
    c2.download_button("Printable report (.html)", files["html"], "churn-story.html", mime="text/html",
                       icon=":material/article:", on_click="ignore")
    c3.download_button("Update note (.md)", files["md"], "churn-update.md", mime="text/markdown",
                       icon=":material/chat:", on_click="ignore")
    with st.expander("Preview the update note"):
        st.code(files["md"].decode("utf-8"), language="markdown")
elif files:
    st.caption("The choices changed since the files were prepared: prepare them again.")

st.divider()
st.markdown("#### The setup, for next time and for the nightly job")
st.caption("story.toml holds the column roles, assumptions, list size, names used in sentences and the chosen "
           "findings. Load it here, or rebuild the files every night with `storytelling build --config story.toml`.")
cfg = session_config(ctx, title=story.title, keys=chosen, brand_colour=brand)
c1, c2 = st.columns(2)
st.session_state["_export_toml"] = toml_text = to_toml(cfg)
c1.download_button("Download story.toml", toml_text.encode("utf-8"), "story.toml", mime="application/toml",
                   icon=":material/download:", on_click="ignore")
c2.file_uploader("Load a story.toml", type=["toml"], key="config_upload", on_change=_load_config)
for note in st.session_state.get("config_notes", []):
    if note.startswith("error:"):
        render.error(note[6:])
    else:
        st.caption(md_escape(note))
