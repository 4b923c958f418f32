"""Reading one setting of a config (story.toml, a shared link's scenario): checked, or refused in words."""

from __future__ import annotations

import math

from storytelling.errors import DataError

#: The range of each business setting: the config is checked against it, the sidebar's widgets use it.
LIMITS = {
    "value_per_saved": (0, 1_000_000),
    "cost_per_contact": (0, 10_000),
    "save_rate": (0, 1),
    "fixed_cost": (0, 10_000_000),
    "capacity": (0, 10_000_000),
    "value_months": (1, 120),
    "contacts": (1, 10_000_000),
}

def number(t: dict, section: str, key: str, default, *, lo=None, hi=None, integer=False, inside=False):
    """A number from the config within [lo, hi] (``inside``: strictly between them); ``integer``:
    a whole number written without a decimal point or exponent."""
    if key not in t:
        return default
    v = t[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise DataError(f"{section}.{key} in the config must be a number (got {shown(v)}).")
    if integer and not isinstance(v, int):
        raise DataError(f"{section}.{key} in the config must be a whole number, like 1000 (got {v!r}).")
    lo, hi = LIMITS.get(key, (lo, hi)) if lo is None and hi is None else (lo, hi)
    low = lo is not None and (v <= lo if inside else v < lo)
    high = hi is not None and (v >= hi if inside else v > hi)
    if low or high:
        if inside:
            where = f"above {lo} and below {hi}"
        elif hi is None:
            where = f"at least {lo:,}"
        else:
            where = f"between {lo:,} and {hi:,}"
        raise DataError(f"{section}.{key} in the config must be {where} (got {v:,}).")
    return int(v) if integer else float(v)


def shown(v) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def flag(t: dict, section: str, key: str, default: bool) -> bool:
    if key not in t:
        return default
    if not isinstance(t[key], bool):
        raise DataError(f"{section}.{key} in the config must be true or false (got {shown(t[key])}).")
    return t[key]


def string(t: dict, section: str, key: str, default=None):
    if key not in t:
        return default
    if not isinstance(t[key], str):
        raise DataError(f"{section}.{key} in the config must be text in quotes (got {shown(t[key])}).")
    return t[key]
