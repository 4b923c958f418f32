"""Draw a :class:`~storytelling.story.Finding` on a Streamlit page."""

from __future__ import annotations

import streamlit as st

from storytelling.story import DATA_SCIENTIST, Finding, md_escape


def bullets_md(items: list[str]) -> str:
    return "\n".join(f"- {md_escape(b)}" for b in items)


def draw_chart(c) -> None:
    """Draw an Altair chart with the shared theme (the same look as the exports).

    The spec was built by our own builders, so Altair's schema validation (the slow part of
    serialising) is skipped here; tests validate every builder once.
    """
    spec = c if isinstance(c, dict) else c.to_dict(validate=False)
    st.vega_lite_chart(spec, theme=None, width="stretch")


def finding(f: Finding, audience: str, *, chart: bool = True, compact: bool = False, level: int = 3,
            caveats: bool = True) -> None:
    """Action title, headline, bullets, chart, caveats; method notes for data scientists."""
    st.markdown(f"{'#' * level} {md_escape(f.title)}")
    st.markdown(f"**{md_escape(f.headline)}**")
    items = f.bullets_for(audience)
    if items and not compact:
        st.markdown(bullets_md(items))
    if chart and f.chart is not None and not compact:
        draw_chart(f.get_chart())
    if not compact and caveats:
        for c in f.caveats:
            st.caption(f"⚠️ {md_escape(c)}")
        if audience == DATA_SCIENTIST and f.notes:
            with st.expander("Method and assumptions"):
                st.markdown(bullets_md(f.notes))


def caveat_box(items: list[str], title: str = "Before you rely on this") -> None:
    with st.container(border=True):
        st.markdown(f"**{md_escape(title)}**")
        st.markdown(bullets_md(items))


def page_header(ctx, title: str, caption: str | None = None) -> None:
    """A page's title and lead; stops the page with the data's problem when there is no story yet."""
    st.title(title)
    if not ctx.ready:
        error(ctx.error or "No data loaded.")
        st.stop()
    if caption:
        st.caption(md_escape(caption))


def error(message: str) -> None:
    st.error(md_escape(message), icon=":material/error:")


def app_icon():
    """The page icon, drawn here (a Material icon as page icon is fetched from a font server:
    an offline install would log network errors on every visit)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, 63, 63), radius=14, fill=(0, 114, 178, 255))
    for i, h in enumerate((18, 30, 42)):  # three rising bars
        x = 12 + i * 15
        d.rectangle((x, 52 - h, x + 9, 52), fill=(255, 255, 255, 255))
    return img
