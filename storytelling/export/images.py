"""Chart pictures for the exports, rendered once per chart spec."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from storytelling import charts
from storytelling.story import Finding

_CACHE: OrderedDict[str, bytes] = OrderedDict()
_LOCK = threading.Lock()


def finding_chart(f: Finding):
    """The finding's chart, or its first key figures as a card when it has none."""
    c = f.get_chart()
    if c is not None:
        return c
    items = [(fact.text, fact.name.replace("_", " ")) for fact in list(f.facts.values())[:3]
             if isinstance(fact.value, (int, float)) and not isinstance(fact.value, bool)]  # a yes/no is no figure
    return charts.figure_card(items) if items else None


#: One picture size for every export (7.4 in at 200 ppi on a slide), so the deck and the report share renders.
WIDTH_PX, PPI = 1480, 200


def render_all(findings: list[Finding]) -> None:
    """Draw the findings' charts at once, on a few threads (vl-convert works outside the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    todo = [c for c in (finding_chart(f) for f in findings) if c is not None]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(png, todo))


def png(chart, *, width_px: int = WIDTH_PX, ppi: int = PPI) -> bytes:
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    key = hashlib.sha1(json.dumps(spec, sort_keys=True, default=str).encode() + f"{width_px}/{ppi}".encode()).hexdigest()
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    data = charts.to_png(spec, width_px=width_px, ppi=ppi)
    with _LOCK:
        _CACHE[key] = data
        while len(_CACHE) > 64:
            _CACHE.popitem(last=False)
    return data
