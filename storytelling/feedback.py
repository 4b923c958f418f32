"""The feedback loop: customers marketing already called are not a fair test of the model.

Once the model's list is called, those customers no longer leave as they would have: their
outcome neither measures the model (it would look as if the riskiest stay) nor is something to
learn from (retraining on it teaches the model that risky customers stay). When ``story.toml``
names the column marking who was contacted (``[roles] contacted``, the Data page's "Called by
marketing") or a file of them (``[feedback] contacted_file``), their outcomes are set
aside before anything is trained or measured: the evaluation, the backtest and the history then
speak of the customers marketing did not call, and say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from storytelling.errors import DataError
from storytelling.story import fmt_count, fmt_date
from storytelling.values import binary_values


@dataclass(frozen=True)
class SetAside:
    """Whose outcomes were set aside: where they were named, and how many labelled rows per snapshot (``None``
    for a file without dates)."""

    source: str  # where they were named, in words: "'called_last_month'" or "the file called.csv"
    by_month: dict  # pd.Timestamp | None -> rows
    outcomes: pd.Series = field(default=None, compare=False, repr=False)  # their own outcomes, by row of the frame
    listed: tuple[int, int] | None = None  # a file's rows, and how many of them matched the table

    def restored(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the set-aside outcomes back: churn as the business saw it, calls and all."""
        if self.outcomes is None or self.outcomes.empty:
            return frame
        out = frame.copy()
        out.loc[self.outcomes.index, "churned"] = self.outcomes
        return out

    @property
    def rows(self) -> int:
        return int(sum(self.by_month.values()))

    def in_month(self, month: pd.Timestamp | None) -> int:
        return int(self.by_month.get(month, 0) if month is not None else self.rows)


def contacted_flags(raw: pd.DataFrame, column: str) -> np.ndarray:
    """The column as yes/no per row (blank: not called)."""
    if column not in raw.columns:
        raise DataError(f"'{column}', chosen as who marketing called, is not a column of the table. Name the "
                        "column that marks the customers marketing called (yes/no or 1/0).")
    flags = binary_values(raw[column])
    if flags is None:
        raise DataError(f"'{column}' (called by marketing) must say yes/no or 1/0 for each customer: whether "
                        "marketing called them in that month.")
    return flags.fillna(0).to_numpy(bool)


def listed_flags(raw: pd.DataFrame, roles, listed: pd.DataFrame) -> tuple[np.ndarray, int, int]:
    """Which rows of ``raw`` a file of called customers names (by customer id, and by month when the
    table has dates: the file then needs a date column, when each customer was called), with how
    many of the file's rows there are and how many of them name a customer (and month) of the table."""
    from storytelling.values import DATE_NAMES, ID_NAMES, find_column, read_dates

    fid, fdate = find_column(listed, ID_NAMES, roles.id), find_column(listed, DATE_NAMES, roles.date)
    if fid is None or roles.id is None:
        raise DataError("The file of called customers ([feedback] contacted_file) needs a customer id column that "
                        "the customer table also has.")
    ids = raw[roles.id].astype("string").str.strip()
    called = listed[fid].astype("string").str.strip()
    if roles.date is None:
        known = set(ids.dropna())
        return ids.isin(set(called.dropna())).to_numpy(), len(listed), int(called.isin(known).sum())
    if fdate is None:
        raise DataError("The customer table has months, so the file of called customers ([feedback] contacted_file) "
                        f"needs a date column saying when each customer was called, named one of: "
                        f"{', '.join(DATE_NAMES)}.")
    month = lambda s: read_dates(s).dt.to_period("M").astype("string")  # noqa: E731  (as the table's dates are read)
    pairs = list(zip(called, month(listed[fdate])))
    rows = list(zip(ids, month(raw[roles.date])))
    wanted, have = set(pairs), set(rows)
    return (np.fromiter((p in wanted for p in rows), bool, len(raw)), len(listed), sum(p in have for p in pairs))


def file_note(aside: SetAside) -> str | None:
    """Said when a file of called customers did not all match the table (ids or dates written otherwise)."""
    if aside.listed is None or aside.listed[1] == aside.listed[0]:
        return None
    rows, matched = aside.listed
    return (f"{aside.source[:1].upper() + aside.source[1:]} names {fmt_count(rows, people=False)} calls; only "
            f"{fmt_count(matched, people=False)} match a customer (and month) of the table, so the others are not "
            "set aside. Check that its ids and dates are written as the table's are.")


def set_aside(data, called: np.ndarray, named: str, listed: tuple[int, int] | None = None):
    """``data`` (prepared row for row from the table ``called`` marks) with the called customers'
    outcomes set aside (unknown): nothing is trained on them or measured on them; ``named``: where
    the story says they came from."""
    if len(called) != len(data.frame):
        raise DataError("The contacted customers could not be lined up with the customer table.")
    frame = data.frame.copy()
    gone = called & frame["churned"].notna().to_numpy()
    months = frame.loc[gone, "snapshot_date"] if "snapshot_date" in frame else pd.Series([None] * int(gone.sum()))
    by_month = {(None if pd.isna(k) else pd.Timestamp(k)): int(v) for k, v in months.value_counts(dropna=False).items()}
    outcomes = frame.loc[gone, "churned"].copy()
    frame.loc[gone, "churned"] = np.nan
    aside = SetAside(named, by_month, outcomes, listed)
    notes = [*data.notes, f"{fmt_count(aside.rows, people=False)} rows of customers marketing called ({named}) "
                          "are left out of what the model learns from and is measured on."]
    return replace(data, frame=frame, notes=notes, set_aside=aside)


def evaluation_notes(aside: SetAside, month: pd.Timestamp | None) -> list[str]:
    """What the population finding says of the customers set aside (and of a file that did not match)."""
    return [n for n in (file_note(aside), _evaluation_note(aside, month)) if n]


def _evaluation_note(aside: SetAside, month: pd.Timestamp | None) -> str | None:
    n = aside.in_month(month)
    if n == 0:
        return None
    when = f" in {fmt_date(month)}" if month is not None else ""
    return (f"Not counted: the {fmt_count(n, people=False)} customers marketing called{when} ({aside.source}). A call changes "
            "whether they leave, so their outcome neither measures the model nor teaches it. If they were the "
            "riskiest, the figures here understate what the model finds; a small part of the list left uncalled at "
            "random each month measures it fairly (the A/B test plan sizes it).")


def backtest_note(aside: SetAside, months: list) -> str | None:
    n = sum(aside.in_month(pd.Timestamp(m)) for m in months)
    if n == 0:
        return None
    return (f"Customers marketing called in these months ({fmt_count(n, people=False)} calls, {aside.source}) are left "
            "out of every month, both from what the model learns and from what it is measured on: a call changed "
            "whether they left.")


def monitoring_note(aside: SetAside, month: pd.Timestamp | None) -> str | None:
    """What the 'since the last update' comparisons leave out."""
    n = aside.in_month(month)
    if n == 0:
        return None
    return (f"Forecasts and the list's hit rate here leave out the customers marketing called "
            f"({fmt_count(n, people=False)} in {fmt_date(month)}): a call changed whether they left. The list's hit "
            "rate is measured on those of it left uncalled; churn month on month counts every customer, called or "
            "not.")
