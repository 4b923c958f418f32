"""Tables for spreadsheets (CSV, Excel) with formula injection neutralised.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
spreadsheet programs as a formula, which can run commands or leak data. Such text (values and
column names from the user's data) gets a leading apostrophe, the OWASP recommendation, so it
shows as typed and is never evaluated. Numbers are left as numbers.
"""

from __future__ import annotations

import io

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for c in out.columns:
        s = out[c]
        if not pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.astype(object).map(neutralise)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV with a byte-order mark, so Excel opens it as UTF-8; rows end in CRLF as RFC 4180 asks, so
    a carriage return inside a value is quoted too (with bare LF endings it split the row)."""
    return safe_frame(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "Customers") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as w:
        safe_frame(df).to_excel(w, sheet_name=sheet, index=False)
        ws = w.sheets[sheet]
        for row in ws.iter_rows():  # openpyxl stores text starting with '=' as a formula: force text
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    return buf.getvalue()
