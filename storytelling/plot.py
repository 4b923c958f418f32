"""Charts as data, for renderers that draw their own (the deck's native, editable charts).

A finding's ``chart`` is an Altair chart for the page and the report; its ``plot`` is a
:class:`Plot` built from the *same* table by the functions here, so an editable PowerPoint chart
shows the numbers the page shows. A plot carries its alt text: one sentence saying what it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from storytelling.charts import POLICY_COLOURS

#: Kinds a renderer must draw: bars across, lines over months (categories), lines over a number
#: axis, key figures as text, and a table of values.
KINDS = ("bar", "line", "xy", "figures", "table")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]
    colour: str = POLICY_COLOURS["Model"]
    xs: tuple[float, ...] | None = None  # for "xy"
    low: tuple[float, ...] | None = None  # an interval around each value (error bars)
    high: tuple[float, ...] | None = None
    labels: tuple[str, ...] | None = None  # a label by each value
    dashed: bool = False
    colours: tuple[str, ...] | None = None  # a colour for each bar


@dataclass(frozen=True)
class Plot:
    kind: str
    alt: str
    series: tuple[Series, ...] = ()
    categories: tuple[str, ...] = ()
    x_title: str = ""
    y_title: str = ""
    number_format: str = "#,##0"  # Excel's format for the value axis
    x_format: str = "#,##0"
    marks: tuple[tuple[float, str], ...] = ()  # (x, label): a vertical marker on an "xy" plot
    figures: tuple[tuple[str, str], ...] = ()  # (big, small) for "figures"
    rows: tuple[tuple[str, ...], ...] = ()  # for "table": the first row is the header
    highlight: tuple[int, int] | None = None  # a table cell to stand out (row, column)
    values: tuple[tuple[float, ...], ...] = ()  # a table's body as numbers: cells tinted by sign when given

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown plot kind {self.kind}")


def money_format(currency: str) -> str:
    """Excel's number format for money in ``currency`` ('$12,300', '-$4,100')."""
    c = currency.replace('"', "")
    return f'"{c}"#,##0;-"{c}"#,##0'


def _colour(name: str) -> str:
    return POLICY_COLOURS.get(name, "#8C8C8C")


def policy_bars(outcomes: pd.DataFrame, title: str, alt: str) -> Plot:
    """One bar per policy (``policy``, ``saved``, ``label``), the model's first."""
    return one_bar_series(list(outcomes["policy"]), list(outcomes["saved"]), list(outcomes["label"]), title=title,
                          alt=alt, colours=[_colour(p) for p in outcomes["policy"]])


def policy_lines_xy(data: pd.DataFrame, x: str, y: str, *, x_title: str, y_title: str, alt: str,
                    percent: bool = False, marks: tuple[tuple[float, str], ...] = ()) -> Plot:
    """One line per policy over a number axis (long table: ``policy``, ``x``, ``y``)."""
    series = tuple(Series(p, tuple(float(v) for v in g[y]), _colour(p), xs=tuple(float(v) for v in g[x]),
                          dashed=p == "Random calls") for p, g in data.groupby("policy", sort=False))
    fmt = "0%" if percent else "#,##0"
    return Plot("xy", alt, series=series, x_title=x_title, y_title=y_title, number_format=fmt, x_format=fmt,
                marks=marks)


def policy_lines_by_month(data: pd.DataFrame, y: str, *, y_title: str, alt: str, number_format: str = "#,##0") -> Plot:
    """One line per policy over months (long table: ``cutoff``, ``policy``, ``y`` and, when known,
    ``y_low``/``y_high``: the range, drawn as two thin lines)."""
    months = sorted(pd.to_datetime(data["cutoff"]).unique())
    cats = tuple(f"{pd.Timestamp(m):%b %Y}" for m in months)
    series = []
    for p, g in data.groupby("policy", sort=False):
        g = g.set_index(pd.to_datetime(g["cutoff"]))

        def col(c: str, g=g) -> tuple[float, ...] | None:
            return tuple(float(g[c].get(m, float("nan"))) for m in months) if c in g and g[c].notna().any() else None

        series.append(Series(p, col(y), _colour(p), dashed=p == "Random calls", low=col(f"{y}_low"),
                             high=col(f"{y}_high")))
    return Plot("line", alt, series=tuple(series), categories=cats, y_title=y_title, number_format=number_format)


def one_bar_series(names: list[str], values: list[float], labels: list[str], *, title: str, alt: str,
                   colour: str = POLICY_COLOURS["Model"], low=None, high=None, percent: bool = False,
                   colours: list[str] | None = None) -> Plot:
    """Bars across, one series (drivers, the test's groups), first name on top."""
    return Plot("bar", alt, categories=tuple(names), x_title=title, number_format="0%" if percent else "#,##0",
                series=(Series(title, tuple(float(v) for v in values), colour, labels=tuple(labels),
                               low=None if low is None else tuple(float(v) for v in low),
                               high=None if high is None else tuple(float(v) for v in high),
                               colours=None if colours is None else tuple(colours)),))


def figures(items: list[tuple[str, str]], alt: str) -> Plot:
    return Plot("figures", alt, figures=tuple(items))


def table(rows: list[tuple[str, ...]], alt: str, highlight: tuple[int, int] | None = None,
          values: list[list[float]] | None = None) -> Plot:
    return Plot("table", alt, rows=tuple(tuple(r) for r in rows), highlight=highlight,
                values=tuple(tuple(float(v) for v in r) for r in values or ()))

