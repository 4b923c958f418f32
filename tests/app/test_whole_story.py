"""One story, always whole: a fresh session's Overview and Export tell everything the data allows,
and the CLI with the story.toml downloaded from Export builds the same story."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from storytelling.cli import build_story_from_config
from storytelling.config import parse_config
from storytelling.export.pptx import outline

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def fresh(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    return at.switch_page(page).run()


def test_a_fresh_overview_tells_the_whole_story_without_visiting_a_page():
    at = fresh("app_pages/overview.py")
    assert not at.exception and not at.error
    text = " ".join(m.value for m in at.markdown)
    for words in ("Had we used the model since", "say most about who leaves", "What happens next"):
        assert words in text, words
    assert "A fair test needs" not in text  # the sample's campaign test has run: its readout replaces the plan
    assert "test shows" in text or "campaign kept customers" in text or "campaign made more" in text  # the readout
    # the only thing a fresh story lacks is what a visitor chooses: scenarios kept to compare (and it says so)
    missing = [c.value.replace("\\", "") for c in at.caption if "Not in this story" in c.value]
    assert missing == ["Not in this story: Options side by side. No scenarios were kept to compare (keep some on the "
                       "Retention lift page, or list them in story.toml as [[options]])."], missing


def test_the_cli_with_the_exported_story_toml_builds_the_apps_story(tmp_path):
    at = fresh("app_pages/export.py")
    assert not at.exception and not at.error
    toml = at.session_state["_export_toml"]
    cfg = parse_config(toml, base=tmp_path)
    assert cfg.backtest_months == 12 and cfg.findings and "ab_readout" in cfg.findings
    cli = build_story_from_config(cfg, log=lambda *_: None)
    listed = next(m.value for m in at.markdown if m.value.startswith("1. ")).splitlines()
    app_titles = [line.split(". ", 1)[1].replace("\\", "") for line in listed]  # the deck's slide titles
    assert app_titles == outline(cli)
    assert len(cli.findings) >= 8  # decision, population, lift, comparison, best size, what if, backtest, drivers, readout


def test_the_ab_pages_typed_numbers_travel_in_story_toml(tmp_path):
    at = fresh("app_pages/ab_test.py")
    at.number_input(key="ab_base_picks").set_value(12.5)
    at.number_input(key="ab_target_picks").set_value(9.0).run()
    assert not at.exception and not at.error
    at.switch_page("app_pages/export.py").run()
    cfg = parse_config(at.session_state["_export_toml"], base=tmp_path)
    assert cfg.analyses["ab_plan"]["base"] == 0.125 and cfg.analyses["ab_plan"]["target"] == 0.09
    cfg.findings, cfg.backtest_months, cfg.drivers = None, 0, False  # every finding, quickly
    story = build_story_from_config(cfg, log=lambda *_: None, full=True)
    plan = story.finding("ab_plan")
    assert plan.fact("baseline_rate").value == 0.125 and plan.fact("target_rate").value == 0.09

    again = fresh("app_pages/export.py")  # a new session loads that story.toml: the A/B page shows its numbers
    again.file_uploader(key="config_upload").upload("story.toml", at.session_state["_export_toml"].encode()).run()
    again.switch_page("app_pages/ab_test.py").run()
    assert not again.exception and not again.error
    assert again.number_input(key="ab_base_picks").value == 12.5
    assert again.number_input(key="ab_target_picks").value == 9.0
