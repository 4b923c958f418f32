"""Loading, role inference, label normalisation and DataError messages."""

import io

import numpy as np
import pandas as pd
import pytest

from storytelling.data import (
    DataError,
    Roles,
    excel_sheets,
    health_report,
    infer_roles,
    load_table,
    normalise_name,
    prepare,
)

TODAY = pd.Timestamp("2026-11-23")


def small_table(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "snapshot_date": np.where(np.arange(n) < n // 2, "2026-08-01", "2026-09-01"),
            "plan": rng.choice(["Basic", "Premium"], n),
            "tenure_months": rng.integers(1, 60, n),
            "monthly_charge": rng.uniform(20, 90, n).round(2),
            "churned": rng.choice(["Yes", "No"], n, p=[0.2, 0.8]),
        }
    )


def test_csv_semicolon_latin1_roundtrip():
    df = small_table()
    df.loc[0, "plan"] = "Básico"
    raw = df.to_csv(sep=";", index=False).encode("cp1252")
    out = load_table(raw, "export.csv")
    assert list(out.columns) == list(df.columns)
    assert out.loc[0, "plan"] == "Básico"
    assert len(out) == len(df)


def test_csv_utf8_bom_and_tabs():
    df = small_table()
    raw = "\ufeff".encode() + df.to_csv(sep="\t", index=False).encode("utf-8")
    out = load_table(raw, "export.tsv")
    assert out.columns[0] == "customer_id"


def test_excel_sheet_choice_and_title_rows():
    df = small_table()
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        pd.DataFrame({"note": ["nothing here"]}).to_excel(xw, sheet_name="Readme", index=False)
        # A title row above the real header, as many exports have.
        title = pd.DataFrame([["Customer report"] + [None] * (df.shape[1] - 1)])
        title.to_excel(xw, sheet_name="Customers", index=False, header=False)
        df.to_excel(xw, sheet_name="Customers", index=False, startrow=2)
    raw = buf.getvalue()
    assert excel_sheets(raw) == ["Readme", "Customers"]
    out = load_table(raw, "book.xlsx", sheet="Customers")
    assert list(out.columns) == list(df.columns)
    assert len(out) == len(df)
    with pytest.raises(DataError, match="no sheet called"):
        load_table(raw, "book.xlsx", sheet="Nope")


def test_parquet(tmp_path):
    df = small_table()
    p = tmp_path / "x.parquet"
    df.to_parquet(p)
    assert load_table(p).shape == df.shape


@pytest.mark.parametrize(
    "raw,name,match",
    [
        (b"", "a.csv", "empty"),
        (b"a,b,c\n", "a.csv", "no rows"),
        (b"\x00\x01\x02junk\x00" * 50, "a.csv", "binary"),
        (b"not a workbook", "a.xlsx", "Excel"),
        (b"not parquet", "a.parquet", "Parquet"),
        (b"x", "a.json", "not supported"),
        (b"x", "a.xls", "xlsx"),
    ],
)
def test_load_table_errors(raw, name, match):
    with pytest.raises(DataError, match=match):
        load_table(raw, name)


def test_missing_path():
    with pytest.raises(DataError, match="does not exist"):
        load_table("/no/such/file.csv")


@pytest.mark.parametrize(
    "renames",
    [
        {"customer_id": "Customer ID", "snapshot_date": "Snapshot Date", "churned": "Churned"},
        {"customer_id": "customerId", "snapshot_date": "as_of", "churned": "is_churn"},
        {"customer_id": "ACCOUNT_NUMBER", "snapshot_date": "Month", "churned": "Exited"},
    ],
)
def test_roles_robust_to_renamed_and_reordered_columns(renames):
    df = small_table().rename(columns=renames)
    df = df[list(reversed(df.columns))]
    r = infer_roles(df)
    assert r.id == renames["customer_id"]
    assert r.date == renames["snapshot_date"]
    assert r.label == renames["churned"]
    assert r.value == "monthly_charge"
    assert "plan" in r.features and "tenure_months" in r.features


def test_normalise_name():
    assert normalise_name("Churned (next 30d)") == "churned_next_30d"
    assert normalise_name("customerId") == "customer_id"
    assert normalise_name("  Monthly  Charge ") == "monthly_charge"


@pytest.mark.parametrize(
    "values,expected",
    [
        (["Yes", "No", "yes", "NO"], [1, 0, 1, 0]),
        (["True", "False", "true", "false"], [1, 0, 1, 0]),
        ([1, 0, 1, 0], [1, 0, 1, 0]),
        ([True, False, True, False], [1, 0, 1, 0]),
        (["churned", "active", "Churned", "Active"], [1, 0, 1, 0]),
        (["1", "0", "1.0", "0.0"], [1, 0, 1, 0]),
    ],
)
def test_label_normalisation(values, expected):
    df = small_table(n=200)
    df["churned"] = (values * 50)[:200]
    d = prepare(df, today=TODAY)
    assert d.frame["churned"].head(4).tolist() == expected


def test_unknown_label_values():
    df = small_table()
    df.loc[:5, "churned"] = "maybe"
    with pytest.raises(DataError, match="maybe"):
        prepare(df, today=TODAY)


def test_one_class_label():
    df = small_table()
    df["churned"] = "No"
    with pytest.raises(DataError, match="every customer stayed"):
        prepare(df, today=TODAY)


def test_no_label_column():
    df = small_table().drop(columns="churned")
    with pytest.raises(DataError, match="who left"):
        prepare(df, today=TODAY)


def test_unlabelled_latest_month_is_allowed():
    df = small_table()
    df.loc[df["snapshot_date"] == "2026-09-01", "churned"] = None
    d = prepare(df, today=TODAY)
    assert d.frame["churned"].isna().sum() == 100
    assert d.latest_labelled_date == pd.Timestamp("2026-08-01")


def test_bad_dates_and_future_dates():
    df = small_table()
    df.loc[3, "snapshot_date"] = "not a date"
    with pytest.raises(DataError, match="not dates"):
        prepare(df, infer_roles(small_table()), today=TODAY)
    df = small_table()
    df.loc[3, "snapshot_date"] = "2031-01-01"
    with pytest.raises(DataError, match="future"):
        prepare(df, today=TODAY)


def test_duplicate_customer_snapshot_rows():
    df = small_table()
    df = pd.concat([df, df.head(3)])
    with pytest.raises(DataError, match="repeat the same customer"):
        prepare(df, today=TODAY)


def test_duplicate_column_names():
    df = small_table()
    df.columns = ["customer_id", "snapshot_date", "plan", "plan", "monthly_charge", "churned"]
    with pytest.raises(DataError, match="more than once"):
        prepare(df, today=TODAY)


@pytest.mark.parametrize(
    "scores,match",
    [([0.2, 1.7], "between 0 and 1"), ([20.0, 70.0], "percentages"), ([0.2, None], "empty"), ([0.2, "x"], "not numbers")],
)
def test_score_problems(scores, match):
    df = small_table()
    df["churn_score"] = pd.Series((scores * 100)[:200], dtype=object)
    roles = infer_roles(small_table())
    roles.score = "churn_score"
    with pytest.raises(DataError, match=match):
        prepare(df, roles, today=TODAY)


def test_too_few_rows_and_empty():
    with pytest.raises(DataError, match="at least"):
        prepare(small_table(n=20), today=TODAY)
    with pytest.raises(DataError, match="empty"):
        prepare(pd.DataFrame(), today=TODAY)


def test_role_pointing_at_missing_column():
    with pytest.raises(DataError, match="not in the table"):
        prepare(small_table(), Roles(label="nope"), today=TODAY)


def test_prepare_standardises_sample(sample_data):
    f = sample_data.frame
    assert {"customer_id", "snapshot_date", "churned", "value", "status_quo"} <= set(f.columns)
    assert "monthly_charge" in sample_data.features  # the value column is also a feature
    assert "on_retention_list" not in sample_data.features
    assert "churned_next_30d" not in sample_data.features


def test_health_report_counts():
    df = small_table()
    df.loc[:9, "tenure_months"] = None
    df.loc[50, "tenure_months"] = 10_000
    df = pd.concat([df, df.tail(2)])
    rep = health_report(df, infer_roles(small_table()))
    assert rep.rows == 202
    assert rep.duplicate_rows == 2 and rep.duplicate_keys == 2
    assert rep.missing.set_index("column").loc["tenure_months", "missing"] == 10
    assert "tenure_months" in set(rep.outliers["column"])
    assert rep.snapshots == 2
