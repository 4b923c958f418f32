"""Kept scenarios: named list rules a PM compares side by side (the page, a shared link, story.toml).

A :class:`Scenario` is a list rule (the riskiest N customers, or everyone at or above a risk), the
business assumptions it was priced at, an optional focus (only some customer groups; leaving out
the customers today's rule already picks) and optional per-group offers (a group gets its own cost
per call and share kept). Scenarios travel as plain dicts: :func:`to_dict` writes one and
:func:`from_dict` reads one back, checking every field as story.toml is checked (a shared link is
somebody else's text). :func:`encode` / :func:`decode` put up to :data:`MAX_SCENARIOS` in a page
address.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field, replace

from storytelling.confvalues import flag, number, shown, string
from storytelling.errors import DataError
from storytelling.targeting import Assumptions

MAX_SCENARIOS = 5
NAME_CHARS = 40
#: Groups a focus or an offer may name in one column (a column's values, as the page offers them).
MAX_VALUES = 50
#: Longest page-address text read back (five full scenarios fit well within it).
MAX_ENCODED = 20_000
_ASSUMED = ("value_per_saved", "cost_per_contact", "save_rate", "fixed_cost", "capacity", "value_months")


@dataclass(frozen=True)
class Offer:
    """A group's own offer: customers whose ``column`` is one of ``values`` cost ``cost_per_contact``
    a call and the offer keeps ``save_rate`` of their leavers."""

    column: str
    values: tuple[str, ...]
    cost_per_contact: float
    save_rate: float


@dataclass(frozen=True)
class Scenario:
    name: str
    assumptions: Assumptions
    contacts: int | None = None  # the riskiest N (of the focus) ...
    threshold: float | None = None  # ... or everyone at or above this risk (0-1)
    focus: tuple[tuple[str, tuple[str, ...]], ...] = ()  # only customers in these groups, column by column
    skip_rule: bool = False  # leave out the customers today's rule already picks
    offers: tuple[Offer, ...] = field(default=())

    @property
    def by_risk(self) -> bool:
        return self.threshold is not None

    @property
    def plain(self) -> bool:
        """No focus and no offers: the page's own list under its own assumptions."""
        return not self.focus and not self.skip_rule and not self.offers


def to_dict(s: Scenario) -> dict:
    """The scenario as plain values (JSON for a link, TOML for story.toml)."""
    a = s.assumptions
    out: dict = {"name": s.name}
    out.update({"threshold": s.threshold} if s.by_risk else {"contacts": s.contacts})
    out.update({k: getattr(a, k) for k in _ASSUMED if getattr(a, k) is not None})
    out["capacity"] = a.capacity or 0
    if s.focus:
        out["focus"] = {col: list(vals) for col, vals in s.focus}
    if s.skip_rule:
        out["skip_rule"] = True
    if s.offers:
        out["offers"] = [{"column": o.column, "values": list(o.values), "cost_per_contact": o.cost_per_contact,
                          "save_rate": o.save_rate} for o in s.offers]
    return out


def from_dict(d: dict, base: Assumptions, *, where: str = "options") -> Scenario:
    """A scenario from plain values; assumptions it does not set are ``base``'s. Raises DataError
    naming the field when a value is missing, of the wrong kind or out of range."""
    if not isinstance(d, dict):
        raise DataError(f"{where} must be a table of settings (got {shown(d)}).")
    unknown = sorted(set(d) - {"name", "contacts", "threshold", "focus", "skip_rule", "offers", *_ASSUMED})
    if unknown:
        raise DataError(f"{where} has unknown settings: {', '.join(shown(k) for k in unknown)}.")
    name = " ".join(clean(string(d, where, "name", ""), names=True).split())[:NAME_CHARS]
    if not name:
        raise DataError(f"{where} needs a name in quotes, like name = \"Cheap call, 500\".")
    contacts = number(d, where, "contacts", None, integer=True)
    threshold = number(d, where, "threshold", None, lo=0, hi=1, inside=True)
    if (contacts is None) == (threshold is None):
        raise DataError(f"{where} ({name}) needs one list rule: contacts = N (the riskiest N) or threshold = 0.3 "
                        "(everyone at or above that risk).")
    return Scenario(name=name, assumptions=_assumptions(d, base, where), contacts=contacts, threshold=threshold,
                    focus=_focus(d.get("focus", {}), f"{where}.focus"), skip_rule=flag(d, where, "skip_rule", False),
                    offers=_offers(d.get("offers", []), base, f"{where}.offers"))


def _assumptions(d: dict, base: Assumptions, where: str) -> Assumptions:
    got = {k: number(d, where, k, getattr(base, k), integer=k == "capacity") for k in _ASSUMED}
    got["capacity"] = got["capacity"] or None  # 0: no limit
    if base.value_months is None:  # the story prices a kept customer at one value: so does every scenario
        got["value_months"] = None
    return replace(base, **got)


def _values(vals, where: str) -> tuple[str, ...]:
    if not isinstance(vals, list) or not vals or len(vals) > MAX_VALUES or \
            not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in vals):
        raise DataError(f"{where} must be a list of 1 to {MAX_VALUES} group values (got {shown(vals)}).")
    return tuple(dict.fromkeys(clean(str(v))[:200] for v in vals))


#: Characters no name or group may hold: controls, lone surrogates, private and unassigned code points;
#: in a name also format characters (zero-width, right-to-left overrides), which hide what it says.
_NEVER, _NOT_IN_NAMES = {"Cc", "Cs", "Co", "Cn"}, {"Cf"}


def clean(text: str, *, names: bool = False) -> str:
    """``text`` without the characters that cannot be shown, written to a file or drawn in a chart."""
    drop = _NEVER | (_NOT_IN_NAMES if names else set())
    return "".join(c for c in text if unicodedata.category(c) not in drop or (c in "\t\n" and not names))


def _focus(t, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(t, dict) or len(t) > 10:
        raise DataError(f"{where} must be a table of up to 10 columns, each with a list of its groups "
                        f"(got {shown(t)}).")
    return tuple((clean(str(col))[:200], _values(vals, f"{where}.{shown(col)}")) for col, vals in t.items())


def _offers(items, base: Assumptions, where: str) -> tuple[Offer, ...]:
    if not isinstance(items, list) or len(items) > 10:
        raise DataError(f"{where} must be a list of up to 10 offers (got {shown(items)}).")
    out = []
    for i, o in enumerate(items, 1):
        w = f"{where}[{i}]"
        if not isinstance(o, dict) or set(o) - {"column", "values", "cost_per_contact", "save_rate"}:
            raise DataError(f"{w} must set column, values, cost_per_contact and save_rate (got {shown(o)}).")
        column = string(o, w, "column", "")
        if not column:
            raise DataError(f"{w} needs the column its groups are in.")
        out.append(Offer(clean(column)[:200], _values(o.get("values"), f"{w}.values"),
                         number(o, w, "cost_per_contact", base.cost_per_contact),
                         number(o, w, "save_rate", base.save_rate)))
    return tuple(out)


def encode(scenarios: list[Scenario]) -> str:
    """Scenarios as one compact text for the page address."""
    return json.dumps([to_dict(s) for s in scenarios], separators=(",", ":"), ensure_ascii=False)


def decode(text: str, base: Assumptions) -> tuple[list[Scenario], str | None]:
    """Scenarios from a page address, and what was wrong with it (None when all was read). A link
    somebody crafted or cut short never fails the page: what cannot be read is left out and said."""
    if len(text) > MAX_ENCODED:
        return [], "The kept scenarios are too long to read; they were left out."
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):
        return [], "The kept scenarios could not be read (the address may be cut short); they were left out."
    if not isinstance(items, list):
        return [], "The kept scenarios could not be read; they were left out."
    out, problems = [], []
    for i, d in enumerate(items[:MAX_SCENARIOS], 1):
        try:
            out.append(from_dict(d, base, where=f"scenario {i}"))
        except (DataError, RecursionError) as exc:
            problems.append(str(exc))
    if len(items) > MAX_SCENARIOS:
        problems.append(f"Only the first {MAX_SCENARIOS} kept scenarios are read.")
    return unique_names(out), (" ".join(problems) or None)


def unique_names(scenarios: list[Scenario]) -> list[Scenario]:
    """The scenarios with names made distinct ('B', 'B (2)'), so a sentence naming one is unambiguous."""
    seen: set[str] = set()
    out = []
    for s in scenarios:
        name, n = s.name, 2
        while name.casefold() in seen:
            name, n = f"{s.name[:NAME_CHARS - 4]} ({n})", n + 1
        seen.add(name.casefold())
        out.append(s if name == s.name else replace(s, name=name))
    return out
