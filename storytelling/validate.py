"""The checks on each column role, in one wording for a file and a warehouse.

:func:`storytelling.data.prepare` checks every row of a file; :func:`storytelling.warehouse.read_warehouse`
checks the counts the database sends. Both summarise what they see (how many rows lack a score,
the lowest and highest score, how many left...) and hand it to the validator of that role here, so a
table gets the same message whichever way it is read. Every check raises
:class:`~storytelling.errors.DataError` with what is wrong, where, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from storytelling.errors import DataError

MIN_LABELLED_ROWS = 50
LABEL_VALUES = "Yes/No, True/False, 1/0 or churned/active"
ROLE_LABELS = {
    "id": "Customer id",
    "date": "Snapshot date",
    "label": "Left (churn label)",
    "score": "Model score",
    "value": "Monthly value",
    "status_quo": "Today's rule",
    "contacted": "Called by marketing",
}


def examples(values: Iterable[Any], n: int = 3) -> str:
    """A few distinct values, quoted, for a message."""
    shown: list[str] = []
    for v in values:
        r = repr(str(v))
        if r not in shown:
            shown.append(r)
        if len(shown) == n:
            break
    return ", ".join(shown)


def roles_fit(chosen: dict[str, str | None], columns: Sequence[Any]) -> None:
    """Every chosen column exists, no column plays two roles, and a column says who left."""
    names = {str(c) for c in columns}
    for role, col in chosen.items():
        if col is not None and str(col) not in names:
            listed = ", ".join(map(str, list(columns)[:15])) + (", ..." if len(columns) > 15 else "")
            raise DataError(f"The column '{col}' chosen as {ROLE_LABELS[role].lower()} is not in the table "
                            f"(its columns: {listed}). Pick one of the table's columns on the Data page.")
    used = [c for c in chosen.values() if c]
    if len(used) != len(set(used)):
        raise DataError("The same column is chosen for two roles. Give each role its own column.")
    if chosen.get("label") is None:
        raise DataError("We could not find the column that says who left. Add a column such as 'churned' "
                        f"({LABEL_VALUES}), or choose it under Column roles on the Data page.")


def label_readable(col: str, odd: Iterable[Any]) -> None:
    """The churn column holds values that say left / stayed; ``odd`` are those that do not."""
    shown = examples(odd)
    if shown:
        raise DataError(f"The churn column '{col}' has values we don't understand, such as {shown}. "
                        f"Use {LABEL_VALUES}, or choose the column that says who left on the Data page.")


def too_many_label_values(col: str, limit: int) -> DataError:
    return DataError(f"The churn column '{col}' has more than {limit} different values, so it can't say who left. "
                     f"Choose the column that holds {LABEL_VALUES} on the Data page.")


def outcomes(col: str, *, labelled: int, leavers: int, min_rows: int = MIN_LABELLED_ROWS) -> None:
    """Enough rows with a known outcome, and both outcomes present."""
    if labelled == 0:
        raise DataError(f"The churn column '{col}' is empty: no row says whether the customer left. "
                        "Load a table where past months are filled in.")
    if labelled < min_rows:
        raise DataError(f"Only {labelled} row{'s say' if labelled != 1 else ' says'} whether the customer left; "
                        f"at least {min_rows} are needed for a meaningful story. Load more rows.")
    if leavers in (0, labelled):
        which = "left" if leavers else "stayed"
        raise DataError(f"In the churn column '{col}' every customer {which} (only one outcome). The analyses need "
                        "both customers who left and customers who stayed; check the column or load more months.")


def score_numbers(col: str, odd: Iterable[Any]) -> None:
    shown = examples(odd)
    if shown:
        raise DataError(f"The score column '{col}' has values that are not numbers, such as {shown}.")


def score_complete(col: str, missing: int, *, where: str = "") -> None:
    if missing:
        raise DataError(f"The score column '{col}' is empty in {missing:,} row(s){where}. Score every customer, "
                        "or remove (filter out) the unscored rows.")


def score_range(col: str, lowest: float, highest: float) -> None:
    if lowest < 0 or highest > 1:
        hint = (" They look like percentages: divide by 100." if lowest >= 0 and highest <= 100 and highest > 5 else
                " If this column is not a churn probability, choose another score column (or none) on the Data page.")
        raise DataError(f"The score column '{col}' should hold probabilities between 0 and 1, but has values from "
                        f"{lowest:g} to {highest:g}.{hint}")


def value_numbers(col: str, numeric_share: float) -> None:
    if numeric_share < 0.5:
        raise DataError(f"The value column '{col}' is mostly not numbers. Pick a numeric column (for example the "
                        "monthly charge) or none.")


def value_sign(col: str, lowest: float) -> None:
    if lowest < 0:
        raise DataError(f"The value column '{col}' has negative values; customer value must be 0 or more.")


def rule_readable(col: str, unreadable_share: float) -> None:
    if unreadable_share > 0.5:
        raise DataError(f"The rule column '{col}' should say who today's rule contacts (Yes/No or a number where "
                        "higher means contact first).")


def rule_complete(col: str, missing: int) -> None:
    if missing:
        raise DataError(f"Some customers have no value in '{col}' (today's rule). Fill it (0 for not flagged) or "
                        "choose no rule on the Data page.")


def dates_readable(col: str, unreadable: int, odd: Iterable[Any]) -> None:
    if unreadable:
        shown = examples(odd) or "empty cells"
        raise DataError(f"{unreadable:,} value(s) in the date column '{col}' are not dates we can read (for example "
                        f"{shown}). Use a format like 2025-03-01, or pick another column as the snapshot date.")


def dates_past(col: str, future: int, latest) -> None:
    if future:
        raise DataError(f"The date column '{col}' has {future:,} date(s) in the future (latest {latest:%d %b %Y}). "
                        "Check the dates, or pick another column as the snapshot date.")


def too_many_dates(col: str, limit: int) -> DataError:
    return DataError(f"The column '{col}' has more than {limit} different dates. Snapshots should be monthly (one "
                     "date per month); choose the snapshot date column on the Data page.")


def ids_complete(col: str, missing: int) -> None:
    if missing:
        raise DataError(f"The customer id column '{col}' is empty in {missing:,} row(s). Fill in every customer's "
                        "id, or choose another column as customer id on the Data page.")
