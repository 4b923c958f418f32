"""Reading a column's values and names the same way everywhere: yes/no tokens and normalised names."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd


def normalise_name(name: Any) -> str:
    """'Churned (next 30d)' -> 'churned_next_30d': lower case, words joined by underscores."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name).strip())
    return re.sub(r"[^0-9a-z]+", "_", s.lower()).strip("_")


TRUE_WORDS = {
    "1", "1.0", "yes", "y", "true", "t", "churned", "churn", "left", "lost", "cancelled", "canceled",
    "exited", "gone", "leaver", "inactive", "attrited",
}
FALSE_WORDS = {
    "0", "0.0", "no", "n", "false", "f", "active", "stayed", "retained", "stay", "current", "kept",
    "remained", "not churned", "no churn", "existing",
}
MISSING_WORDS = {"", "nan", "none", "null", "na", "n/a", "unknown", "?", "-", "<na>", "nat"}


def binary_values(s: pd.Series) -> pd.Series | None:
    """0/1 float (NaN where unknown) if every value is a yes/no token, else None."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    if pd.api.types.is_numeric_dtype(s):
        vals = set(pd.unique(s.dropna()))
        return s.astype(float) if vals <= {0, 1} else None
    text = s.astype("string").str.strip().str.lower()
    mapped = pd.Series(np.nan, index=s.index)
    mapped[text.isin(TRUE_WORDS)] = 1.0
    mapped[text.isin(FALSE_WORDS)] = 0.0
    unknown = ~(text.isin(TRUE_WORDS) | text.isin(FALSE_WORDS) | text.isin(MISSING_WORDS) | text.isna())
    return None if unknown.any() else mapped


#: How a results file or a list of customers may name the customer id, and the date (normalised names).
ID_NAMES = ("customer_id", "customerid", "customer", "id", "client_id", "account_id", "subscriber_id", "user_id")
DATE_NAMES = ("snapshot_date", "snapshot", "date", "test_start", "start_date", "as_of", "month")


def find_column(df, wanted: tuple[str, ...], extra: str | None = None) -> str | None:
    """The column of ``df`` named ``extra`` (when given and present), else the first of ``wanted``
    (names compared once normalised)."""
    names = {normalise_name(c): c for c in df.columns}
    if extra is not None and normalise_name(extra) in names:
        return names[normalise_name(extra)]
    return next((names[k] for k in wanted if k in names), None)


_OFFSET = re.compile(r"\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)


def read_dates(s: pd.Series) -> pd.Series:
    """Dates as written, without time zones (a value that can't be read becomes NaT). Offsets that
    differ from row to row (2025-03-01T00:00+01:00 next to ...+02:00) are dropped, keeping each
    date as written, so no snapshot moves to the day (or month) before."""
    import warnings

    if pd.api.types.is_datetime64_any_dtype(s):
        out = s
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            try:
                out = pd.to_datetime(s, errors="coerce", format="mixed")
            except (ValueError, TypeError, OverflowError):  # mixed time zones
                text = s.astype("string").str.strip().str.replace(_OFFSET, "", regex=True)
                out = pd.to_datetime(text, errors="coerce", format="mixed")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out


def equal_bands(score: np.ndarray, bands: int) -> np.ndarray:
    """Each score's band among ``bands`` groups of equal size, 0 holding the lowest scores (ties kept
    in input order)."""
    order = np.argsort(score, kind="stable")
    band = np.empty(len(score), int)
    band[order] = np.arange(len(score)) * bands // len(score)
    return band
