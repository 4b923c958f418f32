"""The app on tables shaped unlike the sample: every page runs, and says only what the table shows."""

import io
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from storytelling.data import infer_roles
from tests.odd_tables import telco_like

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = ["app_pages/overview.py", "app_pages/data.py", "app_pages/retention_lift.py", "app_pages/backtest.py",
         "app_pages/drivers.py", "app_pages/ab_test.py", "app_pages/export.py"]
TABLE = telco_like(1500)


def csv_bytes() -> bytes:
    buf = io.StringIO()
    TABLE.to_csv(buf, index=False)
    return buf.getvalue().encode()


@pytest.fixture(scope="module")
def at():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("app_pages/data.py").run()  # the sample's roles form first
    at.radio(key="source").set_value("Upload a file").run()
    at.file_uploader(key="upload").upload("telco.csv", csv_bytes()).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def text_of(at) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption] + [m.value for m in at.title]
    parts += [f"{m.label} {m.value}" for m in at.metric] + [e.value for e in at.error] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_undated_table_without_month_wording(at, page):
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    text = text_of(at)
    if page.endswith("backtest.py"):
        assert "needs a snapshot date" in text
        return
    assert not at.error, [e.value for e in at.error]
    assert not re.search(r"last month|within a month|months like this one|evaluated period|Kept / month", text), page


def test_the_roles_form_shows_the_new_tables_guesses(at):
    at.switch_page("app_pages/data.py").run()
    assert at.multiselect(key=f"role_features@{at.session_state['roles']['_key']}").value == infer_roles(TABLE).features
    assert at.selectbox(key=f"role_id@{at.session_state['roles']['_key']}").value == "customerID"
    text = text_of(at)
    assert "'rownames' numbers the rows" in text


def test_lift_page_speaks_of_the_whole_file(at):
    at.switch_page("app_pages/retention_lift.py").run()
    text = text_of(at)
    assert f"of this file's {len(TABLE):,} customers" in text
    views = str(at.get("button_group"))
    assert "Model vs random" in views and "today's rule" not in views  # the table has no rule column
