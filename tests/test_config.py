import pytest

from storytelling.config import StoryConfig, parse_config, to_toml
from storytelling.data import DataError


def test_round_trip():
    cfg = StoryConfig(title='Q3 "churn" story', data_path="customers.csv", data_name="Q3", capacity=None,
                      value_months=None, value_per_saved=450.5, contacts=1200, findings=["lift", "drivers"],
                      roles={"id": "cust", "date": None, "label": "left", "score": None, "value": None,
                             "status_quo": None, "contacted": "called", "features": ["plan", "tenure months"]},
                      glossary={"tenure months": {"name": "time with us", "unit": "months"}},
                      brand_colour="#D55E00", ab_results="ab.csv", ab_design="everyone", ab_test_share=0.9,
                      ab_planned_total=8000, ab_confidence=0.9)
    back = parse_config(to_toml(cfg))
    assert back == cfg
    assert back.ab_ratio == pytest.approx(9.0)


def test_ab_settings_are_checked():
    with pytest.raises(DataError, match="ab.test_share"):
        parse_config("[ab]\ntest_share = 1.5\n")
    assert parse_config("[ab]\ntest_share = 0.1\n").ab_ratio == pytest.approx(1 / 9)


def test_warehouse_source_round_trip(tmp_path):
    cfg = StoryConfig(data_sql="postgresql://reader@db/analytics", data_query="SELECT * FROM scores WHERE x = 'a'")
    assert parse_config(to_toml(cfg)) == cfg
    local = parse_config('[data]\nsql = "w.duckdb"\ntable = "scores"\n', base=tmp_path)
    assert local.data_sql == str(tmp_path / "w.duckdb") and local.data_table == "scores"
    assert parse_config('[data]\nsql = "warehouse"\ntable = "t"\n').data_sql == "warehouse"  # a connection name


def test_relative_paths_follow_the_config(tmp_path):
    cfg = parse_config('[data]\npath = "c.csv"\n[ab]\nresults = "ab.csv"\n', base=tmp_path)
    assert cfg.data_path == str(tmp_path / "c.csv") and cfg.ab_results == str(tmp_path / "ab.csv")


@pytest.mark.parametrize("text,msg", [
    ("[assumptions]\nsave_rate = 3\n", "between 0 and 1"),
    ('[assumptions]\ncost_per_contact = "eight"\n', "must be a number"),
    ('[story]\naudience = "CEO"\n', "audience must be one of"),
    ('[story]\nbrand_colour = "red;"\n', "brand_colour"),
    ("[roles]\nchurn = 'x'\n", "unknown entries"),
    ("[story\n", "not valid TOML"),
    ('[ab]\ndesign = "half"\n', "ab.design"),
    ('[data]\nsql = "duckdb:///w.duckdb"\n', "table"),
    ('[data]\nsql = "duckdb:///w.duckdb"\ntable = "a"\nquery = "SELECT 1"\n', "one of the two"),
    ('[data]\nsql = "duckdb:///w.duckdb"\ntable = "a"\npath = "c.csv"\n', "keep one"),
    # issue 14: values out of range or of the wrong kind are refused, never ignored or crashed on
    ("[scenario]\nthreshold = 1.0\n", "above 0 and below 1"),
    ("[scenario]\nthreshold = 0\n", "above 0 and below 1"),
    ("[scenario]\ncontacts = 1e12\n", "whole number"),
    ("[scenario]\ncontacts = 1000000000000\n", "between 1 and 10,000,000"),
    ("[scenario]\ncontacts = 0\n", "between 1 and 10,000,000"),
    ("[scenario]\ncontacts = 10\nthreshold = 0.5\n", "keep one"),
    ("[assumptions]\ncapacity = 2.5\n", "whole number"),
    ("[assumptions]\ncost_per_contact = 1e300\n", "between 0 and 10,000"),
    ("[assumptions]\nvalue_months = 0\n", "between 1 and 120"),
    ('[assumptions]\nuse_value = "no"\n', "true or false"),
    ('[story]\ndrivers = "no"\n', "true or false"),
    ("[roles]\nfeatures = 5\n", "list of column names"),
    ('[roles]\nfeatures = ["a", 1]\n', "list of column names"),
    ('[roles]\nlabel = ["a", "b"]\n', "one column name"),
    ("[roles]\nid = 7\n", "one column name"),
    ("[glossary.plan]\nname = 3\n", "name and a unit"),
    ("[story]\nx = " + "[" * 100_000 + "]" * 100_000 + "\n", "too deeply"),
    ("[data]\nquery_seconds = 0\n", "between 1 and 3600"),
])
def test_bad_configs_say_what_to_fix(text, msg):
    with pytest.raises(DataError, match=msg):
        parse_config(text)


def test_a_threshold_of_zero_point_something_and_big_lists_still_read():
    cfg = parse_config("[scenario]\nthreshold = 0.05\n[assumptions]\ncapacity = 0\n[data]\nquery_seconds = 30\n")
    assert cfg.threshold == 0.05 and cfg.capacity is None and cfg.query_seconds == 30.0
    assert parse_config(to_toml(cfg)).query_seconds == 30.0


def test_uploaded_configs_never_allow_pickle():
    text = '[model]\npath = "m.pkl"\nallow_pickle = true\n'
    assert not parse_config(text).model.allow_pickle
    assert parse_config(text, trusted=True).model.allow_pickle
    assert "allow_pickle" not in to_toml(parse_config(text, trusted=True))



def test_the_app_offers_the_session_setup_as_a_config():
    """What the Export page offers for download reads back as the session's setup."""
    from tests.app.test_pages import fresh

    at = fresh("app_pages/export.py", cost=14.0, contacts=1500)
    assert not at.exception
    cfg = parse_config(at.session_state["_export_toml"])
    assert cfg.cost_per_contact == 14.0 and cfg.contacts == 1500 and cfg.save_rate == 0.3
    assert cfg.roles["label"] == "churned_next_30d" and "tenure_months" in cfg.roles["features"]
    assert cfg.data_path is None  # the sample
    assert cfg.findings[:4] == ["decision", "population", "changes", "ab_readout"]  # the sample's test has run


def test_the_server_config_is_hardened():
    """The Streamlit settings the README's Security section promises."""
    import tomllib
    from pathlib import Path

    cfg = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["server"]["enableXsrfProtection"] is True and cfg["server"]["maxUploadSize"] == 200
    assert cfg["client"]["disableDataExport"] is True and cfg["client"]["showErrorDetails"] == "none"


def test_an_uploaded_config_cannot_connect_the_app_to_a_database():
    """A story.toml naming a warehouse only adds a note: the source stays the server's choice."""
    from streamlit.testing.v1 import AppTest

    from tests.app.test_pages import APP

    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("app_pages/export.py").run()
    text = b'[data]\nsql = "duckdb:////etc/evil.duckdb"\ntable = "x"\n'
    at.file_uploader(key="config_upload").upload("story.toml", text).run()
    assert not at.exception
    notes = " ".join(c.value for c in at.caption)
    assert "reads table 'x' from the warehouse" in notes
    assert "source" not in at.session_state or at.session_state["source"] != "Warehouse"
    assert "Northwind Broadband (synthetic)" in notes  # the sidebar still shows the sample


def test_the_sidebar_starts_from_the_config_defaults():
    """Widget defaults come from StoryConfig(): a fresh session's saved setup is the default config's."""
    from tests.app.test_pages import fresh

    at = fresh("app_pages/export.py")
    assert not at.exception
    cfg, default = parse_config(at.session_state["_export_toml"]), StoryConfig()
    assert cfg.assumptions() == default.assumptions() and cfg.audience == default.audience


def test_a_number_too_long_to_read_is_refused_in_words():
    from storytelling.data import DataError

    with pytest.raises(DataError, match="cannot be read"):
        parse_config("[assumptions]\ncapacity = " + "9" * 5000)
