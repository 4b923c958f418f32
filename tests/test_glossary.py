import pandas as pd

from storytelling.glossary import Glossary, infer_term


def test_names_from_column_names():
    df = pd.DataFrame({"tenure_months": [1, 2], "support_tickets_90d": pd.Series([0, 3], dtype="int8"),
                       "monthly_charge": [20.5, 30.0], "has_discount": [True, False], "usage_trend_pct": [5, -3],
                       "contract_end_days": [30.0, None], "contract": ["a", "b"], "numCalls": [1, 2]})
    g = Glossary.infer(df)
    assert g.name("tenure_months") == "tenure" and g.term("tenure_months").unit == "months"
    assert g.name("support_tickets_90d") == "number of support tickets in the last 90 days"
    assert g.term("monthly_charge").unit == "$" and g.value("monthly_charge", 79.5) == "$79.50"
    assert g.term("has_discount").kind == "flag" and g.name("has_discount") == "discount"
    assert g.value("has_discount", True) == "yes"
    assert g.value("usage_trend_pct", -12) == "-12%"
    assert g.name("contract_end_days") == "time until contract end"
    assert g.value("contract_end_days", float("nan")) == "not recorded"
    assert g.term("contract").kind == "category"
    assert g.name("numCalls") == "number of calls"
    assert g.value("tenure_months", 1) == "1 month" and g.value("tenure_months", 3) == "3 months"


def test_edits_apply_and_round_trip():
    df = pd.DataFrame({"tenure_months": [1], "plan": ["x"]})
    base = Glossary.infer(df)
    edited = base.with_edits({"plan": {"name": "price plan", "unit": ""}, "unknown": {"name": "x"},
                              "tenure_months": {"name": "  ", "unit": "mo"}})
    assert edited.name("plan") == "price plan"
    assert edited.name("tenure_months") == "tenure" and edited.term("tenure_months").unit == "mo"
    assert "unknown" not in edited.terms
    assert edited.edits(base) == {"plan": {"name": "price plan", "unit": ""},
                                  "tenure_months": {"name": "tenure", "unit": "mo"}}
    assert base.with_edits(edited.edits(base)).terms == edited.terms


def test_unknown_column_gets_an_inferred_term():
    assert infer_term("is_active").kind == "flag"
    assert Glossary({}).name("avg_spend") == "average spend"
