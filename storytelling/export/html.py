"""A self-contained, printable report (no network: pictures are inline); compact when printed."""

from __future__ import annotations

import base64
from html import escape

from storytelling.export.images import finding_chart, png, render_all
from storytelling.story import Story, is_hex_colour

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --accent: %(accent)s; }
* { box-sizing: border-box; }
body { font-family: "Source Sans Pro", "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0;
       background: #fff; line-height: 1.45; }
main { max-width: 980px; margin: 0 auto; padding: 32px 40px 48px; }
header { border-bottom: 4px solid var(--accent); margin-bottom: 24px; padding-bottom: 12px; }
h1 { font-size: 30px; margin: 0 0 4px; }
.sub { color: var(--muted); margin: 0; }
.next { background: #f6f8fa; border-left: 4px solid var(--accent); padding: 12px 18px; margin: 0 0 28px; }
.next h2 { font-size: 17px; margin: 0 0 6px; }
section { margin: 0 0 30px; break-inside: avoid; page-break-inside: avoid; }
section h2 { font-size: 21px; margin: 0 0 6px; }
.headline { font-weight: 600; margin: 0 0 8px; }
ul { margin: 6px 0 10px 20px; padding: 0; }
img { width: 100%%; max-width: 760px; height: auto; display: block; margin: 8px 0; }
.caveat { color: var(--muted); font-size: 13px; margin: 4px 0; }
table { border-collapse: collapse; font-size: 14px; margin: 6px 0 16px; }
td, th { border-bottom: 1px solid #d0d7de; padding: 4px 14px 4px 0; text-align: left; vertical-align: top; }
.appendix { font-size: 14px; }
@media print {
  @page { size: A4; margin: 12mm; }
  body { font-size: 10pt; line-height: 1.3; }
  main { padding: 0; max-width: none; }
  header { margin-bottom: 10px; padding-bottom: 6px; }
  h1 { font-size: 18pt; }
  section { break-inside: avoid; margin: 0 0 10px; }
  section h2 { font-size: 12.5pt; }
  .next { break-inside: avoid; margin-bottom: 12px; padding: 6px 12px; }
  img { max-width: 105mm; margin: 4px 0; }
  ul { margin: 2px 0 4px 16px; }
  table { font-size: 9pt; }
}
"""


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>" if items else ""


def _table(rows: dict[str, str], head: tuple[str, str] | None = None) -> str:
    h = f"<tr><th>{escape(head[0])}</th><th>{escape(head[1])}</th></tr>" if head else ""
    return "<table>" + h + "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>"
                                    for k, v in rows.items()) + "</table>"


def to_html(story: Story, *, brand_colour: str = "#0072B2", charts: bool = True) -> str:
    """The story as one HTML page; every text from the data is escaped."""
    accent = brand_colour if is_hex_colour(brand_colour) else "#0072B2"
    if charts:
        render_all(story.findings)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(story.title)}</title>", f"<style>{CSS % {'accent': accent}}</style></head><body><main>",
        f"<header><h1>{escape(story.title)}</h1><p class=\"sub\">{escape(story.subtitle)}</p></header>",
    ]
    if story.next_steps:
        parts.append(f'<div class="next"><h2>What happens next</h2>{_list(story.next_steps[:3])}</div>')
    for f in story.findings:
        parts.append(f'<section id="{escape(f.key)}"><h2>{escape(f.title)}</h2>')
        parts.append(f'<p class="headline">{escape(f.headline)}</p>')
        parts.append(_list(f.bullets_for(story.audience)))
        chart = finding_chart(f) if charts else None
        if chart is not None:
            data = base64.b64encode(png(chart)).decode()
            parts.append(f'<img alt="{escape(f.title)}" src="data:image/png;base64,{data}">')
        parts += [f'<p class="caveat">&#9888; {escape(c)}</p>' for c in f.caveats]
        parts.append("</section>")
    parts.append('<section class="appendix"><h2>Appendix: assumptions, data and names</h2>')
    parts.append(_table(story.assumptions))
    if story.period or story.data_name:
        parts.append(f"<p>{escape(' · '.join(x for x in (story.data_name, story.period) if x))}</p>")
    parts += [f"<p>{escape(line)}</p>" for line in story.sensitive]
    if story.left_out:
        parts.append("<p>Not in this story: " + escape("; ".join(f"{k} ({v.rstrip('.')})" for k, v in
                                                                story.left_out.items())) + ".</p>")
    if story.glossary:
        parts.append(_table(story.glossary, ("Column in the data", "Name used in this report")))
    parts.append("</section></main></body></html>")
    return "\n".join(parts)

