"""Since the last update: a history of builds, forecast against outcome, and changes named only when real."""

import json

import numpy as np
import pandas as pd
import pytest

from storytelling.cli import build_story_from_config
from storytelling.config import StoryConfig
from storytelling.export import to_markdown
from storytelling.export.pptx import slide_findings
from storytelling.history import RunRecord, folder_for, forecast_range, read_history
from storytelling.monitor import EDGE_FLOOR, edge_trend, psi
from storytelling.story import fmt_pct

MONTHS = pd.date_range("2026-01-01", periods=8, freq="MS")


def panel(*, shift_contract: bool = False, churn_jump: bool = False, customers: int = 4000, seed: int = 3) -> pd.DataFrame:
    """A stable monthly panel (the same customers each month, the same drivers); ``shift_contract``
    moves the last (scored) month to far more month-to-month contracts; ``churn_jump`` doubles churn
    in the last month with outcomes."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, customers + 1)
    rows = []
    for i, month in enumerate(MONTHS):
        contract = rng.choice(["Month-to-month", "One year", "Two year"], customers, p=[0.45, 0.35, 0.2])
        if shift_contract and i == len(MONTHS) - 1:
            contract = rng.choice(["Month-to-month", "One year", "Two year"], customers, p=[0.8, 0.15, 0.05])
        tickets = rng.poisson(1.0, customers)
        tenure = rng.integers(1, 72, customers)
        logit = -3.6 + 1.4 * (contract == "Month-to-month") + 0.45 * tickets - 0.02 * tenure
        if churn_jump and i == len(MONTHS) - 2:
            logit = logit + 0.8
        left = (rng.random(customers) < 1 / (1 + np.exp(-logit))).astype(float)
        if i == len(MONTHS) - 1:
            left[:] = np.nan  # the month being scored: outcomes not known yet
        rows.append(pd.DataFrame({"customer_id": ids, "snapshot_date": month, "contract": contract,
                                  "tickets": tickets, "tenure": tenure, "churned": left}))
    return pd.concat(rows, ignore_index=True)


def until(df: pd.DataFrame, month) -> pd.DataFrame:
    """The panel as a build on ``month``'s outcomes saw it: the next month scored, its outcomes unknown."""
    nxt = pd.Timestamp(month) + pd.offsets.MonthBegin(1)
    out = df[df["snapshot_date"] <= nxt].copy()
    out.loc[out["snapshot_date"] == nxt, "churned"] = np.nan
    return out


def build(df: pd.DataFrame, tmp_path, history) -> object:
    path = tmp_path / f"data-{df['snapshot_date'].max():%Y%m}.parquet"
    df.to_parquet(path)
    cfg = StoryConfig(data_name="Panel", backtest_months=0, drivers=False, history=str(history), capacity=300)
    return build_story_from_config(cfg, data_path=str(path), log=lambda m: None, keep_history=True)


def test_psi_is_the_textbook_sum():
    a, b = np.array([0.5, 0.3, 0.2]), np.array([0.4, 0.4, 0.2])
    assert psi(a, b) == pytest.approx(sum((y - x) * np.log(y / x) for x, y in zip(a, b)))


def test_forecast_range_matches_a_simulation():
    p = np.random.default_rng(0).beta(1, 20, 3000)
    mean, low, high = forecast_range(p)
    draws = (np.random.default_rng(1).random((4000, len(p))) < p).sum(axis=1)
    assert mean == pytest.approx(p.sum())
    assert low == pytest.approx(np.quantile(draws, 0.05), abs=3) and high == pytest.approx(np.quantile(draws, 0.95), abs=3)


def test_last_month_s_forecast_is_checked_against_what_happened(tmp_path):
    df, history = panel(), tmp_path / "h"
    build(until(df, MONTHS[-3]), tmp_path, history)  # measured June, forecast July
    first = read_history(folder_for(history, "Panel"))
    assert [r.period for r in first.records] == ["2026-06-01"] and first.records[0].forecast_month == "2026-07-01"
    story = build(until(df, MONTHS[-2]), tmp_path, history)  # July's outcomes are in
    f = story.finding("changes")
    # independent: the stored forecast, joined by hand to July's outcomes
    forecast = pd.read_parquet(folder_for(history, "Panel") / "2026-06-01.forecast.parquet")
    july = df[df["snapshot_date"] == MONTHS[-2]][["customer_id", "churned"]].astype({"customer_id": str})
    got = forecast.merge(july, on="customer_id")
    assert f.fact("expected").value == pytest.approx(got["score"].sum())
    assert f.fact("actual").value == int(got["churned"].sum())
    low, high = forecast_range(got["score"].to_numpy())[1:]
    assert f.fact("within").value == (low <= got["churned"].sum() <= high)
    text = " ".join([f.headline, *f.bullets])
    assert "customers of July 2026 to leave" in text and f"{int(got['churned'].sum()):,} did" in text
    listed = got[got["on_list"]]
    first_run = read_history(folder_for(history, "Panel")).records[0]
    assert listed.shape[0] == first_run.contacts
    assert (f"Of the {len(listed):,} customers on that month's list, {fmt_pct(listed['churned'].mean())} left, against "
            f"the {fmt_pct(listed['score'].mean())} the model expected") in text
    assert f.get_chart() is not None and f.get_plot() is not None  # the calibration by fifths
    # the calibration in words, fifth by fifth, recomputed by hand
    by_risk = got.iloc[np.argsort(got["score"].to_numpy(), kind="stable")].assign(band=np.arange(len(got)) * 5 // len(got))
    off, z = 0, 2.3263  # a 90% range shared among the five fifths: 99% each
    for _, b in by_risk.groupby("band"):
        exp, sd = b["score"].sum(), np.sqrt((b["score"] * (1 - b["score"])).sum())
        off += not max(exp - z * sd, 0) <= b["churned"].sum() <= exp + z * sd
    assert ("The risks ran " in text) == (off > 0)
    assert to_markdown(story).splitlines()[4].startswith("**Since the update of")
    # a second build of the same month replaces its own record
    build(until(df, MONTHS[-2]), tmp_path, history)
    assert [r.period for r in read_history(folder_for(history, "Panel")).records] == ["2026-06-01", "2026-07-01"]


def test_nothing_is_named_when_nothing_changed(tmp_path):
    story = build(until(panel(), MONTHS[-2]), tmp_path, tmp_path / "h")
    f = story.finding("changes")
    assert not f.fact("urgent").value and not f.fact("retrain").value and "no change that needs a decision" in f.title
    assert f.headline.startswith("Nothing that needs a decision changed") and not f.bullets
    assert f not in slide_findings(story)  # no slide when there is nothing an executive must know


def test_a_shift_in_the_mix_and_a_jump_in_churn_are_named(tmp_path):
    story = build(until(panel(shift_contract=True, churn_jump=True), MONTHS[-2]), tmp_path, tmp_path / "h")
    f = story.finding("changes")
    text = " ".join([f.headline, *f.bullets])
    assert f.fact("urgent").value and f.fact("retrain").value and f in slide_findings(story)
    assert text.startswith("More customers with contract") and "Churn rose from" in text  # what asks a retrain first
    assert "More customers with contract 'Month-to-month' in August 2026 than in the months the model learnt from" in text
    assert "tenure" not in text and "tickets" not in text  # the columns that did not move are not named
    assert any(s.startswith("Retrain the model") for s in story.next_steps)


def test_a_damaged_history_is_named_and_skipped(tmp_path):
    history = tmp_path / "h"
    folder = folder_for(history, "Panel")
    folder.mkdir(parents=True)
    (folder / "2026-05-01.json").write_text("{not json")
    good = RunRecord(period="2026-06-01", made="2026-07-02T03:00:00", data_name="Panel", customers=10, leavers=1,
                     contacts=1, reached=1, kept=0.3, net=1.0, random_reached=0.1, rule_reached=None, auc=0.7,
                     forecast_month="2026-07-01", forecast_customers=10, forecast_expected=1, forecast_low=0,
                     forecast_high=3)
    (folder / "2026-06-01.json").write_text(json.dumps({**good.__dict__, "customers": "ten"}))
    (folder / "2026-06-01.forecast.parquet").write_bytes(b"PAR1 truncated")
    story = build(until(panel(), MONTHS[-2]), tmp_path, history)
    f = story.finding("changes")
    assert sum("could not be read" in c for c in f.caveats) == 2 and "2026-05-01.json" in " ".join(f.caveats)


def test_the_edge_warning_needs_a_real_fall():
    def rec(period, reached):
        return RunRecord(period=period, made=period, data_name="x", customers=1000, leavers=30, contacts=100,
                         reached=reached, kept=0, net=0, random_reached=3.0, rule_reached=None, auc=None)

    steady = edge_trend([rec("2026-01-01", 9), rec("2026-02-01", 8.7), rec("2026-03-01", 9.3)])
    assert not steady.fell and not steady.below_floor
    fallen = edge_trend([rec("2026-01-01", 9), rec("2026-02-01", 9), rec("2026-03-01", 4.2)])
    assert fallen.fell and fallen.below_floor and fallen.now == pytest.approx(1.4) and EDGE_FLOOR > 1.4


def test_only_a_server_config_names_the_history_folder():
    from storytelling.config import parse_config, to_toml

    text = '[history]\nfolder = "/etc/evil"\n'
    assert parse_config(text).history is None  # an uploaded config: the default folder, never its own
    assert parse_config(text, trusted=True).history == "/etc/evil"
    assert parse_config(to_toml(parse_config(text, trusted=True)), trusted=True).history == "/etc/evil"


def test_calls_on_last_month_s_list_are_set_aside_so_the_forecast_is_checked_fairly(tmp_path):
    """Marketing called two thirds of June's forecast list (chosen at random) and the call kept 70% of
    those who would have left. Read naively, July's outcomes make the model look wrong (fewer left
    than forecast); with [feedback] contacted the called are set aside, the forecast is checked on
    the others (an independent computation), and the list's hit rate on those left uncalled."""
    df, rng = panel(customers=6000, seed=8), np.random.default_rng(2)
    naive_h, fair_h = tmp_path / "naive", tmp_path / "fair"
    for h in (naive_h, fair_h):
        build(until(df, MONTHS[-3]), tmp_path, h)  # measured June, forecast July
    forecast = pd.read_parquet(folder_for(fair_h, "Panel") / "2026-06-01.forecast.parquet")
    listed = forecast.loc[forecast["on_list"], "customer_id"].astype(int).to_numpy()
    called = rng.choice(listed, size=2 * len(listed) // 3, replace=False)
    july = (df["snapshot_date"] == MONTHS[-2]) & df["customer_id"].isin(called)
    df = df.assign(called=np.where(july, "yes", "no"))
    df.loc[july & (df["churned"] == 1) & (rng.random(len(df)) < 0.7), "churned"] = 0.0

    naive = build(until(df, MONTHS[-2]).drop(columns="called"), tmp_path, naive_h).finding("changes")
    path = tmp_path / "called.parquet"
    until(df, MONTHS[-2]).to_parquet(path)
    cfg = StoryConfig(data_name="Panel", backtest_months=0, drivers=False, history=str(fair_h), capacity=300,
                      contacted="called")
    fair = build_story_from_config(cfg, data_path=str(path), log=lambda m: None, keep_history=True).finding("changes")

    # read naively, the calls make the forecast look wrong: fewer left than the range allowed
    assert not naive.fact("within").value and naive.fact("actual").value < naive.fact("expected").value
    got = forecast.astype({"customer_id": int}).merge(
        df.loc[(df["snapshot_date"] == MONTHS[-2]) & (df["called"] == "no"), ["customer_id", "churned"]], on="customer_id")
    assert fair.fact("expected").value == pytest.approx(got["score"].sum())  # independent: the uncalled only
    assert fair.fact("actual").value == int(got["churned"].sum())
    low, high = forecast_range(got["score"].to_numpy())[1:]
    assert fair.fact("within").value == (low <= got["churned"].sum() <= high) and fair.fact("within").value
    uncalled = got[got["on_list"]]
    text = " ".join([fair.headline, *fair.bullets])
    assert f"Of the {len(uncalled):,} customers on that month's list left uncalled" in text
    assert "not a fair test of the model" not in text
    assert any(c.startswith("Forecasts and the list's hit rate here leave out") for c in fair.caveats)


def test_the_calibration_in_words_names_the_fifth_whose_risks_ran_high():
    """Risks right everywhere: 'held'; the riskiest fifth leaving at 60% of its risk: named, as high."""
    from types import SimpleNamespace

    from storytelling.monitor import calibration
    from storytelling.monitor_findings import calibration_line

    rng = np.random.default_rng(0)
    p = rng.beta(1, 10, 5000)
    right = calibration(p, (rng.random(5000) < p).astype(int))
    line, off = calibration_line(SimpleNamespace(calibration=right))
    assert not off and line.startswith("The risks held in every fifth of customers")
    assert right["expected"].sum() == pytest.approx(p.sum()) and right["customers"].sum() == 5000
    riskiest = p >= np.quantile(p, 0.8)
    wrong = calibration(p, (rng.random(5000) < np.where(riskiest, p * 0.6, p)).astype(int))
    line, off = calibration_line(SimpleNamespace(calibration=wrong))
    assert off and line.startswith("The risks ran high for the riskiest fifth (about ")
    assert "lowest fifth" not in line
    # with right risks, some fifth is named as off about 1 month in 10, not 4 in 10 (five 90% ranges)
    alarms = sum(calibration_line(SimpleNamespace(calibration=calibration(p, (rng.random(5000) < p).astype(int))))[1]
                 for _ in range(300))
    assert alarms / 300 < 0.15, alarms


def test_a_sequence_of_builds_over_the_sample_s_months(tmp_path):
    """Nightly builds over the sample's last months: each forecast is checked against an independent
    computation once its outcomes arrive; a mix shift designed into the month scored last is named."""
    from storytelling.sample import SampleSpec, generate

    df = generate(SampleSpec(customers=2500, months=7, seed=5))[0].rename(columns={"churned_next_30d": "churned"})
    months = sorted(df["snapshot_date"].unique())
    last = df["snapshot_date"] == months[-1]
    flip = last & (df["contract"] != "Month-to-month") & (np.random.default_rng(1).random(len(df)) < 0.6)
    df.loc[flip, "contract"] = "Month-to-month"  # the designed-in shift: the month being scored
    history = tmp_path / "h"
    for measured in months[-3:-1]:
        story = build(until(df, measured), tmp_path, history)
    f = story.finding("changes")
    made = read_history(folder_for(history, "Panel")).records
    assert [r.period for r in made] == [str(pd.Timestamp(m).date()) for m in months[-3:-1]]
    forecast = pd.read_parquet(folder_for(history, "Panel") / f"{made[0].period}.forecast.parquet")
    outcome = df[df["snapshot_date"] == months[-2]][["customer_id", "churned"]]
    got = forecast.merge(outcome, on="customer_id")
    assert len(got) == len(outcome)  # every customer of the month forecast is there
    assert f.fact("expected").value == pytest.approx(got["score"].sum())
    assert f.fact("actual").value == int(got["churned"].sum())
    text = " ".join([f.headline, *f.bullets])
    assert f"More customers with contract 'Month-to-month' in {pd.Timestamp(months[-1]):%B %Y}" in text


def test_the_replay_warns_when_the_model_s_edge_fades_month_by_month(tmp_path):
    """A panel whose last two months' leaving no longer follows the customers' columns: the backtest
    says the list's edge over random calling fell (the nightly thresholds), and to retrain; a steady
    panel says nothing of it."""
    def story(df):
        path = tmp_path / "p.parquet"
        until(df, MONTHS[-2]).to_parquet(path)
        cfg = StoryConfig(data_name="Panel", backtest_months=4, drivers=False, history="", capacity=300)
        return build_story_from_config(cfg, data_path=str(path), log=lambda m: None, full=True, keep_history=False)

    steady = story(panel(customers=3000, seed=4)).finding("backtest_quality")
    assert not any("losing its edge" in b for b in steady.bullets)
    faded = panel(customers=3000, seed=4)
    late = faded["snapshot_date"].isin(MONTHS[-3:-1])
    faded.loc[late, "churned"] = (np.random.default_rng(9).random(int(late.sum())) < 0.08).astype(float)
    quality = story(faded).finding("backtest_quality")
    assert quality.bullets[0].startswith("The model's list now finds ") and "the model is losing its edge" in quality.bullets[0]
    assert "in the months before" in quality.bullets[0]
    assert any(s.startswith("Retrain the model") for s in quality.next_steps)


def test_the_list_s_shortfall_is_not_explained_away():
    """A list's hit rate clearly below the promise is said to be one of two causes (unless the called
    were set aside); one within chance gets no explanation at all."""
    from dataclasses import replace

    from storytelling.monitor import ForecastCheck
    from storytelling.monitor_findings import list_line

    low = 92.0 - 1.6449 * 63.0 ** 0.5  # the list's range if the risks are right (sum of p(1 - p) = 63)
    check = ForecastCheck("2026-07-01", "2026-06-01", 4000, 4000, 300.0, 270.0, 330.0, 300, list_customers=300,
                          list_expected=92.0, list_actual=66, calibration=None, list_low=low)
    assert "Either the model's risks ran high for the list, or calls kept some of them" in list_line(check)
    assert "Either" not in list_line(check, called_left_out=True)
    check = replace(check, list_actual=88)
    assert list_line(check).endswith("against the 31% the model expected.")


def test_calling_the_riskiest_does_not_read_as_a_fall_in_churn(tmp_path):
    """Marketing called the 600 riskiest-looking customers of July, and the call kept nobody: churn did
    not change. Set aside, they would leave July's churn lower than June's by construction; churn month
    on month counts every customer, so no fall is named."""
    df = panel(customers=4000, seed=6)
    july = df["snapshot_date"] == MONTHS[-2]
    risky = df[july].sort_values("tickets", ascending=False, kind="stable").index[:600]
    df["called"] = "no"
    df.loc[risky, "called"] = "yes"
    path = tmp_path / "p.parquet"
    until(df, MONTHS[-2]).to_parquet(path)
    cfg = StoryConfig(data_name="Panel", backtest_months=0, drivers=False, history=str(tmp_path / "h"), capacity=300,
                      contacted="called")
    f = build_story_from_config(cfg, data_path=str(path), log=lambda m: None, keep_history=False).finding("changes")
    text = " ".join([f.headline, *f.bullets])
    assert "Churn fell" not in text and "Churn rose" not in text
    uncalled = df[july & (df["called"] == "no")]["churned"].mean()
    assert uncalled < df[july]["churned"].mean()  # the set-aside view alone would have shown a fall


def test_a_table_whose_only_id_numbers_the_rows_checks_no_forecast(tmp_path):
    """Each month's export numbered its rows afresh, in a new order, and has no customer id: row 17
    in July is not row 17 in June, so no forecast is checked customer by customer, and it says why."""
    rng = np.random.default_rng(3)
    parts = [g.sample(frac=1, random_state=int(rng.integers(1e6))).assign(line_nr=np.arange(1, len(g) + 1))
             for _, g in panel(customers=2000).groupby("snapshot_date")]
    df = pd.concat(parts, ignore_index=True).drop(columns="customer_id")
    history = tmp_path / "h"
    build(until(df, MONTHS[-3]), tmp_path, history)
    f = build(until(df, MONTHS[-2]), tmp_path, history).finding("changes")
    assert "expected" not in f.facts and not f.headline.startswith("We expected")
    assert any("no customer id column, so last month's forecast cannot be checked" in c for c in f.caveats)
