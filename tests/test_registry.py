"""The registry of analyses: an analysis plugs in once and every view tells it.

A toy analysis registered here (no other module touched) must appear in the CLI's story, the
deck, the update note and the app's Overview; the built-in ones are found without being listed;
what the data cannot support or nobody asked for is named, never dropped silently.
"""

import io
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from storytelling import registry
from storytelling.cli import build_story_from_config, main
from storytelling.config import StoryConfig
from storytelling.data import DataError
from storytelling.export import to_html, to_pptx
from storytelling.registry import Analysis, NotComputed, Run, register, run_all, run_one
from storytelling.story import Fact, Finding, fmt_count

ROOT = Path(__file__).resolve().parents[1]


def _toy_findings(result: dict, lift) -> list[Finding]:
    n = result["flagged"]
    return [Finding(key="toy_flagged", title=f"Toy check: {fmt_count(n)} on the list hold the top score band",
                    headline=f"{n} customers on the list have a risk of 50% or more.",
                    facts={"flagged": Fact("flagged", n, "customers", fmt_count(n))})]


def _toy_compute(run: Run, options: dict) -> dict:
    scores = run.evaluation.frame["score"].to_numpy()
    top = pd.Series(scores).sort_values(ascending=False, kind="stable").head(run.lift.contacts)
    return {"flagged": int((top >= options["cut"]).sum())}


@pytest.fixture()
def toy():
    # its own option comes from story.toml's [analyses.toy] table: no other module knows it
    a = register(Analysis(key="toy", name="Toy check", order=99, compute=_toy_compute, findings=_toy_findings,
                          options=lambda run: {"cut": run.config.analyses.get("toy", {}).get("cut", 0.5)}))
    yield a
    registry.unregister("toy")


def test_built_in_analyses_are_found_in_story_order():
    keys = [a.key for a in registry.analyses()]
    assert keys == ["changes", "lift", "options", "fairness", "backtest", "drivers", "ab_plan", "ab_readout", "uplift"]
    assert registry.supporting_keys() == {"backtest_timeline", "backtest_quality", "fairness_check", "uplift_curve"}


def test_a_toy_analysis_reaches_the_cli_the_deck_and_the_note(toy, tmp_path, capsys):
    story = build_story_from_config(StoryConfig(drivers=False), log=lambda *_: None)
    toy_f = next(f for f in story.findings if f.key == "toy_flagged")
    # its figure, checked against a direct count over the sample's evaluated month
    from storytelling.data import prepare
    from storytelling.lift import analyse_lift, build_curves, default_contacts
    from storytelling.model import evaluate_cached
    from storytelling.sample import load_sample

    ev = evaluate_cached(prepare(load_sample()))
    curves = build_curves(ev)
    k = analyse_lift(curves, StoryConfig().assumptions(), default_contacts(curves, StoryConfig().assumptions())).contacts
    expected = int((ev.frame["score"].sort_values(ascending=False).head(k) >= 0.5).sum())
    assert toy_f.fact("flagged").value == expected
    deck = Presentation(io.BytesIO(to_pptx(story)))
    texts = " ".join(sh.text_frame.text for s in deck.slides for sh in s.shapes if sh.has_text_frame)
    assert toy_f.title in texts
    assert toy_f.title in to_html(story, charts=False)
    # the command itself, with the analysis's own option in story.toml
    cfg = tmp_path / "story.toml"
    cfg.write_text("[story]\ndrivers = false\n\n[analyses.toy]\ncut = 0.2\n")
    assert main(["build", "--config", str(cfg), "--pptx", str(tmp_path / "d.pptx")]) == 0
    deck = Presentation(str(tmp_path / "d.pptx"))
    text = " ".join(sh.text_frame.text for s in deck.slides for sh in s.shapes if sh.has_text_frame)
    lower = int((ev.frame["score"].sort_values(ascending=False).head(k) >= 0.2).sum())
    assert lower > expected and f"Toy check: {fmt_count(lower)} on the list" in text


def test_a_toy_analysis_reaches_the_overview(toy):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Toy check" in text and "on the list hold the top score band" in text


def _run(cfg: StoryConfig | None = None, **kw) -> Run:
    from storytelling.glossary import Glossary
    from storytelling.lift import analyse_lift
    from storytelling.source import open_source

    cfg = cfg or StoryConfig()
    source = open_source()
    ev = source.evaluate()
    curves = source.curves(ev, use_value=True)
    lift = analyse_lift(curves, cfg.assumptions(), 1000)
    return Run(source, ev, lift, cfg, Glossary.infer(source.data.frame, source.data.features), **kw)


def test_what_is_left_out_is_named_with_why():
    def lookup_only(key, fn, *, slow=False):
        if slow:
            raise NotComputed("not computed yet in this session: open its page.")
        return fn()

    out = run_all(_run(StoryConfig(backtest_months=0), memo=lookup_only))
    assert "backtest_months = 0" in out.left_out["backtest"]
    assert "open its page" in out.left_out["drivers"]  # a slow step the view does not start
    assert set(out.results) == {"changes", "lift", "ab_plan", "ab_readout"}  # the sample comes with its campaign test
    out = run_all(_run(StoryConfig(save_rate=1.0)))
    assert "nothing left to test" in out.left_out["ab_plan"] and "ab_plan" not in out.failed


def test_a_need_the_data_lacks_is_said_and_a_page_cannot_force_it():
    from storytelling.glossary import Glossary
    from storytelling.lift import analyse_lift
    from storytelling.source import FileSource

    rng = pd.Series(range(400))
    df = pd.DataFrame({"left": (rng % 5 == 0).astype(int), "tenure": rng % 37, "plan": (rng % 3).astype(str)})
    source = FileSource.read(df, name="undated")
    ev = source.evaluate()
    curves = source.curves(ev, use_value=False)
    cfg = StoryConfig(backtest_months=6, value_months=None)
    run = Run(source, ev, analyse_lift(curves, cfg.assumptions(), 50), cfg,
              Glossary.infer(source.data.frame, source.data.features))
    out = run_all(run)
    assert out.cannot == {"backtest": "the data has no snapshot dates", "changes": "the data has no snapshot dates",
                          "fairness": "no column of the data looks sensitive"}
    assert "backtest" not in out.left_out and not any(f.key.startswith("backtest") for f in out.findings)
    with pytest.raises(DataError, match="Backtest cannot be shown: the data has no snapshot dates"):
        run_one("backtest", run, {"months": 3})


def test_a_config_asking_for_the_impossible_fails_the_build(tmp_path, capsys):
    bad = tmp_path / "ab.csv"
    bad.write_text("who,what\n1,2\n")
    cfg = tmp_path / "story.toml"
    cfg.write_text(f"[story]\ndrivers = false\n\n[ab]\nresults = \"{bad}\"\n")
    assert main(["build", "--config", str(cfg), "--md", str(tmp_path / "n.md")]) == 2
    assert "A/B test readout:" in capsys.readouterr().err and not (tmp_path / "n.md").exists()


def test_a_broken_analysis_leaves_the_rest_of_the_overview(monkeypatch):
    monkeypatch.delenv("STORYTELLING_RAISE_ERRORS", raising=False)

    def broken(run, options):
        raise ZeroDivisionError("a bug in a new analysis")

    register(Analysis(key="broken", name="Broken", order=5, compute=broken, findings=_toy_findings,
                      options=lambda run: {}))
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        assert not at.exception
        assert any("customers left within a month" in m.value for m in at.markdown)  # the story is still told
    finally:
        registry.unregister("broken")


def test_the_result_store_computes_each_step_once_even_after_a_failure():
    import threading
    import time

    from storytelling.ui.caches import ResultStore

    store, running, most, calls = ResultStore(max_entries=2), [0], [0], []
    gate = threading.Event()

    def step(fail: bool):
        def fn():
            running[0] += 1
            most[0] = max(most[0], running[0])
            calls.append(fail)
            time.sleep(0.2)
            running[0] -= 1
            if fail:
                raise RuntimeError("stopped")
            return 42
        return fn

    results = []

    def ask(fail: bool):
        gate.wait()
        try:
            results.append(store.compute("d", ("k",), step(fail)))
        except RuntimeError:
            results.append("failed")

    first = threading.Thread(target=ask, args=(True,))
    first.start()
    gate.set()
    time.sleep(0.05)  # the first is computing (and will fail); two more arrive, one of them late
    others = [threading.Thread(target=ask, args=(False,)) for _ in range(2)]
    others[0].start()
    time.sleep(0.3)
    others[1].start()
    for t in [first, *others]:
        t.join()
    assert most[0] == 1  # never two computations of one step at once
    assert sorted(map(str, results)) == ["42", "42", "failed"] and calls == [True, False]
    for i in range(3):  # the oldest entries leave first
        store.compute("d", (i,), lambda i=i: i)
    assert store.get((0,))[0] is False and store.get((2,)) == (True, 2)


def test_a_dated_table_too_short_to_replay_builds_and_names_the_backtest(tmp_path, capsys):
    import numpy as np

    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"customer_id": np.tile(np.arange(n), 2), "snapshot_date": np.repeat(["2026-08-01", "2026-09-01"], n),
                       "churned": rng.random(2 * n) < 0.2, "tenure": rng.integers(1, 60, 2 * n),
                       "plan": rng.choice(["a", "b"], 2 * n)})
    path = tmp_path / "short.csv"
    df.to_csv(path, index=False)
    assert main(["build", "--data", str(path), "--md", str(tmp_path / "n.md")]) == 0
    err = capsys.readouterr().err
    assert "backtest: left out." in err and "history" in err
    assert "Backtest" in (tmp_path / "n.md").read_text()  # named in the note, not dropped


def test_the_backtest_pages_choices_travel_in_story_toml():
    from storytelling.config import parse_config, to_toml

    how = {"policy": "threshold", "threshold": 0.1, "window": "sliding", "window_months": 6,
           "end": "2026-08-01T00:00:00"}
    cfg = parse_config(to_toml(StoryConfig(backtest_months=3, drivers=False, analyses={"backtest": how})))
    assert cfg.analyses["backtest"] == how
    story = build_story_from_config(cfg, log=lambda *_: None, full=True)
    total = story.finding("backtest_total")
    assert total.fact("since").value == "2026-06-01" and total.fact("months").value == 3
    plain = build_story_from_config(StoryConfig(backtest_months=3, drivers=False), log=lambda *_: None)
    assert plain.finding("backtest_total").fact("since").value == "2026-08-01"  # the latest 3 months by default
    assert plain.finding("backtest_total").fact("cost").value != total.fact("cost").value  # a 10% threshold list


def test_the_ab_plans_own_numbers_are_checked():
    from storytelling.data import DataError

    for bad in ({"base": 1.5}, {"target": 0}, {"per_week": -3}, {"base": "ten"}, {"base": True}):
        cfg = StoryConfig(backtest_months=0, drivers=False, analyses={"ab_plan": bad})
        with pytest.raises(DataError, match="analyses.ab_plan"):
            build_story_from_config(cfg, log=lambda *_: None)
