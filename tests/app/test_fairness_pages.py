"""The sensitive role on the Data page, and the 'Who is on the list' page, as a user sees them."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.test_pages import APP, fresh, page_text


def test_sensitive_columns_are_a_role_of_their_own_and_used_only_when_allowed():
    at = fresh("app_pages/data.py")
    assert at.multiselect(key="role_sensitive@sample").value == ["age_band"]
    assert "age_band" not in at.multiselect(key="role_features@sample").value
    assert any("described, not used" in c.value for c in at.caption)  # the one-line reason
    at.switch_page("app_pages/drivers.py").run()
    assert "(age band) are not used by this model" in page_text(at)
    at.switch_page("app_pages/data.py").run()
    at.checkbox(key="role_use_sensitive@sample").check()
    at.button[0].click().run()
    assert not at.exception
    at.switch_page("app_pages/drivers.py").run()
    assert not at.exception
    assert "This model reads sensitive columns\\: age band (age)" in page_text(at)  # (the colon escaped)
    at.switch_page("app_pages/fairness.py").run()
    assert not at.exception and not at.error
    text = page_text(at)
    assert "The model uses age band" in text  # the title, or the headline when a group leans
    assert "A model without age band" in text  # the other list, priced


def test_who_is_on_the_list_page_with_a_picked_column():
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("app_pages/fairness.py").run()
    assert not at.exception and not at.error
    assert any("Each group on the list of" in s.value for s in at.subheader)
    at.multiselect(key="fairness_columns").set_value(["region"]).run()
    assert not at.exception and not at.error
    assert "#### Region" in page_text(at)
    assert len(at.dataframe) >= 3  # age band, region, the other lists
