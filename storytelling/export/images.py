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
             if isinstance(fact.value, (int, float))]
    return charts.figure_card(items) if items else None


def png(chart, *, width_px: int, ppi: int = 200) -> bytes:
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
