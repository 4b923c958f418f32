"""The app on a warehouse: every page through st.connection, figures from the database's counts."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from storytelling.data import prepare
from storytelling.lift import analyse_lift, build_curves, lift_finding
from storytelling.model import evaluate
from storytelling.targeting import Assumptions
from tests.conftest import scored_table

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = ["app_pages/overview.py", "app_pages/data.py", "app_pages/retention_lift.py", "app_pages/backtest.py",
         "app_pages/drivers.py", "app_pages/ab_test.py", "app_pages/export.py"]


def on_warehouse(page: str, db: str | None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if db:
        at.secrets["connections"] = {"warehouse": {"url": f"duckdb:///{db}"}}
    at.session_state["source"] = "Warehouse"
    for k, v in state.items():
        at.session_state[k] = v
    return at.switch_page(page).run()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_a_warehouse(warehouse_db, page):
    at = on_warehouse(page, warehouse_db)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_lift_figures_match_the_same_rows_in_memory(warehouse_db):
    at = on_warehouse("app_pages/retention_lift.py", warehouse_db)
    got = {m.label: m.value for m in at.metric}
    ev = evaluate(prepare(scored_table()))  # the file route on the very same rows
    r = analyse_lift(build_curves(ev), Assumptions(600, 8.0, 0.3, 0, capacity=1000, value_months=12), 1000)
    T = {n: f.text for n, f in lift_finding(r).facts.items()}
    assert got["Campaign cost"] == T["cost"]
    assert got["Kept / month"] == T["saved"]  # rounded for people: the tolerance is far inside the rounding
    assert got["Leavers reached"] == T["reached"]
    assert "20,000 customers" in " ".join(c.value for c in at.caption)


def test_backtest_replays_the_stored_scores(warehouse_db):
    at = on_warehouse("app_pages/backtest.py", warehouse_db)
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "Replaying 4 months" in text and "score each customer had in the warehouse" in text
    assert "scores stored for each month" in text


def test_without_a_configured_warehouse_the_page_says_how(monkeypatch):
    monkeypatch.setattr("storytelling.ui.sidebar._connections", dict)  # whatever ~/.streamlit holds
    at = on_warehouse("app_pages/retention_lift.py", None)
    assert not at.exception
    assert any("secrets.toml" in i.value for i in at.info)
    assert at.metric  # the sample is shown meanwhile


@pytest.mark.parametrize(("query", "message"), [
    ("SELECT * FROM nowhere", "refused the query"),
    ("DROP TABLE scores", "Only a SELECT"),
    ("SELECT * FROM read_csv('/etc/passwd')", "refused the query"),
])
def test_bad_queries_show_a_message(warehouse_db, query, message):
    at = on_warehouse("app_pages/retention_lift.py", warehouse_db, sql_table="Write a query…", sql_query=query)
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]


def test_a_query_narrows_the_customers(warehouse_db):
    at = on_warehouse("app_pages/retention_lift.py", warehouse_db, sql_table="Write a query…",
                      sql_query="SELECT * FROM scores WHERE plan = 'Pro'")
    assert not at.exception and not at.error
    ref = scored_table()
    evaluated = ref.loc[ref["churned"].notna(), "snapshot_date"].max()
    pro = ref[(ref["plan"] == "Pro") & (ref["snapshot_date"] == evaluated)]
    assert f"{len(pro):,} customers" in " ".join(c.value for c in at.caption)


def test_a_parquet_folder_from_secrets(tmp_path):
    folder = tmp_path / "customers"
    folder.mkdir()
    for i, (_, part) in enumerate(scored_table(n=3000).groupby("snapshot_date")):
        part.to_parquet(folder / f"month-{i}.parquet")
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["connections"] = {"lake": {"url": str(folder)}}
    at.session_state["source"] = "Warehouse"
    at.switch_page("app_pages/retention_lift.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "3,000 customers" in " ".join(c.value for c in at.caption)


def test_the_saved_config_names_the_connection_and_table(warehouse_db):
    """The Export page's story.toml reads the same warehouse in the nightly job."""
    from storytelling.config import parse_config

    at = on_warehouse("app_pages/export.py", warehouse_db)
    assert not at.exception
    cfg = parse_config(at.session_state["_export_toml"])
    assert (cfg.data_sql, cfg.data_table, cfg.data_query, cfg.data_path) == ("warehouse", "scores", None, None)
    assert cfg.roles["score"] == "churn_score"


def test_roles_chosen_on_the_data_page_reach_the_queries(warehouse_db):
    """Roles are mapped as for files: without today's rule the lift page compares with random only."""
    from storytelling.warehouse import SqlSource, guess_roles

    roles = guess_roles(SqlSource(warehouse_db, table="scores")).to_dict()
    key = SqlSource("warehouse", table="scores").key
    at = on_warehouse("app_pages/retention_lift.py", warehouse_db, roles={"_key": key, **roles, "status_quo": None})
    assert not at.exception and not at.error
    text = " ".join(m.value for m in at.markdown)
    assert "today's rule" not in text.lower() and "random" in text
    with_rule = on_warehouse("app_pages/retention_lift.py", warehouse_db)
    assert "today's rule" in " ".join(m.value for m in with_rule.markdown).lower()


def test_a_slow_typed_query_stops_at_the_connection_s_time_limit(warehouse_db):
    """query_seconds from secrets.toml reaches every query; the page says why it stopped."""
    import time

    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["connections"] = {"warehouse": {"url": f"duckdb:///{warehouse_db}", "query_seconds": 1}}
    at.session_state["source"] = "Warehouse"
    at.session_state["sql_table"] = "Write a query…"
    at.session_state["sql_query"] = ("SELECT s.* FROM scores s, range(100000) r "
                                     "ORDER BY hash(r.range, s.customer_id)")
    t0 = time.perf_counter()
    at.switch_page("app_pages/data.py").run()
    assert time.perf_counter() - t0 < 30
    assert not at.exception
    assert any("did not answer within 1 seconds" in e.value for e in at.error), [e.value for e in at.error]


def test_a_bad_time_limit_in_secrets_is_refused(warehouse_db):
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["connections"] = {"warehouse": {"url": f"duckdb:///{warehouse_db}", "query_seconds": 0}}
    at.session_state["source"] = "Warehouse"
    at.switch_page("app_pages/retention_lift.py").run()
    assert not at.exception
    assert any("between 1 and 3600" in e.value for e in at.error), [e.value for e in at.error]


def test_a_warehouse_sample_that_fails_its_checks_can_be_fixed_on_the_data_page(tmp_path):
    """The table is read, but its rows repeat customers within a month: the Data page says so and
    still shows the table's columns and the roles form, so the user can choose another id column."""
    import duckdb

    frame = scored_table(n=2_000)
    frame["account"] = frame["customer_id"] % 50  # repeats within every month
    path = tmp_path / "dup.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("frame", frame)
        con.execute("CREATE TABLE scores AS SELECT * FROM frame")
    at = AppTest.from_file(APP, default_timeout=120)  # a connection of its own (caches are keyed by its name)
    at.secrets["connections"] = {"dup": {"url": f"duckdb:///{path}"}}
    at.session_state["source"] = "Warehouse"
    at.switch_page("app_pages/data.py").run()
    key = next(w.key for w in at.selectbox if (w.key or "").startswith("role_id@"))
    at.selectbox(key=key).set_value("account")
    at.button[0].click().run()  # Apply
    assert not at.exception
    assert any("repeat the same customer" in e.value for e in at.error)
    assert at.selectbox(key=key).value == "account" and "account" in at.selectbox(key=key).options
