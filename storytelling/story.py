"""Facts, findings and stories, and number formatting for people.

A :class:`Fact` is one number with its human wording; a :class:`Finding` is one message (an
action title, a headline sentence, a few bullets, a chart, the facts behind them, caveats and
method notes); a :class:`Story` is an ordered list of findings for an audience. Every renderer
(Streamlit page, deck, HTML, Markdown) draws the same findings, so a number in a sentence, a chart
and a slide always comes from the same ``Fact``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

EXECUTIVE = "Executive"
DATA_SCIENTIST = "Data scientist"
AUDIENCES = (EXECUTIVE, DATA_SCIENTIST)

#: Words an executive should never have to read.
JARGON = (
    "auc", "roc", "precision", "recall", "f1", "log-odds", "log odds", "shap", "p-value",
    "p value", "confusion matrix", "bootstrap", "holdout", "hold-out", "logit",
)


# ---------------------------------------------------------------------------------------------
# Number formatting


def round_half_up(x: float, places: int = 0) -> float:
    """Round as people do, halves away from zero (42.5 -> 43, 1.25 -> 1.3 at one place), not as
    Python's ``round`` does (to the even neighbour: 42.5 -> 42). Decided on the number as written
    (``repr``), so 1.25 is a half even though its binary value is a hair under."""
    if not math.isfinite(x):
        return x
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def round_sig(x: float, digits: int = 2) -> float:
    """Round to ``digits`` significant figures, halves up (310.47 -> 310, 1243 -> 1200, 1250 -> 1300)."""
    if x == 0 or not math.isfinite(x):
        return x
    return round_half_up(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def fmt_count(x: float, *, people: bool = True) -> str:
    """A count for people: 312.47 -> '310', 1243 -> '1,240', 7.6 -> '8', 0.4 -> 'fewer than 1'."""
    if not math.isfinite(x):
        return "n/a"
    if people and 0 < abs(x) < 0.5:
        return "fewer than 1"
    if people and abs(x) >= 100:
        x = round_sig(x, 3 if abs(x) >= 1000 else 2)
    return f"{int(round(x)):,}"


def round_out(x: float, digits: int | None, *, up: bool) -> float:
    """``x`` rounded away from the middle of a range: down for its low end, up for its high end, to
    ``digits`` significant figures (whole numbers when None), so a rounded range never narrows."""
    if not math.isfinite(x):
        return x
    step = 1.0 if digits is None or x == 0 else 10.0 ** (int(math.floor(math.log10(abs(x)))) + 1 - digits)
    return (math.ceil(x / step - 1e-9) if up else math.floor(x / step + 1e-9)) * step


def _count_digits(x: float) -> int | None:
    return 3 if abs(x) >= 1000 else 2 if abs(x) >= 100 else None


def _money_digits(x: float) -> int | None:
    a = abs(x)
    return 2 if a >= 1e6 else 3 if a >= 1e4 else 2 if a >= 1e3 else None


def fmt_count_range(lo: float, hi: float) -> tuple[str, str]:
    """The two ends of a range of people, each rounded outward ('117'-'155' -> '110'-'160')."""
    return (fmt_count(max(round_out(lo, _count_digits(lo), up=False), 0.0)),
            fmt_count(round_out(hi, _count_digits(hi), up=True)))


def fmt_money_range(lo: float, hi: float, currency: str = "$") -> tuple[str, str]:
    """The two ends of a range of money, each rounded outward."""
    return (fmt_money(round_out(lo, _money_digits(lo), up=False), currency),
            fmt_money(round_out(hi, _money_digits(hi), up=True), currency))


def fmt_exact(x: float) -> str:
    """A count as is: 12345 -> '12,345'."""
    return f"{int(round(x)):,}"


def fmt_money(x: float, currency: str = "$") -> str:
    """Money for people: 186_400 -> '$186k', 1_240_000 -> '$1.2M', -5300 -> '-$5.3k', 42.5 -> '$43'."""
    if not math.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    a = abs(x)
    if a >= 1e9:
        s = f"{round_sig(a / 1e9, 2):g}B"
    elif a >= 1e6:
        s = f"{round_sig(a / 1e6, 2):g}M"
    elif a >= 1e4:
        s = f"{round_sig(a / 1e3, 3):g}k"
    elif a >= 1e3:
        s = f"{round_sig(a / 1e3, 2):g}k"
    elif a >= 10:
        s = f"{round_half_up(a):,.0f}"
    else:
        s = f"{a:.2f}".rstrip("0").rstrip(".")
    return f"{sign}{currency}{s}"


def fmt_pct(x: float, digits: int | None = None) -> str:
    """A share for people: 0.183 -> '18%', 0.024 -> '2.4%', 0.0004 -> 'under 0.1%'."""
    if not math.isfinite(x):
        return "n/a"
    p = x * 100
    if digits is not None:
        return f"{p:.{digits}f}%"
    if p == 0:
        return "0%"
    if 0 < abs(p) < 0.1:
        return "under 0.1%"
    if abs(p) < 10:
        return f"{p:.1f}%".replace(".0%", "%")
    return f"{p:.0f}%"


def fmt_pct_up(x: float) -> str:
    """A share rounded *up* at :func:`fmt_pct`'s precision, for 'at least' claims (0.1038 -> '11%',
    0.0231 -> '2.4%'): the share said is never below the true one."""
    if not math.isfinite(x):
        return "n/a"
    p = x * 100
    if p >= 10:
        return f"{math.ceil(p - 1e-9):.0f}%"
    if p >= 0.1:
        return f"{math.ceil(p * 10 - 1e-9) / 10:.1f}%".replace(".0%", "%")
    return fmt_pct(x)


def fmt_ratio(x: float) -> str:
    """A multiple: 3.04 -> '3x', 2.46 -> '2.5x', 1.0 -> '1x'."""
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.0f}x" if x >= 10 or abs(x - round(x)) < 0.05 else f"{x:.1f}x"


def fmt_in_ten(x: float) -> str:
    """A share as 'N in 10' (0.43 -> '4'); at least one decimal below 1 in 10."""
    n = x * 10
    if 0 < n < 0.95:
        return f"{n:.1f}".rstrip("0").rstrip(".") if n >= 0.1 else "fewer than 1"
    return str(math.floor(n + 0.5))  # 6.5 in 10 reads as 7, not as Python's round-half-even 6


def fmt_range(lo: str, hi: str) -> str:
    return lo if lo == hi else f"between {lo} and {hi}"


def fmt_date(d: Any) -> str:
    """'March 2025' for a month start, else '3 Mar 2025'."""
    import pandas as pd

    t = pd.Timestamp(d)
    return f"{t:%B %Y}" if t.day == 1 else f"{t.day} {t:%b %Y}"


@dataclass(frozen=True)
class Period:
    """How sentences speak of time. Dated data: one month's customers and what happened within a
    month ("keeps about 80 customers a month"). Undated data: the customers in the file, with no
    time unit at all ("keeps about 80 of them"), because the file does not say over what time its
    customers left."""

    when: str | None = None  # "March 2025"; None when the data has no dates

    @property
    def dated(self) -> bool:
        return self.when is not None

    @property
    def label(self) -> str:
        """'March 2025' / 'this file'."""
        return self.when or "this file"

    @property
    def per(self) -> str:
        """' a month' / '' after a count of customers or money."""
        return " a month" if self.dated else ""

    @property
    def horizon(self) -> str:
        """'within a month' / 'in this file' after 'left'."""
        return "within a month" if self.dated else "in this file"

    @property
    def risk_horizon(self) -> str:
        """' within a month' / '' after 'risk of leaving' (a model's estimate needs no 'in this file')."""
        return " within a month" if self.dated else ""

    @property
    def range_meaning(self) -> str:
        return ("9 in 10 months like this one would land in this range" if self.dated else
                "9 times in 10, a group of customers like these would land in this range")

    @property
    def replay(self) -> str:
        who = f"the customers of {self.when}" if self.dated else "the customers in this file"
        return (f"This replays {who}: it cannot see how customers react to being contacted. "
                "Confirm the effect with an A/B test before relying on it.")


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def is_hex_colour(s: str | None) -> bool:
    """A colour as six hex digits after '#' (the only form user colours are accepted in)."""
    return bool(re.fullmatch(r"#[0-9a-fA-F]{6}", s or ""))


def has_jargon(text: str) -> list[str]:
    """Jargon words found in ``text`` (whole words, case-insensitive)."""
    low = text.lower()
    return [w for w in JARGON if re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", low)]


# ---------------------------------------------------------------------------------------------
# Facts, findings, stories


@dataclass(frozen=True)
class Fact:
    """One number: machine ``value`` and its human ``text`` ("about 310")."""

    name: str
    value: float | int | str | None
    unit: str
    text: str


@dataclass
class Finding:
    """One message of the story.

    ``headline`` and ``bullets`` are written for everyone (no jargon); ``technical`` holds the
    extra bullets a data scientist sees; ``notes`` hold the method and assumptions (speaker notes);
    ``caveats`` are always shown; ``next_steps`` are the actions the finding suggests (the
    "Next" of an update note).
    """

    key: str
    title: str
    headline: str
    bullets: list[str] = field(default_factory=list)
    chart: Any = None
    facts: dict[str, Fact] = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    technical: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    plot: Any = None  # a storytelling.plot.Plot (or a builder of one): the chart as data, for native charts

    def bullets_for(self, audience: str) -> list[str]:
        return list(self.bullets) + (list(self.technical) if audience == DATA_SCIENTIST else [])

    def text_for(self, audience: str) -> str:
        """Every word this finding shows to ``audience`` (for checks and search)."""
        parts = [self.title, self.headline, *self.bullets_for(audience), *self.caveats]
        if audience == DATA_SCIENTIST:
            parts += self.notes
        return "\n".join(parts)

    def fact(self, name: str) -> Fact:
        return self.facts[name]

    def get_plot(self) -> Any:
        """The chart as data (a ``Plot``), built on first use, or None."""
        if callable(self.plot):
            self.plot = self.plot()
        return self.plot

    def get_chart(self) -> Any:
        """The chart, built on first use when it was given as a zero-argument builder.

        Building an Altair chart costs a few milliseconds; a page that shows one view at a time
        should not pay for the charts it does not show.
        """
        if callable(self.chart) and not hasattr(self.chart, "to_dict"):
            self.chart = self.chart()
        return self.chart


def facts(*items: Fact) -> dict[str, Fact]:
    return {f.name: f for f in items}


def texts(items: dict[str, Fact]) -> dict[str, str]:
    """The human wording of each fact, by name (for composing sentences from facts)."""
    return {name: f.text for name, f in items.items()}


@dataclass
class Story:
    """Ordered findings plus what a reader needs to trust them."""

    title: str
    findings: list[Finding]
    audience: str = EXECUTIVE
    assumptions: dict[str, str] = field(default_factory=dict)
    subtitle: str = ""
    period: str = ""
    data_name: str = ""
    glossary: dict[str, str] = field(default_factory=dict)  # column -> name used in sentences
    next_steps: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)  # analysis name -> why it is not in the story
    dated: bool = True  # the data has dates: figures are a month's
    made: Any = None  # the day the story was built (a date; None: today)
    sensitive: list[str] = field(default_factory=list)  # the appendix's lines on sensitive columns

    def messages(self, n: int) -> list[Finding]:
        """The first ``n`` messages: the findings after the context-setting population figure, led by the
        one the decision rests on when it names one (its ``rests_on`` fact: the options it chose among)."""
        msgs = [f for f in self.findings if f.key not in ("population", "decision", "changes")]
        decision = next((f for f in self.findings[:1] if f.key == "decision"), None)
        basis = decision.facts.get("rests_on") if decision is not None else None
        if basis is not None:
            msgs.sort(key=lambda f: f.key != basis.value)  # stable: the rest keep their order
        return msgs[:n] or self.findings[:n]

    def finding(self, key: str) -> Finding:
        for f in self.findings:
            if f.key == key:
                return f
        raise KeyError(key)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$^])")
_MD_PLAIN = re.compile(r"([\\`*_{}\[\]<>#|~^])")


#: A word joiner (invisible, zero width) breaks the patterns that Markdown renderers and chat apps
#: turn into live links: "http://", "www." and "name@domain".
_JOIN = "\u2060"
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|file)(?=://)|\b(mailto|javascript|data)(?=:\S)|\b(www)(?=\.\w)"
                       r"|(?<=\w)(@)(?=\w)")


def no_autolinks(text: str) -> str:
    """Text that shows the same but is never turned into a link by a Markdown renderer or chat app."""
    def join(m: re.Match) -> str:
        at = m.group(4)
        return _JOIN + at if at else m.group(0) + _JOIN

    return _AUTOLINK.sub(join, text)


def md_escape(text: str, *, streamlit: bool = True) -> str:
    """Escape Markdown so user text shows as typed, bare URLs and e-mail addresses included (they
    would otherwise become live links).

    ``streamlit`` also escapes Streamlit's $-math and :directives:; a note for chat or email
    (plain Markdown) keeps ``$`` and ``:`` as they are.
    """
    special = _MD_SPECIAL if streamlit else _MD_PLAIN
    out = special.sub(r"\\\1", no_autolinks(str(text)))
    out = re.sub(r"^(\s*)([-+=]|\d+\.)(\s)", r"\1\\\2\3", out, flags=re.M)
    return out.replace(":", "\\:") if streamlit else out
