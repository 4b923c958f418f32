"""Kept scenarios on the Retention lift page: kept, edited, removed, in the page address, compared."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from storytelling.data import prepare
from storytelling.lift import analyse_lift, build_curves, lift_finding
from storytelling.model import evaluate
from storytelling.sample import load_sample
from storytelling.targeting import Assumptions

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "app_pages/retention_lift.py"


def address(at) -> list[dict]:
    """The kept scenarios the page address holds."""
    v = at.query_params["options"]
    return json.loads(v[0] if isinstance(v, list) else v)


def open_page(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_keep_edit_and_remove_a_scenario():
    at = open_page(contacts="700")
    keep = next(b for b in at.button if b.key and b.key.startswith("new") and b.key.endswith("_go"))
    keep.click().run()
    assert not at.exception, [e.value for e in at.exception]
    kept = address(at)
    assert kept[0]["contacts"] == 700 and kept[0]["name"] == "A: 700 calls"
    # the kept scenario's figures are the page's own: the single what-if's net value, same words
    ev = evaluate(prepare(load_sample()))
    a = Assumptions(600, 8.0, 0.3, 0, capacity=1000, value_months=12)
    lift = lift_finding(analyse_lift(build_curves(ev), a, 700))
    table = at.dataframe[-1].value
    assert table.iloc[0]["Net value a month"].startswith(lift.fact("net").text)
    assert table.iloc[0]["Cost a month"] == lift.fact("cost").text
    # a second scenario with the discount for month-to-month customers
    at.slider(key="contacts").set_value(900).run()
    new = next(b for b in at.button if b.key and b.key.startswith("new900") and b.key.endswith("_go"))
    at.selectbox(key=new.key.replace("_go", "_ocol")).set_value("contract").run()
    at.multiselect(key=new.key.replace("_go", "_ovals")).set_value(["Month-to-month"]).run()
    at.number_input(key=new.key.replace("_go", "_ocost")).set_value(25.0).run()
    at.button(key=new.key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    kept = address(at)
    assert [k["name"] for k in kept] == ["A: 700 calls", "B: 900 calls"]
    assert kept[1]["offers"][0] == {"column": "contract", "values": ["Month-to-month"], "cost_per_contact": 25.0,
                                    "save_rate": 0.3}
    text = "\n".join(m.value for m in at.markdown)
    assert "Of the 2 options" in text
    # rename B, then remove A
    at.selectbox(key="edit_which").set_value(1).run()
    edit = next(b for b in at.button if b.key and b.key.startswith("edit1_") and b.key.endswith("_go"))
    at.text_input(key=edit.key.replace("_go", "_name")).set_value("Discount for month-to-month").run()
    at.button(key=edit.key).click().run()
    assert address(at)[1]["name"] == "Discount for month-to-month"
    at.button(key="remove0").click().run()
    assert [k["name"] for k in address(at)] == ["Discount for month-to-month"]


def test_a_link_restores_the_kept_scenarios_and_a_crafted_one_is_refused_in_words():
    link = json.dumps([{"name": "Cheap", "contacts": 500}, {"name": "Wide", "contacts": 1000, "cost_per_contact": 4}])
    at = open_page(options=link)
    assert [m.value for m in at.markdown if m.value.startswith("**") and "Cheap" in m.value]
    assert any("Of the 2 options" in m.value for m in at.markdown)
    at = open_page(options='[{"name": "x", "contacts": "lots"}, {"name": "y", "threshold": 5}]' + "]" * 3)
    assert any("could not be read" in w.value for w in at.warning)
    at = open_page(options=json.dumps([{"name": "bad", "contacts": 10, "focus": {"no_such": ["a"]}}]))
    assert any("not one of the customer columns" in i.value for i in at.info)
