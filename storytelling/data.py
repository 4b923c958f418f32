"""Loading, role inference and validation of customer tables.

``load_table`` turns a file (path, bytes or upload) into a DataFrame; ``infer_roles`` guesses which
column is the customer id, the snapshot date, the churn label, the score and so on; ``prepare``
validates the table against those roles and returns a :class:`CustomerData`. Every problem with
the user's data raises :class:`DataError` with a message a non-programmer can act on.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from storytelling import sensitive, validate, workbook
from storytelling.errors import DataError  # noqa: F401  (re-exported: data problems are raised from here)
from storytelling.validate import MIN_LABELLED_ROWS, ROLE_LABELS  # noqa: F401  (re-exported)
from storytelling.values import (  # noqa: F401  (re-exported)
    FALSE_WORDS,
    MISSING_WORDS,
    TRUE_WORDS,
    binary_values,
    normalise_name,
    read_dates,
)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


# ---------------------------------------------------------------------------------------------
# Loading


def _read_bytes(source: Any) -> tuple[bytes, str | None]:
    """Bytes and a file name from a path, bytes, or a file-like object (e.g. a Streamlit upload)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise DataError(f"The file '{path}' does not exist. Check the path and try again.")
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise DataError(_too_big(path.stat().st_size))
        return path.read_bytes(), path.name
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), None
    name = getattr(source, "name", None)
    if hasattr(source, "getvalue"):
        data = source.getvalue()
    elif hasattr(source, "read"):
        data = source.read()
    else:
        raise DataError("This is not a file we can read. Upload a CSV, Excel or Parquet file.")
    if isinstance(data, str):
        data = data.encode("utf-8")
    return bytes(data), name


def _too_big(size: int) -> str:
    return (
        f"The file is {size / 1024 / 1024:.0f} MB, more than the {MAX_UPLOAD_BYTES // 1024 // 1024} MB "
        "this app accepts. Keep only the columns you need, or save it as Parquet (much smaller)."
    )


def _decode(raw: bytes) -> str:
    """Text of a CSV export: UTF-8 (with or without BOM), else Windows-1252 / Latin-1."""
    if b"\x00" in raw[:65536]:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                return raw.decode("utf-16")
            except UnicodeDecodeError:
                pass
        raise DataError(
            "This file does not look like a CSV text file (it contains binary data). "
            "If it is an Excel workbook, give it the .xlsx ending; otherwise export it as CSV again."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    head = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: head.count(d) for d in (",", ";", "\t", "|")}
        return max(counts, key=counts.get) if max(counts.values()) else ","


def _read_csv(raw: bytes) -> pd.DataFrame:
    text = _decode(raw)
    if not text.strip():
        raise DataError("The file is empty. Export the table again with its column names and rows.")
    start = text.lstrip()[:200].lower()
    if start.startswith(("{", "[{", "[\n", "[ {")):
        raise DataError("This file holds JSON, not a table. Export the customers as CSV or Excel instead.")
    if start.startswith(("<!doctype", "<html", "<?xml", "<table")):
        raise DataError("This file is a web page or XML, not a table. Export the customers as CSV or Excel "
                        "instead (in a browser: save the table, not the page).")
    sep = _sniff_delimiter(text)
    try:
        header = next(csv.reader(io.StringIO(text.lstrip("\n")), delimiter=sep), [])
    except csv.Error:  # a name longer than the csv module's field limit (131,072 characters)
        raise DataError(_LONG_NAME) from None
    seen, twice = set(), []
    for h in (x.strip() for x in header):
        if h and h in seen and h not in twice:
            twice.append(h)
        seen.add(h)
    if twice:
        raise DataError(
            f"The column name(s) {', '.join(map(repr, twice[:5]))} appear more than once in the header. "
            "Give every column a unique name and load the file again."
        )
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=True)
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+)", str(exc))
        where = f" around line {line.group(1)}" if line else ""
        raise DataError(
            f"The CSV file could not be read{where}: some rows have more values than the header. "
            "Check for separators inside values, or quote those values."
        ) from exc
    except (pd.errors.EmptyDataError, UnicodeError) as exc:
        raise DataError("The file is empty. Export the table again with its column names and rows.") from exc
    return _decimal_commas(df) if sep != "," else df


_DECIMAL_COMMA = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+),\d+$")


def _decimal_commas(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers written with a decimal comma ('29,50', '1.234,5') become numbers."""
    for c in df.columns:
        s = df[c]
        if not _is_text(s):
            continue
        vals = s.dropna().astype(str).str.strip()
        if len(vals) and vals.str.match(_DECIMAL_COMMA).mean() >= 0.9:
            num = vals.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
            df[c] = pd.to_numeric(num, errors="coerce").reindex(s.index)
    return df


MAX_XLSX_UNPACKED = workbook.MAX_UNPACKED


def sheet_choices(source: Any) -> tuple[list[str], str | None]:
    """An Excel workbook's sheet names and the one :func:`load_table` reads when none is chosen
    (the one with the most filled cells), both from its zip in one reading: no sheet is parsed."""
    raw, _ = _read_bytes(source)
    found = workbook.sheets(raw)
    best = workbook.default(found)
    return [s.name for s in found], best.name if best else None


def excel_sheets(source: Any) -> list[str]:
    """The sheet names of an Excel workbook."""
    return sheet_choices(source)[0]


def default_sheet(source: Any) -> str | None:
    """The sheet :func:`load_table` reads when none is chosen."""
    return sheet_choices(source)[1]


def _read_excel(raw: bytes, sheet: str | int | None) -> pd.DataFrame:
    """One sheet, parsed once, after the workbook's size and the sheet's cells are checked."""
    found = workbook.sheets(raw)
    names = [s.name for s in found]
    if sheet is None:
        chosen = workbook.default(found)
        if chosen is None:
            raise DataError("Every sheet in this workbook is empty. Put the customer table on a sheet and retry.")
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(found):
            raise DataError(f"The workbook has {len(found)} sheet(s); there is no sheet number {sheet + 1}.")
        chosen = found[sheet]
    elif sheet not in names:
        raise DataError(f"The workbook has no sheet called '{sheet}'. Its sheets are: {', '.join(names)}.")
    else:
        chosen = found[names.index(sheet)]
    workbook.check_cells(chosen)
    try:
        table = pd.read_excel(io.BytesIO(raw), sheet_name=chosen.name, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for broken files
        raise DataError(
            "This Excel file could not be opened. Save it again as .xlsx (Excel 2007 or later) and retry."
        ) from exc
    return _fix_header(table)


def _fix_header(df: pd.DataFrame) -> pd.DataFrame:
    """Skip title rows and merged header cells above the real header row."""
    df = df.dropna(how="all").dropna(axis=1, how="all")
    unnamed = sum(str(c).startswith("Unnamed") for c in df.columns)
    if len(df.columns) and unnamed >= len(df.columns) / 2 and len(df):
        # The first row whose cells are all filled is the header.
        for i in range(min(10, len(df))):
            row = df.iloc[i]
            if row.notna().all():
                new = df.iloc[i + 1 :].copy()
                new.columns = [str(v) for v in row.tolist()]
                return new.reset_index(drop=True).infer_objects()
    return df.reset_index(drop=True)


def load_table(source: Any, filename: str | None = None, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV, Excel (.xlsx) or Parquet file into a DataFrame.

    Parameters
    ----------
    source
        A path, raw bytes, or a file-like object (such as a Streamlit upload).
    filename
        Name used to decide the format when ``source`` has none (e.g. raw bytes).
    sheet
        Excel sheet name or index; by default the first sheet that holds data.
    """
    raw, name = _read_bytes(source)
    name = filename or name or ""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise DataError(_too_big(len(raw)))
    if not raw.strip():
        raise DataError("The file is empty. Export the table again with its column names and rows.")
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or (not suffix and raw[:2] == b"PK"):
        df = _read_excel(raw, sheet)
    elif suffix == ".xls":
        raise DataError("Old .xls workbooks are not supported. Save the file as .xlsx or CSV and retry.")
    elif suffix in (".parquet", ".pq") or (not suffix and raw[:4] == b"PAR1"):
        try:
            df = pd.read_parquet(io.BytesIO(raw))
        except Exception as exc:
            raise DataError("This Parquet file could not be read; it may be damaged. Export it again.") from exc
    elif suffix in (".csv", ".txt", ".tsv", ""):
        df = _read_csv(raw)
    else:
        raise DataError(f"Files ending in '{suffix}' are not supported. Use CSV, Excel (.xlsx) or Parquet.")
    if df.shape[1] == 0:
        raise DataError("The file has no columns. Export the table again with its column names.")
    if len(df) == 0:
        raise DataError(
            "The file has column names but no rows of data. Export the table again with its rows."
        )
    df.columns = [str(c).strip() for c in df.columns]
    if any(len(c) > MAX_NAME_CHARS for c in df.columns):
        raise DataError(_LONG_NAME)
    return _flat(df)


MAX_NAME_CHARS = 1000
_LONG_NAME = (f"A column name in this file is longer than {MAX_NAME_CHARS:,} characters, so the first line is probably "
              "not a header. Give every column a short name and load the file again.")


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """The table without columns of nested values (lists, records: a Parquet struct or list
    column), which can't describe a customer; what was left out is kept in ``df.attrs["left_out"]``
    for :func:`role_notes`."""
    nested = [c for c in df.columns if df[c].dtype == object
              and any(isinstance(v, list | tuple | dict | set | np.ndarray) for v in df[c].dropna().head(100))]
    if not nested:
        return df
    if len(nested) == df.shape[1]:
        raise DataError("Every column holds nested values (lists or records), not one value per cell. Export a "
                        "flat table: one column per customer attribute.")
    out = df.drop(columns=nested)
    out.attrs["left_out"] = {c: f"'{c}' holds nested values (lists or records), so it is left out." for c in nested}
    return out


# ---------------------------------------------------------------------------------------------
# Roles


_NAMES = {
    "id": [
        "customer_id", "customerid", "customer", "client_id", "account_id", "user_id", "subscriber_id",
        "member_id", "customer_number", "account_number", "customer_no", "id", "account",
    ],
    "date": [
        "snapshot_date", "snapshot", "snapshot_month", "as_of_date", "as_of", "date", "month",
        "period", "score_date", "reference_date", "observation_date",
    ],
    "label": [
        "churned_next_30d", "churned", "churn", "is_churn", "is_churned", "has_churned", "churn_flag",
        "churned_30d", "will_churn", "left", "exited", "attrition", "cancelled", "canceled", "target",
        "label", "lost",
    ],
    "score": [
        "score", "churn_score", "risk_score", "risk", "churn_probability", "probability", "prob",
        "p_churn", "churn_risk", "prediction", "predicted_probability", "model_score", "propensity",
    ],
    "value": [
        "monthly_value", "monthly_charge", "monthly_charges", "monthly_revenue", "revenue", "value",
        "arpu", "mrr", "customer_value", "clv", "ltv", "monthly_fee",
    ],
    "status_quo": [
        "on_retention_list", "retention_list", "status_quo", "current_rule", "rule_flag", "rule",
        "in_campaign", "flagged", "marketing_list", "targeted_today",
    ],
}
_PATTERNS = {
    "id": r"(^|_)(id|number|no)$",
    "date": r"(date|month|period|snapshot)",
    "label": r"^(is_|has_)?(churn|attrit|cancel|exit)",
    "score": r"(score|prob|risk|propensity)",
    "value": r"(charge|revenue|value|arpu|mrr|fee|spend)",
    "status_quo": r"(rule|retention_list|status_quo|campaign_list)",
}


@dataclass
class Roles:
    """Which column plays which part. ``None`` means the data has no such column."""

    id: str | None = None
    date: str | None = None
    label: str | None = None
    score: str | None = None
    value: str | None = None
    status_quo: str | None = None
    #: Marks the customers marketing called in that month (yes/no): their outcomes are set aside
    #: from training and measuring (see :mod:`storytelling.feedback`); never a feature.
    contacted: str | None = None
    features: list[str] = field(default_factory=list)
    #: Sensitive columns (see :mod:`storytelling.sensitive`): described, never used by the model
    #: unless ``use_sensitive``. ``None``: not decided yet, recognised from the table by :func:`prepare`.
    sensitive: list[str] | None = None
    use_sensitive: bool = False
    #: What :func:`infer_roles` recognised and why (column -> sentence), for the Data page and the
    #: deck's appendix. Not part of the roles themselves (not saved, not compared).
    notes: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def single(self) -> dict[str, str | None]:
        return {k: getattr(self, k) for k in ROLE_LABELS}

    def used(self) -> set[str]:
        return {c for c in self.single().values() if c}

    def to_dict(self) -> dict[str, Any]:
        return {**self.single(), "features": list(self.features),
                "sensitive": None if self.sensitive is None else list(self.sensitive),
                "use_sensitive": bool(self.use_sensitive)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Roles:
        def read(k, v):
            if k == "features":
                return list(v or [])
            if k == "sensitive":
                return None if v is None else list(v)
            if k == "use_sensitive":
                return bool(v)
            return v or None

        return cls(**{k: read(k, v) for k, v in d.items() if k != "notes"})

    def model_features(self) -> list[str]:
        """The columns the baseline model may use: the features, less the sensitive columns unless
        the user let the model use them (then those too)."""
        sens = list(self.sensitive or [])
        if self.use_sensitive:
            return list(dict.fromkeys([*self.features, *sens]))
        return [c for c in self.features if c not in sens]


def _is_text(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
                or pd.api.types.is_datetime64_any_dtype(s))


def _date_share(s: pd.Series) -> float:
    """Share of the first 50 values that read as dates."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return float(pd.to_datetime(s.dropna().astype(str).head(50), errors="coerce").notna().mean())


def infer_roles(df: pd.DataFrame) -> Roles:
    """Guess the role of each column from its name and contents (names compared once normalised:
    ``Customer ID``, ``customerId`` and ``customer_id`` are all the customer id)."""
    norm = {c: normalise_name(c) for c in df.columns}
    taken: set[str] = set()

    def fits(role: str, col: str) -> bool:
        s = df[col]
        if role == "date":  # a date of birth is not the snapshot's date
            return sensitive.name_kind(col) is None and (
                pd.api.types.is_datetime64_any_dtype(s) or (_is_text(s) and _date_share(s) > 0.5))
        if role == "label":
            return binary_values(s) is not None
        if role == "score":
            return pd.api.types.is_float_dtype(s) and s.dropna().between(0, 1).all()
        if role == "value":
            return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        if role == "status_quo":
            return binary_values(s) is not None or pd.api.types.is_numeric_dtype(s)
        return True

    found: dict[str, str | None] = {}
    for role in ("id", "date", "label", "score", "value", "status_quo"):
        pick = None
        for name in _NAMES[role]:
            # An exact churn-label, date or score name is trusted even with odd values: prepare()
            # then says which values are wrong, instead of the column silently becoming a feature.
            pick = next((c for c in df.columns if norm[c] == name and c not in taken
                         and (role in ("label", "date", "score") or fits(role, c))), None)
            if pick:
                break
        if pick is None and role == "value":
            pick = _guess_value(df, norm, taken)
        elif pick is None:
            pick = next(
                (c for c in df.columns if c not in taken and re.search(_PATTERNS[role], norm[c]) and fits(role, c)),
                None,
            )
        if pick is None and role == "date":
            pick = next((c for c in df.columns if c not in taken and sensitive.name_kind(c) is None
                         and pd.api.types.is_datetime64_any_dtype(df[c])), None)
        found[role] = pick
        if pick:
            taken.add(pick)
    rows = {c: why for c in df.columns if c not in taken and (why := row_id_reason(df[c], c))}
    if found["id"] is None and rows and found["date"] is None:  # with months, a row number is no customer's id
        found["id"] = next(iter(rows))
        taken.add(found["id"])
    roles = Roles(**found)
    roles.sensitive = list(sensitive.recognise(df, taken | set(rows)))
    # The value column (e.g. the monthly charge) is also a useful feature; the others are not, and
    # sensitive columns are described, not used (unless the user says so on the Data page).
    roles.features = [
        c for c in df.columns if (c not in taken or c == roles.value) and c not in rows and usable_feature(df[c])
        and c not in roles.sensitive
    ]
    roles.notes = role_notes(df, roles)
    return roles


def role_notes(df: pd.DataFrame, roles: Roles) -> dict[str, str]:
    """What was recognised about the columns, in sentences (column -> sentence): row numbers and
    other per-row ids (never features), and how the customer's value was chosen."""
    notes: dict[str, str] = dict(df.attrs.get("left_out", {}))
    if roles.id and roles.id in df and (why := row_id_reason(df[roles.id], roles.id)):
        notes[roles.id] = f"'{roles.id}' {why}: used as the customer id, not as a customer feature."
    for c in df.columns:
        if c not in roles.used() and c not in notes and (why := row_id_reason(df[c], c, text=False)):
            notes[c] = f"'{c}' {why}: it identifies rows, so it is not used as a customer feature."
    norm = {c: normalise_name(c) for c in df.columns}
    if roles.value and roles.value in df and norm[roles.value] not in _NAMES["value"]:
        notes[roles.value] = (f"'{roles.value}' is taken as each customer's monthly value, a guess from its name. "
                              "If it is not the whole monthly bill, pick another value column, or none.")
    elif roles.value is None and (cands := _value_candidates(df, norm, roles.used())):
        listed = ", ".join(f"'{c}'" for c in cands[:5])
        notes["_value"] = (f"No column is named as the customer's monthly value; {listed} "
                           f"{'could each be part of it' if len(cands) > 1 else 'may be only part of it'}. Every "
                           "kept customer is worth the same amount (set in the sidebar) until you pick a value "
                           "column on the Data page.")
    return notes


#: Words in a money column's name that say it is only part of the bill, or a lifetime total.
_PARTIAL = re.compile(r"(^|_)(day|eve|evening|night|intl|international|roaming|sms|text|data|voice|call|calls|"
                      r"minutes|total|lifetime|annual|yearly|one_off|setup|extra|late|fee_\w+)(_|$)")


def _value_candidates(df: pd.DataFrame, norm: dict, taken: set) -> list[str]:
    """Numeric columns whose name looks like money, among those not taken by another role."""
    return [c for c in df.columns if c not in taken and re.search(_PATTERNS["value"], norm[c])
            and pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]


def _guess_value(df: pd.DataFrame, norm: dict, taken: set) -> str | None:
    """The value column when no column is named as one: a single money-like column that does not
    look like part of the bill (or a lifetime total) is a guess, said as such by :func:`role_notes`;
    several candidates are left for the user to pick."""
    cands = _value_candidates(df, norm, taken)
    if len(cands) == 1 and not _PARTIAL.search(norm[cands[0]]):
        return cands[0]
    return None


#: Names that say a column numbers the rows ("Unnamed: 0" is what pandas writes for an index).
_ROW_NAMES = {"rownames", "row_names", "rowname", "unnamed_0", "unnamed", "index", "idx", "row", "rows", "row_id",
              "row_number", "rownumber", "row_no", "row_num", "rn", "level_0", "obs", "x", "sno", "s_no", "sr_no",
              "serial", "serial_number", "record", "record_id", "record_number", "_id"}
MIN_ID_ROWS = 200  # below this, a column whose values all differ may just be a small table


def row_id_reason(s: pd.Series, name: Any, *, text: bool = True) -> str | None:
    """Why ``s`` identifies rows instead of describing customers (or None): a row-number name, the
    numbers 0..n-1 or 1..n, or whole numbers (or, with ``text``, text) that differ in every row."""
    n = len(s)
    norm = normalise_name(name)
    if n < 20 or pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        return None
    named = norm in _ROW_NAMES or re.fullmatch(r"unnamed_\d+", norm) is not None
    if pd.api.types.is_integer_dtype(s):
        if s.isna().any():
            return None
        if named:
            return "numbers the rows"
        lo, hi = int(s.min()), int(s.max())
        if hi - lo + 1 == n and lo in (0, 1) and s.is_unique:
            return f"numbers the rows {lo:,} to {hi:,}"
        if n >= MIN_ID_ROWS and s.is_unique:
            return "is different in every row, like an id"
        return None
    if text and _is_text(s) and n >= MIN_ID_ROWS and s.notna().all() and s.is_unique:
        return "is different in every row, like an id"
    if named and pd.api.types.is_numeric_dtype(s) and s.is_unique:
        return "numbers the rows"
    return None


def usable_feature(s: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(s):
        return False
    nunique = s.nunique(dropna=True)
    if nunique <= 1:
        return False
    if _is_text(s):
        return nunique <= 60 or nunique <= 0.01 * len(s)
    return True


# ---------------------------------------------------------------------------------------------
# Prepared data


@dataclass
class CustomerData:
    """A validated customer table with standard column names.

    ``frame`` has ``customer_id``, ``snapshot_date`` (when dated), ``churned`` (1.0, 0.0, or NaN
    when not yet known), and ``score``, ``value``, ``status_quo`` where the data has them, plus the
    feature columns under their original names. ``roles`` records the original column names.
    """

    frame: pd.DataFrame
    roles: Roles
    features: list[str]  # the columns the baseline model uses
    notes: list[str] = field(default_factory=list)
    #: Sensitive columns in ``frame`` (name -> kind, see :mod:`storytelling.sensitive`), in the model
    #: only when ``roles.use_sensitive``.
    sensitive: dict[str, str] = field(default_factory=dict)
    #: Customers marketing called, whose outcomes are set aside (see :mod:`storytelling.feedback`).
    set_aside: Any = None

    @property
    def described(self) -> list[str]:
        """Every customer column the story may name: the model's features, then the sensitive ones."""
        return list(dict.fromkeys([*self.features, *self.sensitive]))

    @property
    def has_dates(self) -> bool:
        return "snapshot_date" in self.frame

    @property
    def has_score(self) -> bool:
        return "score" in self.frame

    @property
    def has_value(self) -> bool:
        return "value" in self.frame

    @property
    def value_guessed(self) -> bool:
        """The value column was chosen from its name alone (no column is named as a monthly value)."""
        return self.has_value and normalise_name(self.roles.value) not in _NAMES["value"]

    @property
    def has_status_quo(self) -> bool:
        return "status_quo" in self.frame

    @property
    def labelled(self) -> pd.DataFrame:
        return self.frame[self.frame["churned"].notna()]

    @property
    def snapshots(self) -> list[pd.Timestamp]:
        if not self.has_dates:
            return []
        return sorted(pd.unique(self.frame["snapshot_date"]))

    @property
    def latest_labelled_date(self) -> pd.Timestamp | None:
        if not self.has_dates:
            return None
        return self.labelled["snapshot_date"].max()

    @property
    def base_rate(self) -> float:
        return float(self.labelled["churned"].mean())


def _parse_dates(s: pd.Series, col: str, today: pd.Timestamp) -> pd.Series:
    dated = pd.api.types.is_datetime64_any_dtype(s) or _is_text(s)
    out = read_dates(s) if dated else pd.Series(pd.NaT, index=s.index)
    bad = out.isna() & s.notna()
    validate.dates_readable(col, int(bad.sum() + s.isna().sum()), s[bad])
    validate.dates_past(col, int((out > today + pd.Timedelta(days=31)).sum()), out.max())
    return out.astype("datetime64[ns]").dt.normalize()


def prepare(df: pd.DataFrame, roles: Roles | dict | None = None, *, today: pd.Timestamp | None = None) -> CustomerData:
    """Validate ``df`` against ``roles`` (inferred when not given) and standardise it.

    Each role's column is checked by its validator in :mod:`storytelling.validate` (the same the
    warehouse's counts go through) and copied under its standard name (``customer_id``,
    ``snapshot_date``, ``churned``, ``score``, ``value``, ``status_quo``), then the features.

    Raises
    ------
    DataError
        When the table cannot support the analyses; the message says what to fix.
    """
    if not isinstance(df, pd.DataFrame) or df.shape[1] == 0 or len(df) == 0:
        raise DataError("The table is empty. Load a file with column names and at least a few rows.")
    dupes = df.columns[df.columns.duplicated()].unique().tolist()
    if dupes:
        raise DataError(
            f"The column name(s) {', '.join(map(repr, map(str, dupes)))} appear more than once. "
            "Give every column a unique name and load the file again."
        )
    roles = infer_roles(df) if roles is None else Roles.from_dict(roles) if isinstance(roles, dict) else roles
    today = pd.Timestamp.today().normalize() if today is None else pd.Timestamp(today)
    validate.roles_fit(roles.single(), list(df.columns))
    notes: list[str] = []
    cols = {"customer_id": _ids(df, roles.id, notes)}
    if roles.date is not None:
        cols["snapshot_date"] = _parse_dates(df[roles.date], roles.date, today)
    cols["churned"] = _outcomes(df[roles.label], roles.label)
    if roles.score is not None:
        cols["score"] = _scores(df[roles.score], roles.score)
    if roles.value is not None:
        cols["value"] = _values(df[roles.value], roles.value, notes)
    if roles.status_quo is not None:
        cols["status_quo"] = _rule(df[roles.status_quo], roles.status_quo)
    roles = _sensitive_decided(df, roles)
    features, feature_cols = _features(df, roles, set(cols), notes)
    described = _described(df, roles, set(cols) | set(feature_cols), feature_cols, notes)
    # one frame built once, columns not copied (wide files, 1M-row files)
    out = pd.DataFrame({**cols, **feature_cols, **{c: col for c, (col, _) in described.items()
                                                  if c not in feature_cols}}, index=df.index, copy=False)
    _one_row_each(out, roles)
    if roles.date is not None:
        known = out["churned"].notna()
        unlabelled_old = out["churned"].isna() & (out["snapshot_date"] < out.loc[known, "snapshot_date"].max())
        if unlabelled_old.any():
            notes.append(f"{int(unlabelled_old.sum()):,} rows from past months have no churn label; "
                         "they are left out of the results.")
    data = CustomerData(frame=out.reset_index(drop=True), roles=roles, features=features, notes=notes,
                        sensitive={c: kind for c, (_, kind) in described.items()})
    if roles.contacted is not None:  # the customers marketing called: their outcomes are set aside
        from storytelling.feedback import contacted_flags, set_aside

        data = set_aside(data, contacted_flags(df, roles.contacted), f"'{roles.contacted}'")
    return data


def _sensitive_decided(df: pd.DataFrame, roles: Roles) -> Roles:
    """``roles`` with its sensitive columns decided: those of the table when not given (an older
    story.toml, a hand-made Roles), and never a column that plays another part."""
    from dataclasses import replace

    chosen = roles.sensitive
    if chosen is None:
        chosen = list(sensitive.recognise(df, roles.used()))
    return replace(roles, sensitive=[c for c in chosen if c not in roles.used()])


def _described(df: pd.DataFrame, roles: Roles, taken: set[str], feature_cols: dict,
               notes: list[str]) -> dict[str, tuple[pd.Series, str]]:
    """The sensitive columns under their frame names (column, kind), whether the model uses them or
    not: they are described on the Who-is-on-the-list page either way."""
    out = {}
    missing = [c for c in roles.sensitive if c not in df.columns]
    if missing:
        notes.append(f"{validate.examples(missing, 5)} (marked sensitive) {'are' if len(missing) > 1 else 'is'} "
                     "not in the table: left out.")
    for c in roles.sensitive:
        if c not in df.columns:
            continue
        kind = sensitive.kind_of(df[c], c) or sensitive.CHOSEN
        used = c if c in feature_cols else f"{c} (feature)"
        if used in feature_cols:
            out[used] = (feature_cols[used], kind)
        else:
            out[c if c not in taken else f"{c} (sensitive)"] = (_as_feature(df[c]), kind)
    return out


def _ids(df: pd.DataFrame, col: str | None, notes: list[str]) -> pd.Series:
    if col is None:
        notes.append("The table has no customer id column, so rows are numbered instead.")
        return pd.Series(np.arange(1, len(df) + 1), index=df.index).astype("string")
    ids = df[col].astype("string").str.strip().replace("", pd.NA)
    validate.ids_complete(col, int(ids.isna().sum()))
    return ids


def _outcomes(s: pd.Series, col: str) -> pd.Series:
    label = binary_values(s)
    if label is None:
        text = s.astype("string").str.strip().str.lower()
        odd = s[~(text.isin(TRUE_WORDS) | text.isin(FALSE_WORDS) | text.isin(MISSING_WORDS) | text.isna())]
        validate.label_readable(col, odd if len(odd) else s.dropna())
    label = label.astype(float)
    validate.outcomes(col, labelled=int(label.notna().sum()), leavers=int((label == 1).sum()))
    return label


def _scores(raw: pd.Series, col: str) -> pd.Series:
    s = pd.to_numeric(raw, errors="coerce")
    validate.score_numbers(col, raw[s.isna() & raw.notna()])
    validate.score_complete(col, int(s.isna().sum()))
    validate.score_range(col, float(s.min()), float(s.max()))
    return s.astype(float)


def _values(raw: pd.Series, col: str, notes: list[str]) -> pd.Series:
    v = pd.to_numeric(raw, errors="coerce")
    validate.value_numbers(col, float(v.notna().mean()))
    validate.value_sign(col, float(v.min()))
    if v.isna().any():
        notes.append(f"{int(v.isna().sum()):,} customers have no value in '{col}'; the typical value was used.")
        v = v.fillna(v.median())
    return v.astype(float)


def _rule(raw: pd.Series, col: str) -> pd.Series:
    sq = binary_values(raw)
    if sq is None:
        sq = pd.to_numeric(raw, errors="coerce")
        validate.rule_readable(col, float(sq.isna().mean()))
    return sq.fillna(0.0).astype(float)


def _features(df: pd.DataFrame, roles: Roles, taken: set[str], notes: list[str]) -> tuple[list[str], dict]:
    """The customer features under their names (renamed when they clash with a standard column)."""
    recognised = role_notes(df, roles)
    notes += [n for c, n in recognised.items() if c not in roles.features or c in (roles.id, roles.value)]
    features, cols = [], {}
    missing = [c for c in roles.features if c not in df.columns]
    if missing:
        notes.append(f"{validate.examples(missing, 5)} (chosen as feature{'s' if len(missing) > 1 else ''}) "
                     f"{'are' if len(missing) > 1 else 'is'} not in the table: left out.")
    for c in roles.model_features():
        if c not in df.columns or (c in roles.used() and c != roles.value):
            continue
        if c in (roles.sensitive or []) and c not in roles.features and not usable_feature(df[c]):
            continue  # a sensitive column the model could not read (a date, one value): described only
        if c != roles.value and (why := row_id_reason(df[c], c)):
            notes.append(f"'{c}' {why}: it identifies rows, so it is not used as a customer feature.")
            continue
        name = c if c not in taken else f"{c} (feature)"
        features.append(name)
        cols[name] = _as_feature(df[c])
    return features, cols


def _as_feature(col: pd.Series) -> pd.Series:
    """A customer column as the model reads it: yes/no as 0/1, text as categories."""
    if pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    if _is_text(col) and not isinstance(col.dtype, pd.CategoricalDtype):
        return col.astype("string").str.strip().astype("category")
    return col


def _one_row_each(out: pd.DataFrame, roles: Roles) -> None:
    """One row per customer (per snapshot), when the table names its customers."""
    if roles.id is None:
        return
    key = ["customer_id", "snapshot_date"] if roles.date is not None else ["customer_id"]
    dup = out.duplicated(key, keep=False)
    if dup.any():
        first = out.loc[dup, key].iloc[0]
        where = f"customer {first['customer_id']}" + (
            f" on {first['snapshot_date']:%d %b %Y}" if roles.date is not None else "")
        raise DataError(
            f"{int(dup.sum()):,} rows repeat the same {'customer and date' if roles.date else 'customer'} "
            f"(for example {where}). Keep one row per customer{' per snapshot' if roles.date else ''}."
        )


# ---------------------------------------------------------------------------------------------
# Health report


@dataclass
class HealthReport:
    """What a careful analyst checks first about a table."""

    rows: int
    columns: int
    customers: int | None
    snapshots: int | None
    first_date: pd.Timestamp | None
    last_date: pd.Timestamp | None
    labelled_rows: int | None
    churn_rate: float | None
    duplicate_rows: int
    duplicate_keys: int
    missing: pd.DataFrame  # column, missing, share
    outliers: pd.DataFrame  # column, count, low, high


def health_report(df: pd.DataFrame, roles: Roles) -> HealthReport:
    """Summarise ``df`` (raw, as loaded) for the Data page. Never raises on odd data."""
    missing = df.isna().sum()
    missing = pd.DataFrame(
        {"column": [str(c) for c in missing.index], "missing": missing.to_numpy(), "share": (missing / max(len(df), 1)).to_numpy()}
    )
    missing = missing[missing["missing"] > 0].sort_values("missing", ascending=False).reset_index(drop=True)
    out_rows = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) and c not in roles.used() - {roles.value}:
            x = pd.to_numeric(s, errors="coerce").dropna()
            if len(x) < 20 or x.nunique() < 5:
                continue
            q1, q3 = np.percentile(x, [25, 75])
            iqr = q3 - q1
            # The typical range, never wider than the values that actually occur.
            lo, hi = max(q1 - 3 * iqr, float(x.min())), min(q3 + 3 * iqr, float(x.max()))
            n = int(((x < lo) | (x > hi)).sum())
            if n and iqr > 0:
                out_rows.append({"column": str(c), "count": n, "low": float(lo), "high": float(hi)})
    outliers = pd.DataFrame(out_rows, columns=["column", "count", "low", "high"])
    dates = None
    if roles.date and roles.date in df:
        s = df[roles.date]
        dates = read_dates(s)
    label = binary_values(df[roles.label]) if roles.label and roles.label in df else None
    key = [c for c in (roles.id, roles.date) if c and c in df]
    return HealthReport(
        rows=len(df),
        columns=df.shape[1],
        customers=int(df[roles.id].nunique()) if roles.id and roles.id in df else None,
        snapshots=int(dates.nunique()) if dates is not None else None,
        first_date=dates.min() if dates is not None else None,
        last_date=dates.max() if dates is not None else None,
        labelled_rows=int(label.notna().sum()) if label is not None else None,
        churn_rate=float(label.mean()) if label is not None and label.notna().any() else None,
        duplicate_rows=int(df.duplicated().sum()),
        duplicate_keys=int(df.duplicated(key).sum()) if roles.id and key else 0,
        missing=missing,
        outliers=outliers,
    )
