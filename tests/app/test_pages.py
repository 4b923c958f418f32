"""Every page runs under AppTest without exception; the slider drives the numbers."""

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from storytelling.data import prepare
from storytelling.model import evaluate
from storytelling.sample import load_sample
from storytelling.story import has_jargon
from storytelling.targeting import Assumptions

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = ["app_pages/overview.py", "app_pages/data.py", "app_pages/retention_lift.py", "app_pages/fairness.py",
         "app_pages/backtest.py",
         "app_pages/drivers.py", "app_pages/ab_test.py", "app_pages/uplift.py", "app_pages/export.py"]


@pytest.fixture()
def app():
    """A session as a user has it: opened on the Overview, then moving between pages."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def page_text(at) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption] + [m.value for m in at.title]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs(app, page):
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


SAMPLE_ASSUMPTIONS = Assumptions(600, 8.0, 0.3, 0, capacity=1000, value_months=12)


def expected_metrics(k: int | None, a: Assumptions = SAMPLE_ASSUMPTIONS) -> list[str]:
    """The lift page's figures, counted here by brute force over the evaluated customers (the app's
    own code only formats them). ``None``: the most profitable list within capacity."""
    import numpy as np

    from storytelling.story import fmt_count, fmt_money, fmt_pct, round_sig

    f = evaluate(prepare(load_sample())).frame
    order = np.argsort(-f["score"].to_numpy(), kind="stable")  # ties in input order
    churned = f["churned"].to_numpy()[order]
    lost = (f["value"] * a.value_months * f["churned"]).to_numpy()[order]  # what each leaver is worth if kept

    def outcome(n: int) -> tuple[float, float, float, float]:
        saved, value = a.save_rate * churned[:n].sum(), a.save_rate * lost[:n].sum()
        cost = a.cost_per_contact * n + a.fixed_cost
        return churned[:n].sum(), saved, value - cost, cost

    if k is None:  # the recommended list: the best within capacity, or the whole capacity when a longer list
        nets = [outcome(n)[2] for n in range(1, a.capacity + 1)]  # pays more and it earns within 1% of that best
        k = int(np.argmax(nets)) + 1
        every = a.save_rate * np.cumsum(lost) - a.cost_per_contact * np.arange(1, len(lost) + 1) - a.fixed_cost
        longer_pays = int(np.argmax(every)) + 1 > a.capacity
        if longer_pays and nets[-1] >= max(nets) - 0.01 * abs(max(nets)):
            k = a.capacity
    reached, saved, net, cost = outcome(k)
    return [fmt_count(saved), fmt_money(net), fmt_money(cost), fmt_pct(round_sig(net / cost, 2)), fmt_count(reached)]


def test_slider_changes_the_numbers(app):
    app.switch_page("app_pages/retention_lift.py").run()
    before = [m.value for m in app.metric]
    assert before == expected_metrics(None)  # the most profitable list within capacity
    assert not any("longer than marketing's capacity" in w.value for w in app.warning)
    app.slider(key="contacts").set_value(2500).run()
    after = [m.value for m in app.metric]
    assert not app.exception
    assert any("list of 2,500 customers is longer than marketing's capacity of 1,000" in w.value for w in app.warning)
    assert after != before
    assert after == expected_metrics(2500)
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Contact list (Excel)" in labels and "Contact list (CSV)" in labels


def test_threshold_policy(app):
    app.switch_page("app_pages/retention_lift.py").run()
    app.segmented_control(key="policy").set_value("Risk threshold").run()
    assert not app.exception
    app.slider(key="threshold").set_value(10.0).run()
    assert not app.exception
    assert "Kept / month" in [m.label for m in app.metric]
    app.segmented_control(key="policy").set_value("Number of customers").run()


def fresh(page: str, **params) -> AppTest:
    """A new session opened on ``page`` through a link carrying ``params``.

    (AppTest stops showing the sidebar after switch_page in a running session, so sidebar
    settings reach a page the way a shared link does.)
    """
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = str(value)
    return at.switch_page(page).run()


def test_assumptions_change_the_numbers():
    at = fresh("app_pages/retention_lift.py", cost=20.0)
    assert not at.exception
    a = Assumptions(600, 20.0, 0.3, 0, capacity=1000, value_months=12)
    assert at.metric[1].value == expected_metrics(None, a)[1]
    assert at.metric[1].value != expected_metrics(1000)[1]


@pytest.mark.parametrize("page", PAGES)
def test_executive_mode_has_no_jargon(app, page):
    app.switch_page(page).run()
    assert has_jargon(page_text(app)) == []


def test_data_scientist_mode_adds_model_figures():
    at = fresh("app_pages/retention_lift.py", audience="Data scientist")
    assert not at.exception
    assert "AUC" in page_text(at)


def test_roles_can_be_edited():
    at = fresh("app_pages/data.py")
    at.selectbox(key="role_label@sample").set_value("(none)")
    at.button[0].click().run()
    assert not at.exception
    assert any("who left" in e.value for e in at.error)
    at.selectbox(key="role_label@sample").set_value("churned_next_30d")
    at.button[0].click().run()
    assert not at.error


def test_shared_link_restores_the_scenario():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["contacts"] = "2500"
    at.query_params["cost"] = "20.0"
    at.switch_page("app_pages/retention_lift.py").run()
    assert not at.exception
    assert at.slider(key="contacts").value == 2500
    assert at.sidebar.number_input(key="cost").value == 20.0


def test_bad_upload_shows_a_message_not_a_traceback(tmp_path, monkeypatch):
    # The page context is built from the session; simulate an upload that fails validation.
    from storytelling.ui import caches

    at = AppTest.from_file(APP, default_timeout=120)
    bad = pd.DataFrame({"a": [1, 2, 3]})
    monkeypatch.setattr(caches, "load_sample", lambda: bad)
    caches.cached_raw.clear()
    at.run()
    caches.cached_raw.clear()
    assert not at.exception
    assert at.error, "a clear message is shown"


def test_backtest_is_cached_and_joins_the_overview(monkeypatch):
    from storytelling import backtest

    at = fresh("app_pages/backtest.py")
    assert not at.exception and not at.error
    titles = [m.value for m in at.markdown if m.value.startswith("### ")]
    assert any("Had we used the model since" in t for t in titles)
    trained = []
    monkeypatch.setattr(backtest, "score_backtest", lambda *a, **k: trained.append(1) or pytest.fail("retrained"))
    # Revisiting the page and moving an unrelated widget (the audience) use the cache.
    at2 = fresh("app_pages/backtest.py", audience="Data scientist")
    assert not at2.exception and trained == []
    assert any("AUC" in str(m.value) for m in at2.markdown) or "AUC" in page_text(at2) or at2.dataframe
    # Changing an assumption re-prices the months without retraining.
    at3 = fresh("app_pages/backtest.py", cost=20.0)
    assert not at3.exception and trained == []
    net = lambda a: next(m.value for m in a.markdown if m.value.startswith("### Had we used"))  # noqa: E731
    assert net(at3) != net(at)
    # The backtest joins the story on the Overview, priced under the current assumptions.
    at.switch_page("app_pages/overview.py").run()
    assert any("Had we used the model since" in m.value for m in at.markdown)
    # ... and follows an assumption changed after the backtest ran (no stale figures).
    title3 = net(at3).lstrip("# ")
    at.session_state["cost"] = 20.0
    at.switch_page("app_pages/overview.py").run()
    assert title3 in [m.value.lstrip("# ") for m in at.markdown]


def test_drivers_page_explains_and_joins_the_overview():
    at = fresh("app_pages/drivers.py")
    assert not at.exception and not at.error
    text = page_text(at)
    assert "say most about who leaves" in text
    assert "not proof of what makes customers leave" in "\n".join(i.value for i in at.info)
    first = at.selectbox(key="customer").value
    assert f"The model puts Customer {first}'s risk of leaving within a month at" in text
    # picking another customer explains that one
    other = at.selectbox(key="customer").options[5].split(" · ")[0]
    at.selectbox(key="customer").set_value(other).run()
    assert not at.exception
    assert f"Customer {other}'s risk of leaving" in page_text(at)
    # the drivers join the Overview
    at.switch_page("app_pages/overview.py").run()
    assert "say most about who leaves" in page_text(at)


def test_glossary_edit_changes_the_sentences():
    at = fresh("app_pages/drivers.py")
    assert "whose tenure is" in page_text(at)
    from storytelling.ui.context import GLOSSARY_EDITS
    key = next(iter(at.session_state[GLOSSARY_EDITS])) if GLOSSARY_EDITS in at.session_state else "sample"
    at.session_state[GLOSSARY_EDITS] = {key: {"tenure_months": {"name": "time with us", "unit": "months"}}}
    at.run()
    assert not at.exception
    text = page_text(at)
    assert "whose time with us is" in text and "whose tenure is" not in text


def _upload_model(at, name: str, content: bytes):
    at.radio(key="drivers_model").set_value("uploaded").run()
    at.file_uploader(key="model_upload").upload(name, content).run()
    return at


def test_uploaded_skops_model_is_explained():
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    df = load_sample()
    df = df[df["churned_next_30d"].notna()].tail(3000)
    cols = ["tenure_months", "support_tickets_90d", "usage_trend_pct"]
    model = LogisticRegression(max_iter=500).fit(df[cols], df["churned_next_30d"].astype(int))
    at = _upload_model(fresh("app_pages/drivers.py"), "mine.skops", sio.dumps(model))
    assert not at.exception and not at.error, [e.value for e in at.error]
    text = page_text(at)
    assert "say most about who leaves" in text and "risk of leaving within a month at" in text


def test_unsafe_or_broken_model_upload_gives_a_message():
    import os

    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    at = _upload_model(fresh("app_pages/drivers.py"), "evil.skops", sio.dumps(FunctionTransformer(os.getcwd)))
    assert not at.exception
    assert any("for safety" in e.value for e in at.error)


def test_scores_without_a_model_offer_a_stand_in(monkeypatch):
    from storytelling.ui import caches

    df = load_sample()
    df = df[df["snapshot_date"] >= df["snapshot_date"].max() - pd.DateOffset(months=2)].copy()
    df["churn_score"] = (0.02 + 0.3 * (df["contract"] == "Month-to-month") / (1 + df["tenure_months"] / 12)).astype(float)
    monkeypatch.setattr(caches, "load_sample", lambda: df)
    caches.cached_raw.clear()
    try:
        at = fresh("app_pages/drivers.py")
        assert not at.exception and not at.error
        assert at.radio(key="drivers_model").value == "stand-in"
        at.button[0].click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        text = page_text(at)
        assert "stand-in model that imitates your scores" in text
        assert "say most about who leaves" in text
    finally:
        caches.cached_raw.clear()


def test_ab_page_plans_and_reads_the_sample_test():
    from storytelling.abtest import read_test, results_from_table
    from storytelling.sample import load_sample_ab

    at = fresh("app_pages/ab_test.py")
    assert not at.exception and not at.error
    text = page_text(at)
    assert "A fair test needs" in text and "Splitting everyone dilutes the effect" in text
    expected = read_test(*results_from_table(load_sample_ab()))
    assert expected.verdict.split(":")[0] in text
    # switching the design changes the plan
    before = next(m.value for m in at.markdown if "A fair test needs" in m.value)
    at.radio(key="ab_design").set_value("everyone").run()
    after = next(m.value for m in at.markdown if "A fair test needs" in m.value)
    assert not at.exception and before != after
    # the readout joins the Overview
    at.switch_page("app_pages/overview.py").run()
    assert expected.verdict.split(":")[0] in page_text(at)


def test_ab_counts_entry_warns_about_a_broken_split():
    at = fresh("app_pages/ab_test.py", audience="Data scientist")
    at.segmented_control(key="ab_entry").set_value("Enter counts").run()
    assert not at.exception
    at.number_input(key="ab_cn").set_value(5000)
    at.number_input(key="ab_cc").set_value(750)
    at.number_input(key="ab_tn").set_value(6000)
    at.number_input(key="ab_tc").set_value(600).run()
    assert not at.exception
    assert any("not the size the split planned" in w.value for w in at.warning)
    assert "p-value" in page_text(at)


def test_ab_upload_of_results():
    at = fresh("app_pages/ab_test.py")
    csv = "group,churned\n" + "control,1\n" * 30 + "control,0\n" * 170 + "test,1\n" * 10 + "test,0\n" * 190
    at.file_uploader(key="ab_upload").upload("results.csv", csv.encode()).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "30 of 200 left" in page_text(at)
    at.file_uploader(key="ab_upload").clear()
    bad = fresh("app_pages/ab_test.py")
    bad.file_uploader(key="ab_upload").upload("r.csv", b"group,churned\nx,1\ny,0\n").run()
    assert not bad.exception and any("control or test" in e.value for e in bad.error)


def test_backtest_caveat_links_to_the_ab_page():
    at = fresh("app_pages/backtest.py")
    assert any(p.proto.page == "ab_test" and "A/B test" in p.proto.label for p in at.get("page_link"))


def test_export_builds_the_deck_the_pages_show():
    import io

    from pptx import Presentation

    at = fresh("app_pages/drivers.py")
    at.switch_page("app_pages/export.py").run()
    assert not at.exception and not at.error
    assert "drivers" in at.multiselect(key="export_findings").value  # the visited page's finding joins
    at.text_input(key="export_title").input("Board update").run()
    at.button[0].click().run()
    assert not at.exception
    assert at.get("download_button")[0].proto.label == "Deck (.pptx)"
    files = at.session_state["_export_files"]
    deck = Presentation(io.BytesIO(files["pptx"]))
    assert deck.slides[0].shapes.title.text == "Board update"
    overview = fresh("app_pages/overview.py")
    lift_title = next(m.value for m in overview.markdown if m.value.startswith("#### Calling the top"))
    assert lift_title.lstrip("# ").replace("\\", "") in [s.shapes.title.text for s in deck.slides]
    assert files["md"].decode().startswith("**Update: Board update**")


def test_story_config_downloads_and_loads():
    at = fresh("app_pages/export.py", cost=14.0)
    assert not at.exception
    assert [b for b in at.get("download_button") if b.proto.label == "Download story.toml"]
    # load a config: the assumptions follow it
    at2 = fresh("app_pages/retention_lift.py")
    before = at2.metric[1].value
    at2.switch_page("app_pages/export.py").run()
    at2.file_uploader(key="config_upload").upload(
        "story.toml", b'[story]\ntitle = "From file"\n[assumptions]\ncost_per_contact = 25.0\n').run()
    assert not at2.exception and not at2.error
    assert at2.text_input(key="export_title").value == "From file"
    at2.switch_page("app_pages/retention_lift.py").run()
    assert at2.metric[1].value != before
    bad = fresh("app_pages/export.py")
    bad.file_uploader(key="config_upload").upload("story.toml", b"[assumptions]\nsave_rate = 9\n").run()
    assert not bad.exception and any("between 0 and 1" in e.value for e in bad.error)


def test_glossary_names_reach_the_lift_page():
    from storytelling.ui.context import GLOSSARY_EDITS

    at = fresh("app_pages/retention_lift.py", view="Who gets contacted")
    at.session_state[GLOSSARY_EDITS] = {"sample": {"contract": {"name": "agreement", "unit": ""}}}
    at.run()
    assert not at.exception
    assert "Agreement" in at.selectbox(key="segment").options


# -- one guard around every page (issue 14) -----------------------------------------------------


@pytest.mark.parametrize(("page", "params", "said"), [
    ("app_pages/ab_test.py", {"save": 100, "contacts": 10}, "keeps every contacted leaver"),
    ("app_pages/retention_lift.py", {"policy": "Risk threshold", "threshold": 100}, None),
    ("app_pages/retention_lift.py", {"contacts": -5}, None),
    ("app_pages/overview.py", {"contacts": 10**12, "cost": -3, "save": 1000}, None),
])
def test_crafted_links_get_a_message_not_a_traceback(page, params, said):
    at = fresh(page, **params)
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert (said in errors) if said else not errors, errors
    assert "top 0 customers" not in page_text(at)


def test_an_unexpected_fault_shows_an_error_id_and_logs_the_details(monkeypatch, caplog):
    """A fault of ours: one short message with an id on the page, the traceback only in the log."""
    import re

    import storytelling.lift
    from storytelling.ui.guard import RAISE_ENV

    def broken(*_a, **_k):
        raise RuntimeError("boom in /srv/secret/path.py")

    monkeypatch.delenv(RAISE_ENV)
    monkeypatch.setattr(storytelling.lift, "lift_finding", broken)
    with caplog.at_level("ERROR", logger="storytelling"):
        at = fresh("app_pages/retention_lift.py")
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    eid = re.search(r"error id ([0-9a-f]{8})", shown)
    assert eid and "/srv/secret" not in shown and "RuntimeError" not in shown
    logged = [r for r in caplog.records if eid.group(1) in r.getMessage()]
    assert logged and "boom in /srv/secret/path.py" in str(logged[0].exc_info[1])


def test_the_overview_opens_with_what_changed_since_the_last_update(app):
    """The same 'Since the last update' finding the note opens with (its title and headline)."""
    from storytelling.cli import build_story_from_config
    from storytelling.config import StoryConfig

    changes = build_story_from_config(StoryConfig(backtest_months=0, drivers=False), log=lambda m: None,
                                      keep_history=False).finding("changes")
    from storytelling.story import md_escape

    text = page_text(app)
    assert changes.title.startswith("Since ") and md_escape(changes.title) in text
    assert md_escape(changes.headline) in text
