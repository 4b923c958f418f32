"""Backtest: no leakage, counts that match an independent recomputation, sceptic checks."""

import numpy as np
import pandas as pd
import pytest

from storytelling.backtest import (
    backtest_caveats,
    backtest_findings,
    default_cutoffs,
    run_backtest,
    score_backtest,
    summarise_backtest,
)
from storytelling.data import DataError, prepare
from storytelling.model import feature_frame, train_baseline
from storytelling.story import EXECUTIVE, has_jargon
from storytelling.targeting import Assumptions

TODAY = pd.Timestamp("2026-11-23")
A = Assumptions(600, 8, 0.3, capacity=150, value_months=12)


@pytest.fixture(scope="module")
def small(small_panel):
    return prepare(small_panel, today=TODAY)


@pytest.fixture(scope="module")
def scores(small):
    return score_backtest(small)


@pytest.fixture(scope="module")
def result(scores):
    return summarise_backtest(scores, A)


def test_no_label_unknown_at_the_cutoff(result, small):
    p = result.periods
    assert len(p) == len(default_cutoffs(small))
    assert ((p["train_end"] + pd.Timedelta(days=30)) <= p["cutoff"]).all()
    lab = small.labelled
    for _, r in p.iterrows():
        expected = (lab["snapshot_date"] + pd.Timedelta(days=30) <= r["cutoff"]).sum()
        assert r["train_rows"] == expected


def test_counts_match_an_independent_recomputation(result, small):
    lab = small.labelled
    for _, r in result.periods.iterrows():
        c = r["cutoff"]
        train = lab[lab["snapshot_date"] + pd.Timedelta(days=30) <= c]
        now = lab[lab["snapshot_date"] == c]
        model = train_baseline(small, train)
        s = model.predict_proba(feature_frame(small, now))[:, 1]
        order = np.argsort(-s, kind="stable")
        churned = now["churned"].to_numpy()
        # the recommended list, by brute force: the most profitable size within capacity, or all of the
        # capacity when a longer list pays more and the capacity earns within 1% of that best
        nets = np.concatenate([[0], np.cumsum((now["value"].to_numpy() * churned)[order])]) * A.save_rate * 12 \
            - A.cost_per_contact * np.arange(len(now) + 1)
        cap = min(A.capacity, len(now))
        best = int(np.argmax(nets[: cap + 1])) if nets[: cap + 1].max() > 0 else 0
        k = cap if (0 < best < cap and int(np.argmax(nets)) > cap and nets[cap] >= nets[best] - 0.01 * abs(nets[best])) \
            else best
        reached = churned[order[:k]].sum()
        assert r["customers"] == len(now)
        assert r["leavers"] == churned.sum()
        assert r["contacts"] == k
        assert r["reached"] == reached
        assert r["saved"] == pytest.approx(A.save_rate * reached)
        assert r["random_reached"] == pytest.approx(churned.mean() * k)
        value = (now["value"].to_numpy() * churned)[order[:k]].sum() * A.save_rate * 12
        assert r["net"] == pytest.approx(value - A.cost_per_contact * k)
        flagged = now["status_quo"].to_numpy() == 1
        if k >= flagged.sum():
            rest = np.sort(churned[~flagged])
            lo = churned[flagged].sum() + rest[: k - flagged.sum()].sum()
            hi = churned[flagged].sum() + rest[::-1][: k - flagged.sum()].sum()
            assert lo <= r["status_quo_reached"] <= hi
        assert r["saved_low"] <= r["saved"] <= r["saved_high"]


def test_cumulative_is_the_running_total(result):
    cum = result.cumulative[result.cumulative["policy"] == "Model"]
    assert cum["saved"].to_numpy() == pytest.approx(result.periods["saved"].cumsum().to_numpy())
    assert result.totals["saved"] == pytest.approx(result.periods["saved"].sum())
    assert result.totals["saved_low"] <= result.totals["saved"] <= result.totals["saved_high"]
    # A range of a sum is narrower than the sum of the ranges.
    assert result.totals["saved_high"] - result.totals["saved_low"] < (
        result.periods["saved_high"] - result.periods["saved_low"]).sum()


def test_planted_leaky_feature_is_flagged(small_panel):
    df = small_panel.copy()
    rng = np.random.default_rng(3)
    df["days_since_cancel_request"] = np.where(df["churned_next_30d"] == 1, rng.integers(0, 5, len(df)),
                                               rng.integers(20, 400, len(df)))
    df.loc[df["churned_next_30d"].isna(), "days_since_cancel_request"] = rng.integers(0, 400)
    d = prepare(df, today=TODAY)
    r = run_backtest(d, assumptions=A, cutoffs=default_cutoffs(d)[-2:])
    assert "days_since_cancel_request" in r.leaky_features
    assert any("days_since_cancel_request" in c for c in backtest_caveats(r))


def test_immature_snapshots_are_excluded_and_said(small):
    r = run_backtest(small, assumptions=A, horizon_days=45, cutoffs=default_cutoffs(small, horizon_days=45)[-1:])
    p = r.periods.iloc[0]
    assert p["excluded_snapshots"] == 1
    assert p["train_end"] + pd.Timedelta(days=45) <= p["cutoff"]
    assert any("could not learn from" in c for c in backtest_caveats(r))


def test_sliding_window(small):
    s = score_backtest(small, window="sliding", window_months=2, cutoffs=default_cutoffs(small)[-1:])
    lab = small.labelled
    c = s.periods[0].cutoff
    keep = (lab["snapshot_date"] + pd.Timedelta(days=30) <= c) & (lab["snapshot_date"] > c - pd.DateOffset(months=2))
    assert s.periods[0].train_rows == keep.sum()


def test_given_scores_are_evaluated_without_retraining_and_drift_is_caught(small_panel):
    df = small_panel.dropna(subset=["churned_next_30d"]).copy()
    rng = np.random.default_rng(0)
    good = np.clip(0.05 + 0.5 * df["churned_next_30d"] * rng.random(len(df)) + 0.1 * rng.random(len(df)), 0, 1)
    last = df["snapshot_date"] == df["snapshot_date"].max()
    df["churn_score"] = np.where(last, rng.random(len(df)), good)  # the last month's scores are noise
    d = prepare(df, today=TODAY)
    r = run_backtest(d, assumptions=A)
    assert r.mode == "given scores"
    assert r.periods["train_end"].isna().all()
    assert len(r.periods) == d.labelled["snapshot_date"].nunique()
    first = r.periods.iloc[0]
    now = d.labelled[d.labelled["snapshot_date"] == first["cutoff"]]
    top = now.sort_values("score", ascending=False, kind="mergesort").head(int(first["contacts"]))
    assert first["reached"] == top["churned"].sum()  # the list the month's recommendation picked
    assert any("found fewer leavers than usual" in c for c in backtest_caveats(r))


def test_findings_wording(result):
    fs = backtest_findings(result)
    assert [f.key for f in fs] == ["backtest_total", "backtest_timeline", "backtest_quality"]
    total = fs[0]
    assert total.fact("saved").value == pytest.approx(result.totals["saved"])
    assert total.fact("saved").text in total.title and total.fact("net").text in total.title
    for f in fs:
        assert has_jargon(f.text_for(EXECUTIVE)) == []
        assert "A/B test" in f.caveats[-1]
        f.get_chart().to_dict()  # valid Vega-Lite


def test_no_dates_is_a_clear_error(small_panel):
    df = small_panel.dropna(subset=["churned_next_30d"]).drop(columns="snapshot_date").drop_duplicates("customer_id")
    with pytest.raises(DataError, match="date"):
        run_backtest(prepare(df, today=TODAY), assumptions=A)


def test_an_interrupted_replay_resumes_where_it_stopped(sample_data):
    """A rerun that stops the replay half way (here: the progress callback raises, as Streamlit's
    stop does) keeps the months already trained; the next replay trains only the rest, and the
    result is the one an uninterrupted replay gives."""
    from storytelling import backtest as bt

    cutoffs = default_cutoffs(sample_data)[-4:]
    months, trained = {}, []
    real = bt.train_baseline

    def counting(*args, **kwargs):
        trained.append(1)
        return real(*args, **kwargs)

    class Stop(Exception):
        pass

    def stop_at_third(i, n, what):
        if i == 2:
            raise Stop

    bt.train_baseline = counting
    try:
        with pytest.raises(Stop):
            bt.score_backtest(sample_data, cutoffs=cutoffs, months=months, progress=stop_at_third)
        assert len(trained) == 2
        resumed = bt.score_backtest(sample_data, cutoffs=cutoffs, months=months)
        assert len(trained) == 4  # only the two months not yet trained
    finally:
        bt.train_baseline = real
    whole = bt.score_backtest(sample_data, cutoffs=cutoffs)
    assert [p.cutoff for p in resumed.periods] == [p.cutoff for p in whole.periods]
    for a, b in zip(resumed.periods, whole.periods):
        assert a.frame["score"].equals(b.frame["score"]) and a.train_rows == b.train_rows
    assert resumed.leaky_features == whole.leaky_features
