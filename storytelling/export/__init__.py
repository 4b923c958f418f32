"""Renderers of a :class:`~storytelling.story.Story`: deck, one-page report, update note.

They only lay out what the findings say; no number is computed here.
"""

from storytelling.export.html import to_html
from storytelling.export.markdown import to_markdown
from storytelling.export.pptx import to_pptx

__all__ = ["to_html", "to_markdown", "to_pptx"]
