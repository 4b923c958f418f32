"""Spreadsheet downloads never carry a live formula."""

import io

import numpy as np
import openpyxl
import pandas as pd

from storytelling.data import load_table, prepare
from storytelling.export.tables import neutralise, to_csv_bytes, to_xlsx_bytes
from storytelling.lift import build_curves, contact_list
from storytelling.model import evaluate
from tests.test_bad_inputs import BAD, TODAY

EVIL = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=x", "\r=x", "=HYPERLINK(\"http://evil\")"]


def test_neutralise():
    assert [neutralise(v) for v in EVIL] == ["'" + v for v in EVIL]
    assert neutralise("Basic") == "Basic" and neutralise(-5) == -5 and neutralise("a=b") == "a=b"


def frame():
    return pd.DataFrame({"=name": EVIL, "n": np.arange(len(EVIL), dtype=float) - 2})


def test_csv_cells_are_text():
    text = to_csv_bytes(frame()).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == ["'=name", "n"]
    assert all(v.startswith("'") for v in back["'=name"])
    assert back["n"].tolist() == [float(i - 2) for i in range(len(EVIL))]  # numbers stay numbers


def test_excel_cells_are_text_not_formulas():
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame()))).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert ws["A1"].value == "'=name" and ws["A2"].value == "'=1+1" and ws["B2"].value == -2


def test_contact_list_follows_the_model_and_neutralises_the_data():
    data = prepare(load_table((BAD / "formula_values.csv").read_bytes(), "f.csv"), today=TODAY)
    ev = evaluate(data)
    lst = contact_list(ev, 40, names={"plan": "price plan"})
    assert len(lst) == 40 and list(lst["Rank"]) == list(range(1, 41))
    frame_ = ev.current if ev.current is not None else ev.frame
    top = np.sort(frame_["score"].to_numpy())[::-1][:40]
    assert np.allclose(lst["Risk of leaving within a month"], top.round(4))
    if ev.current is None:  # the list matches the curve's order
        curve = build_curves(ev).model
        assert list(lst["Customer id"]) == list(ev.frame["customer_id"].astype(str).to_numpy()[curve.order[:40]])
    assert "Price plan" in lst.columns
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(lst))).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "=1+1" not in values
    if (lst["Price plan"] == "=1+1").any():
        assert "'=1+1" in values
