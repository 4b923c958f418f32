"""Friendly names and units for the data's columns.

Every sentence, chart and export names a column through the :class:`Glossary`, so a name the
user corrects once ("tenure" instead of "tenure_months") is used everywhere. Names are inferred
from the column names (``support_tickets_90d`` -> "number of support tickets in the last 90
days") and can be edited on the Drivers page or in the story config.

A term's ``name`` is a singular noun phrase that reads after "whose" ("customers whose tenure
is under 6 months"); ``unit`` is a word placed after numbers ("months", "days", "%") or a
currency sign placed before them; ``kind`` is "number", "category" or "flag" (yes/no).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

import pandas as pd

KINDS = ("number", "category", "flag")
CURRENCY_SIGNS = ("$", "€", "£", "¥")
_MONEY_WORDS = ("charge", "price", "revenue", "spend", "fee", "amount", "arpu", "bill", "payment_amount", "mrr")
_UNIT_WORDS = {"days": "days", "day": "days", "months": "months", "month": "months", "weeks": "weeks",
               "years": "years", "yrs": "years", "pct": "%", "percent": "%", "perc": "%"}
_EVENT_WORDS = ("end", "renewal", "expiry", "expiration", "due")
_ABBREVIATIONS = {"num": "number of", "no": "number of", "n": "number of", "avg": "average", "amt": "amount",
                  "qty": "quantity", "cnt": "number of", "pmt": "payment", "acct": "account", "cust": "customer"}


@dataclass(frozen=True)
class Term:
    """How one column is named in sentences."""

    column: str
    name: str
    unit: str = ""
    kind: str = "number"

    def value(self, v) -> str:
        """A value of this column for people: '3 months', '$80', '12%', 'yes', 'Month-to-month'."""
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return "not recorded"
        if self.kind == "flag":
            return "yes" if bool(v) else "no"
        if self.kind == "category" or isinstance(v, str):
            return str(v)
        return self.number(float(v))

    def number(self, x: float) -> str:
        a = abs(x)
        if self.unit in CURRENCY_SIGNS and not float(x).is_integer() and a < 1000:
            s = f"{x:,.2f}"
            return f"-{self.unit}{s.lstrip('-')}" if x < 0 else f"{self.unit}{s}"
        s = f"{x:,.0f}" if a >= 100 or float(x).is_integer() else (f"{x:.1f}" if a >= 10 else f"{x:.2g}")
        if self.unit in CURRENCY_SIGNS:
            return f"-{self.unit}{s.lstrip('-')}" if x < 0 else f"{self.unit}{s}"
        if self.unit == "%":
            return f"{s}%"
        if self.unit:
            unit = self.unit[:-1] if s == "1" and self.unit.endswith("s") else self.unit
            return f"{s} {unit}"
        return s


def _words(column: str) -> list[str]:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(column))  # camelCase -> camel_Case
    return [w for w in re.split(r"[^0-9A-Za-z%]+", s.lower()) if w]


def infer_term(column: str, series: pd.Series | None = None, *, currency: str = "$") -> Term:
    """Guess a friendly name, unit and kind from a column's name (and its values, when given)."""
    words = _words(column) or [str(column)]
    kind = "number"
    if series is not None:
        if pd.api.types.is_bool_dtype(series):
            kind = "flag"
        elif not pd.api.types.is_numeric_dtype(series):
            kind = "category"
        else:
            vals = set(pd.unique(series.dropna()))
            if vals and vals <= {0, 1} and words[0] in ("has", "is", "was", "uses", "flag", "had", "in", "on"):
                kind = "flag"
    elif words[0] in ("has", "is"):
        kind = "flag"
    unit = ""
    window = None
    if len(words) > 1 and re.fullmatch(r"\d+[dmw]", words[-1]):  # support_tickets_90d -> in the last 90 days
        n, u = words[-1][:-1], {"d": "days", "m": "months", "w": "weeks"}[words[-1][-1]]
        window = f"in the last {n} {u}"
        words = words[:-1]
    if len(words) > 1 and words[-1] in _UNIT_WORDS and kind == "number":
        unit = _UNIT_WORDS[words[-1]]
        words = words[:-1]
    if kind == "flag" and len(words) > 1 and words[0] in ("has", "is", "was", "uses", "had", "flag"):
        words = words[1:]
    words = [_ABBREVIATIONS.get(w, w) if i == 0 else w for i, w in enumerate(words)]
    name = " ".join(words)
    if kind == "number":
        if unit in ("days", "weeks", "months", "years") and words[-1] in _EVENT_WORDS:
            name = f"time until {name}"
        elif not unit and any(m in "_".join(words) for m in _MONEY_WORDS):
            unit = currency
        elif (not unit and series is not None and pd.api.types.is_integer_dtype(series) and words[-1].endswith("s")
              and not words[-1].endswith("ss") and not name.startswith("number of")):
            name = f"number of {name}"
    if window:
        name = f"{name} {window}"
    return Term(column=str(column), name=name, unit=unit, kind=kind)


@dataclass
class Glossary:
    """Friendly terms by column; unknown columns get an inferred term."""

    terms: dict[str, Term]

    @classmethod
    def infer(cls, frame: pd.DataFrame, columns: list[str] | None = None, *, currency: str = "$") -> Glossary:
        cols = list(frame.columns) if columns is None else columns
        return cls({c: infer_term(c, frame.get(c), currency=currency) for c in cols})

    def term(self, column: str) -> Term:
        return self.terms.get(column) or infer_term(column)

    def name(self, column: str) -> str:
        return self.term(column).name

    def value(self, column: str, v) -> str:
        return self.term(column).value(v)

    def with_edits(self, edits: dict[str, dict]) -> Glossary:
        """A copy with the user's edits ({column: {"name": ..., "unit": ...}}) applied.

        Blank names keep the inferred name; edits for columns the data does not have are ignored.
        """
        out = dict(self.terms)
        for col, e in (edits or {}).items():
            if col not in out:
                continue
            name = str(e.get("name") or "").strip() or out[col].name
            unit = str(e.get("unit") if e.get("unit") is not None else out[col].unit).strip()
            out[col] = replace(out[col], name=name[:80], unit=unit[:20])
        return Glossary(out)

    def edits(self, base: Glossary) -> dict[str, dict]:
        """What differs from ``base`` (to save in the story config)."""
        return {c: {"name": t.name, "unit": t.unit} for c, t in self.terms.items()
                if c in base.terms and (t.name, t.unit) != (base.terms[c].name, base.terms[c].unit)}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(t) for t in self.terms.values()], columns=["column", "name", "unit", "kind"])
