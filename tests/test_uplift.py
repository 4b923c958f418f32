"""Whom the campaign keeps: tested on generated campaign tests whose effect per customer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storytelling import uplift as U
from storytelling.uplift import CampaignCustomers, analyse_uplift

SEGMENTS = np.array(["fixable", "reminded", "other"])


def campaign(n: int, *, seed: int, kind: str = "differs") -> tuple[CampaignCustomers, np.ndarray, np.ndarray]:
    """A randomised test with a known chance of leaving if left alone (p0) and if called (p1).

    ``differs``: the call keeps 70% of fixable customers' leavers, makes reminded customers leave
    80% more often, keeps 20% of the rest; ``same``: it keeps one customer in 100 of everyone."""
    rng = np.random.default_rng(seed)
    seg = rng.choice(3, n, p=[0.25, 0.15, 0.6])
    tickets = rng.poisson(1.5, n) + (seg == 0) * 2
    tenure = rng.gamma(2.0, 12.0, n)
    noise = rng.normal(0, 0.5, n)
    p0 = 1 / (1 + np.exp(-(-2.3 + 0.25 * tickets - 0.02 * tenure + 0.9 * (seg == 1) + noise)))
    if kind == "differs":
        p1 = np.clip(p0 * (1 + np.select([seg == 0, seg == 1], [-0.7, 0.8], -0.2)), 0, 1)
    else:
        p0 = np.maximum(p0, 0.02)
        p1 = p0 - 0.01
    called = rng.random(n) < 0.5
    left = (rng.random(n) < np.where(called, p1, p0)).astype(int)
    X = pd.DataFrame({"segment": SEGMENTS[seg], "tickets": tickets, "tenure": tenure.round()})
    risk = 1 / (1 + np.exp(-(np.log(p0 / (1 - p0)) + rng.normal(0, 0.3, n))))  # a good churn model's score
    return CampaignCustomers(X, called, left, risk, None, n, "customer id"), p0, p1


def test_the_effect_in_each_band_of_risk_matches_the_truth_within_its_range():
    covered = total = 0
    for seed in range(6):
        t, p0, p1 = campaign(8_000, seed=seed)
        bands = U.by_band(t.risk, t.left, t.called, 5, U.band_names(5))
        order = np.argsort(-t.risk, kind="stable")
        for b, rows in zip(bands, np.array_split(order, 5)):
            truth = (p0[rows] - p1[rows]).mean()
            covered += b.low <= truth <= b.high
            total += 1
            # brute force: control churn minus called churn among the band's customers
            c, k = t.left[rows][~t.called[rows]], t.left[rows][t.called[rows]]
            assert b.kept == pytest.approx(c.mean() - k.mean())
    assert covered / total >= 0.8, (covered, total)  # 90% ranges


def test_the_uplift_list_keeps_more_where_the_truth_says_it_should():
    t, p0, p1 = campaign(40_000, seed=1)
    r = analyse_uplift(t, contacts=4_000, customers=40_000)
    k = 4_000
    truth_effect = (p0 - p1)[np.argsort(-(p0 - p1))[:k]].mean()
    truth_risk = (p0 - p1)[np.argsort(-t.risk)[:k]].mean()
    assert truth_effect > truth_risk + 0.02  # the generator's truth: picking by effect is better
    assert r.compare.verdict == "more" and r.compare.gain > 0
    assert r.harmed_share > 0  # the reminded customers: a call makes them leave
    assert r.responders and r.responders[0][0] == "segment"
    groups = {g.label: g for g in r.responders[0][1]}
    assert groups["fixable"].kept > groups["other"].kept > groups["reminded"].kept
    assert groups["reminded"].high < 0
    from storytelling.uplift_findings import effect_bands_finding, next_test_line, uplift_finding

    nxt = next_test_line(r, customers_per_week=1_000)
    assert "call the 10% a call is expected to help most; in another, the 10% riskiest" in nxt
    assert nxt.endswith("It is sized so that 80% of such tests show the gain if it is as large as this test measured.")
    from dataclasses import replace

    total = 3 * int(nxt.split("three random groups of ")[1].split(" customers")[0].replace(",", ""))
    short = next_test_line(replace(r, customers=total - 1), customers_per_week=None)  # a file without dates
    assert short.startswith(f"Confirming the gain would take a test of {total:,} customers") and \
           f"more than the {total - 1:,} in this file" in short
    assert next_test_line(replace(r, customers=total), customers_per_week=None).startswith("The next test")
    text = " ".join(uplift_finding(r, names={}, value_per_kept=600, cost=32_000, currency="$",
                                   next_test=nxt).bullets)
    assert f"Leave out the {r.harmed_share:.0%} of today's customers a call is expected to help least (about " \
           f"{r.harmed_share * 40_000:,.0f})" in text and "as a group they do" in text
    bands = effect_bands_finding(r)
    assert bands.bullets[0].startswith("The 20% a call is expected to help most:")
    assert not any("does not bear out" in b for b in bands.bullets)  # the truth's order is recovered


def test_a_ranking_the_test_does_not_bear_out_is_said():
    from types import SimpleNamespace

    from storytelling.uplift_findings import order_line

    names = U.band_names(3, *U.EFFECT_BANDS)
    bands = [U.Effect(n, 1000, 500, k, k - 0.01, k + 0.01) for n, k in zip(names, (0.008, 0.01, 0.013))]
    line = order_line(SimpleNamespace(effect_bands=bands))
    assert line.startswith("The test does not bear out the ranking: the 33% a call is expected to help least kept 1.3")
    bands[0].kept = 0.02
    assert order_line(SimpleNamespace(effect_bands=bands)) is None


def test_when_the_call_keeps_everyone_alike_it_says_the_lists_are_alike():
    t, p0, p1 = campaign(30_000, seed=2, kind="same")
    r = analyse_uplift(t, contacts=3_000, customers=30_000)
    assert r.compare.verdict == "alike"
    assert r.harmed_share == 0
    assert r.compare.gain_low < 0 < r.compare.gain_high


def test_every_customer_is_scored_by_models_that_never_saw_them(monkeypatch):
    t, _, _ = campaign(3_000, seed=3)
    seen = []

    class Spy:
        def __init__(self, index):
            self.index = set(index)

        def predict(self, X):
            assert not self.index & set(X.index)  # none of the scored customers was in the fit
            seen.extend(X.index)
            return np.zeros(len(X))

    monkeypatch.setattr(U, "fit_uplift", lambda X, called, left, seed=0: Spy(X.index))
    U.out_of_fold(t.features, t.called, t.left)
    assert sorted(seen) == list(range(3_000))  # everyone scored once


def test_a_small_test_gets_wide_ranges_and_a_warning_instead_of_a_list():
    from storytelling.uplift_findings import uplift_finding

    t, _, _ = campaign(500, seed=4)
    r = analyse_uplift(t, contacts=100, customers=10_000)
    assert r.compare is None and r.too_small and r.today is None
    assert all(b.high - b.low > 0.05 for b in r.risk_bands)  # more than 5 per 100 wide
    f = uplift_finding(r, names={}, value_per_kept=600, cost=800, currency="$")
    assert f.title == "The campaign test is too small to tell whom a call keeps"
    assert any("needs at least" in c for c in f.caveats)
    assert "calling the customers the offer changes keeps" not in f.text_for("Executive")


def test_the_two_lists_and_their_paired_range_against_a_plain_bootstrap():
    t, _, _ = campaign(2_000, seed=5)
    rng = np.random.default_rng(0)
    score = rng.random(2_000)
    c = U.compare_lists(score, t.risk, t.left, t.called, 0.3)
    a, b = U.top(score, 0.3), U.top(t.risk, 0.3)
    assert a.sum() == b.sum() == 600
    for mask, e in ((a, c.by_effect), (b, c.by_risk)):
        assert e.kept == pytest.approx(t.left[mask & ~t.called].mean() - t.left[mask & t.called].mean())
    # a plain bootstrap (resampling customers with replacement) gives about the same range
    diffs = []
    for _ in range(400):
        i = rng.integers(0, 2_000, 2_000)
        keep = [t.left[i][m[i] & ~t.called[i]].mean() - t.left[i][m[i] & t.called[i]].mean() for m in (a, b)]
        diffs.append(keep[0] - keep[1])
    lo, hi = np.percentile(diffs, [5, 95])
    assert c.gain_low == pytest.approx(lo, abs=0.02) and c.gain_high == pytest.approx(hi, abs=0.02)


def test_the_effect_range_is_newcombes_by_hand():
    from math import sqrt

    left = np.array([1] * 30 + [0] * 470 + [1] * 15 + [0] * 485)
    called = np.array([False] * 500 + [True] * 500)
    e = U.effect(left, called)

    def wilson(x, n, z=1.6448536):
        p = x / n
        mid, half = (p + z * z / (2 * n)), z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return (mid - half) / (1 + z * z / n), (mid + half) / (1 + z * z / n)

    (l1, u1), (l2, u2) = wilson(30, 500), wilson(15, 500)
    d = 30 / 500 - 15 / 500
    assert e.kept == pytest.approx(d)
    assert e.low == pytest.approx(d - sqrt((30 / 500 - l1) ** 2 + (u2 - 15 / 500) ** 2), abs=1e-6)
    assert e.high == pytest.approx(d + sqrt((u1 - 30 / 500) ** 2 + (15 / 500 - l2) ** 2), abs=1e-6)


def test_join_by_id_with_and_without_the_tests_date():
    frame = pd.DataFrame({"customer_id": ["a", "b", "c", "a", "b", "c"],
                          "snapshot_date": pd.to_datetime(["2026-01-01"] * 3 + ["2026-02-01"] * 3),
                          "x": [1, 2, 3, 4, 5, 6]})
    res = pd.DataFrame({"customer_id": ["a", "b", "zz"], "called": [True, False, True], "left": [0, 1, 0]})
    rows, start, how = U.match_rows(res, frame, id_name=None, date_name=None, dated=True)
    assert start == pd.Timestamp("2026-02-01") and list(rows["x"]) == [4, 5]  # the latest of equal matches
    dated = res.assign(snapshot_date="2026-01-01")
    rows, start, how = U.match_rows(dated, frame, id_name=None, date_name=None, dated=True)
    assert start == pd.Timestamp("2026-01-01") and list(rows["x"]) == [1, 2] and how == "customer id and snapshot date"
    undated = frame.iloc[:3].drop(columns="snapshot_date")
    rows, start, how = U.match_rows(res.rename(columns={"customer_id": "CustomerID"}), undated,
                                    id_name="CustomerID", date_name=None, dated=False)
    assert start is None and list(rows["x"]) == [1, 2]


def test_a_column_s_groups_in_words():
    s = pd.Series([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, np.nan])
    g = U.column_groups(s)
    assert g.iloc[-1] == "not given" and g.iloc[0].startswith("under") and g.iloc[-2].endswith("or more")
    assert set(U.column_groups(pd.Series(["Yes", "No", "Yes"]))) == {"yes", "no"}


def test_a_small_whole_number_keeps_each_value_and_a_number_can_be_cut_finer():
    """Support calls 0-5: each value is its own group, so the few customers with 5 calls are not
    merged into 'under 2' / '2 or more'; fifths of a number (at least one value per range)."""
    calls = pd.Series([0] * 50 + [1] * 30 + [2] * 10 + [5] * 3)
    assert sorted(set(U.column_groups(calls))) == ["0", "1", "2", "5"]
    days = pd.Series(np.arange(1000, dtype=float))
    g = U.column_groups(days, 5)
    assert g.nunique() == 5 and g.iloc[0] == "under 200" and g.iloc[-1] == "800 or more"
    assert (g.value_counts() == 200).all() and g.iloc[250] == "200 to under 400"


def test_a_group_the_call_harms_only_below_the_first_third_is_found():
    """Harm confined to the lowest fifth of a number (contract ends within weeks) is diluted in
    thirds; the finer cut names it."""
    rng = np.random.default_rng(3)
    n = 20_000
    days = rng.uniform(0, 500, n)
    called = rng.random(n) < 0.5
    p = 0.2 - np.where(called, np.where(days < 100, -0.08, 0.03), 0)
    left = (rng.random(n) < p).astype(int)
    found = U.responders(pd.DataFrame({"days": days}), left, called)
    assert found and found[0][0] == "days"
    worst = found[0][1][-1]
    assert worst.label.startswith("under ") and float(worst.label[6:]) < 110 and worst.high < 0


def test_the_samples_campaign_test_is_joined_scored_as_of_its_start_and_recovered():
    """The sample's test: every August customer, joined by id and date, risk from a model trained on
    what was known before August, and each band's effect near the generator's truth."""
    from storytelling.config import StoryConfig
    from storytelling.registry import run_one
    from storytelling.sample import generate
    from tests.sample_story import sample_run

    run = sample_run(StoryConfig())
    result, findings = run_one("uplift", run)
    t = result.test
    assert t.rows == t.n == 11_929 and t.start == pd.Timestamp("2026-08-01")
    assert "11,929 of the results file's 11,929 customers, matched by customer id" in findings[0].text_for("Executive")
    bt = run.source.backtest_scores([t.start]).periods[0]
    assert bt.train_end < t.start  # the risk came from a model that never saw the test's outcomes
    truth = generate(truth=True)[1].set_index("customer_id").loc[t.ids.astype(str)]
    order = np.argsort(-t.risk, kind="stable")
    hits = sum(b.low <= (truth["p_alone"] - truth["p_called"]).to_numpy()[rows].mean() <= b.high
               for b, rows in zip(result.risk_bands, np.array_split(order, len(result.risk_bands))))
    assert hits >= len(result.risk_bands) - 1
    assert findings[0].facts["verdict"].value in ("alike", "more")  # never 'fewer' on the designed truth


def test_a_results_file_with_the_customers_columns_instead_of_ids():
    from storytelling.analyses.uplift import test_customers
    from storytelling.config import StoryConfig
    from tests.sample_story import sample_run

    run = sample_run(StoryConfig())
    month = run.source.data.frame
    rows = month[month["snapshot_date"] == month["snapshot_date"].max()].head(800)
    res = rows[run.source.data.features].assign(group=np.where(np.arange(800) % 2, "test", "control"), churned=0)
    res.loc[::9, "churned"] = 1
    t = test_customers(run, res)
    assert t.how == "the features in the results file" and t.n == 800
    assert np.allclose(t.risk, run.evaluation.model.predict_proba(t.features)[:, 1])


def test_on_a_file_without_dates_the_risk_list_is_read_on_customers_as_risky_as_todays_list(small_panel, tmp_path):
    """Without dates the test holds customers since gone, and today's list does not: the test's
    customers 'like the list's' are those at least as risky as the list's least risky customer,
    not the same share of the test."""
    from storytelling.analyses.uplift import today_customers
    from storytelling.config import StoryConfig
    from storytelling.glossary import Glossary
    from storytelling.lift import analyse_lift
    from storytelling.registry import Run, run_one
    from storytelling.source import FileSource

    month = small_panel[small_panel["snapshot_date"] == "2026-10-01"].drop(columns="snapshot_date")
    rng = np.random.default_rng(4)
    res = pd.DataFrame({"customer_id": month["customer_id"], "group": rng.choice(["test", "control"], len(month)),
                        "churned": month["churned_next_30d"]})
    path = tmp_path / "results.csv"
    res.to_csv(path, index=False)
    cfg = StoryConfig(ab_results=str(path), capacity=100, backtest_months=0)
    source = FileSource.read(month.reset_index(drop=True))
    ev = source.evaluate()
    lift = analyse_lift(source.curves(ev, use_value=False), cfg.assumptions(), 100)
    run = Run(source, ev, lift, cfg, Glossary.infer(source.data.frame, source.data.described))
    result, _ = run_one("uplift", run)
    today = today_customers(run)
    floor = today["risk"].nlargest(100).min()
    assert len(today) < result.test.n  # those gone are in the test, not on today's list
    assert result.compare.share == pytest.approx(np.mean(result.test.risk >= floor))
    assert result.compare.share != pytest.approx(100 / len(today))
