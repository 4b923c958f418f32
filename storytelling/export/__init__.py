"""Renderers of a :class:`~storytelling.story.Story`: deck, printable report, update note.

They only lay out what the findings say; no number is computed here. Each renderer is imported on
first use, so a page that only needs ``export.tables`` does not load python-pptx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storytelling.export.html import to_html
    from storytelling.export.markdown import to_markdown
    from storytelling.export.pptx import to_pptx

__all__ = ["to_html", "to_markdown", "to_pptx"]
_HOMES = {"to_html": "html", "to_markdown": "markdown", "to_pptx": "pptx"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f"storytelling.export.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'storytelling.export' has no attribute {name!r}")
