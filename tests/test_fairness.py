"""Who the list singles out, checked against direct computations on tables with known truth:
one where a sensitive column drives leaving, one where it only goes with another column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storytelling import sensitive as S
from storytelling.config import StoryConfig
from storytelling.data import Roles, infer_roles, prepare
from storytelling.fairness import MIN_GAP, equal_rate_positions, group_mix, priced
from storytelling.lift import analyse_lift, build_curves
from storytelling.model import evaluate
from storytelling.story import fmt_count, fmt_money, fmt_pct


def sex_drives(n: int = 6000, seed: int = 3) -> pd.DataFrame:
    """Women leave more often (a direct effect); nothing else in the table goes with sex."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n)
    tenure, calls = rng.integers(1, 72, n), rng.poisson(1.2, n)
    logit = -2.6 + 1.1 * (sex == "Female") + 0.5 * calls - 0.02 * tenure
    left = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"tenure": tenure, "support_calls": calls, "sex": sex,
                         "plan": rng.choice(["basic", "plus", "max"], n), "monthly_bill": rng.normal(50, 10, n).round(2),
                         "account": [f"A{i:05d}" for i in range(n)], "Churn": np.where(left, "Yes", "No")})


def age_proxies(n: int = 8000, seed: int = 4) -> pd.DataFrame:
    """Age does nothing itself: older customers hold longer contracts, and contracts drive leaving."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 85, n)
    contract = np.where(rng.random(n) < np.clip((age - 18) / 70, 0.05, 0.9), "Two year", "Month-to-month")
    tenure = rng.integers(1, 72, n)
    left = rng.random(n) < 1 / (1 + np.exp(-(-3.0 + 2.0 * (contract == "Month-to-month") - 0.02 * tenure)))
    return pd.DataFrame({"rownames": np.arange(1, n + 1), "Age": age, "contract": contract, "tenure": tenure,
                         "churned": left.astype(int)})


def _story(df: pd.DataFrame, tmp_path, **cfg):
    from storytelling.cli import build_story_from_config

    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    return build_story_from_config(StoryConfig(data_path=str(path), **cfg), log=lambda *_: None, full=True)


def _direct(df: pd.DataFrame, roles: Roles, column: str, kind: str):
    """The story's list and shares computed from scratch: the model's evaluation, its top k by a
    stable sort, and each group's share of the list, of the leavers and of all customers."""
    data = prepare(df, roles)
    ev = evaluate(data)
    curves = build_curves(ev, use_value=False)
    a = StoryConfig().assumptions()
    from storytelling.lift import default_contacts

    k = default_contacts(curves, a)
    top = np.argsort(-ev.frame["score"].to_numpy(), kind="stable")[:k]
    g = S.groups(ev.frame[column], kind).to_numpy()
    left = ev.frame["churned"].to_numpy() == 1
    shares = {grp: ((g[top] == grp).mean(), (g[left] == grp).mean(), (g == grp).mean()) for grp in np.unique(g)}
    return data, ev, k, shares, analyse_lift(curves, a, k)


@pytest.mark.parametrize(("make", "column", "kind", "phrase"), [
    (sex_drives, "sex", S.SEX, "Customers whose sex is {}"),
    (age_proxies, "Age", S.AGE, "Customers aged {}"),
])
def test_the_sentence_matches_a_direct_computation(tmp_path, make, column, kind, phrase):
    df = make()
    roles = infer_roles(df)
    assert column in roles.sensitive and column not in roles.features  # recognised, kept out by default
    story = _story(df, tmp_path)
    f = story.finding("fairness")
    data, ev, k, shares, _ = _direct(df, roles, column, kind)
    assert column not in data.features and column not in (ev.model.feature_names_in_ if ev.model else [])
    # the group leaning most (of two as large, the smaller group)
    group = min(shares, key=lambda g: (-round(abs(shares[g][0] - shares[g][1]), 9), shares[g][2]))
    on_list, of_leavers, of_all = shares[group]
    assert abs(on_list - of_leavers) >= MIN_GAP  # the truth leans, so a sentence is due
    only = "only " if on_list < of_leavers else ""
    assert f.title == (f"{phrase.format(group)} are {only}{fmt_pct(on_list)} of the list but {fmt_pct(of_leavers)} of the "
                       "customers who left")
    assert f.fact("share_customers").text == fmt_pct(of_all)
    assert "does not use" in f.headline
    assert story.sensitive and "not used by the model" in story.sensitive[0]


def test_with_and_without_figures_equal_two_separate_runs(tmp_path):
    """The finding's 'a model that also uses sex' is the story of the same table with sex allowed,
    and its own list is the default story's."""
    df = sex_drives()
    story = _story(df, tmp_path)
    f = story.finding("fairness")
    roles = infer_roles(df)
    *_, without = _direct(df, roles, "sex", S.SEX)
    allowed = Roles.from_dict({**roles.to_dict(), "use_sensitive": True})
    *_, with_ = _direct(df, allowed, "sex", S.SEX)
    assert f.fact("kept_story").value == pytest.approx(without.model.saved)
    assert f.fact("net_story").value == pytest.approx(without.model.net)
    assert f.fact("kept_with").value == pytest.approx(with_.model.saved)
    assert f.fact("net_with").value == pytest.approx(with_.model.net)
    assert with_.model.saved > without.model.saved  # sex drives leaving: leaving it out costs customers
    line = next(b for b in f.bullets if b.startswith("A model that also uses sex"))
    assert line.startswith(f"A model that also uses sex: about {fmt_count(with_.model.saved)} kept instead of "
                           f"{fmt_count(without.model.saved)}, and {fmt_money(with_.model.net)} instead of "
                           f"{fmt_money(without.model.net)}")
    # opting in turns it round: the story's model uses sex, the other list is the one without
    opted = _story(df, tmp_path, roles=allowed.to_dict())
    g = opted.finding("fairness")
    assert g.fact("net_story").value == pytest.approx(with_.model.net)
    assert g.fact("net_without").value == pytest.approx(without.model.net)
    assert "The model uses sex, as chosen on the Data page." in g.headline
    assert "used by the model, as chosen on the Data page" in opted.sensitive[0]
    drivers = opted.finding("drivers")
    assert any(c.startswith("Sex is a sensitive column (sex or gender)") for c in drivers.caveats)
    assert not any("sensitive column" in c for c in story.finding("drivers").caveats)


def test_equal_contact_rates_call_each_group_in_its_share():
    rng = np.random.default_rng(0)
    n = 3001
    frame = pd.DataFrame({"g": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]), "score": rng.random(n),
                          "churned": (rng.random(n) < 0.2).astype(float), "value": rng.uniform(10, 90, n)})
    rows = equal_rate_positions(frame, "g", None, 500)
    assert len(rows) == 500 and len(set(rows)) == 500
    for grp, size in frame["g"].value_counts().items():
        picked = frame.iloc[rows]
        assert abs((picked["g"] == grp).sum() - 500 * size / n) < 1
        mine = frame[frame["g"] == grp]
        assert picked.loc[picked["g"] == grp, "score"].min() >= mine["score"].nlargest(int((picked["g"] == grp).sum())).min()
    a = StoryConfig().assumptions()
    out = priced(frame, rows, a, use_value=True)
    left = frame.iloc[rows]["churned"] == 1
    assert out.net == pytest.approx(a.save_rate * frame.iloc[rows]["value"][left].sum() * a.value_months - 8 * 500)


def test_the_story_list_priced_again_is_the_lift_figure(tmp_path):
    df = sex_drives()
    data, ev, k, _, lift = _direct(df, infer_roles(df), "sex", S.SEX)
    rows = lift.curves.model.order[:k]
    again = priced(ev.frame, rows, lift.assumptions, use_value=False)
    assert again.net == pytest.approx(lift.model.net) and again.saved == pytest.approx(lift.model.saved)


def test_no_sentence_when_nothing_leans(tmp_path):
    """A sensitive column that has nothing to do with leaving or with the model: the quiet finding,
    outside the default story."""
    rng = np.random.default_rng(5)
    df = age_proxies()
    df["gender"] = rng.choice(["Female", "Male"], len(df))
    df = df.drop(columns=["Age"])
    story = _story(df, tmp_path)
    assert "fairness" not in [f.key for f in story.findings]
    quiet = story.finding("fairness_check")
    assert quiet.title.startswith("The list holds each gender group in about its share")


def test_gap_ranges_cover_nine_times_in_ten():
    """The 90% range of (share of the list - share of the leavers) covers the value of the
    population it was drawn from about 9 times in 10 (simulated months of a known population)."""
    rng = np.random.default_rng(11)

    def month(n):
        g = rng.random(n) < 0.3
        risk = 1 / (1 + np.exp(-(-2.5 + 1.0 * g + rng.normal(0, 1, n))))
        score = risk + rng.normal(0, 0.05, n)
        return pd.DataFrame({"g": np.where(g, "x", "y"), "score": score, "churned": (rng.random(n) < risk).astype(float)})

    big = month(400_000)
    share = 0.1
    top = np.argsort(-big["score"].to_numpy(), kind="stable")[: int(share * len(big))]
    truth = (big["g"].to_numpy()[top] == "x").mean() - (big.loc[big["churned"] == 1, "g"] == "x").mean()
    hits, sims = 0, 120
    for _ in range(sims):
        m = month(2000)
        rows = np.argsort(-m["score"].to_numpy(), kind="stable")[: int(share * len(m))]
        t = group_mix(m, rows, "g", name="g", kind=None, n_boot=200, seed=int(rng.integers(1e9))).table
        r = t.loc[t["group"] == "x"].iloc[0]
        hits += r["gap_lo"] <= truth <= r["gap_hi"]
    assert 0.82 <= hits / sims <= 0.97


def test_slices_of_the_score_order_give_the_plain_bootstrap_ranges():
    """Beyond 5,000 customers the resampling counts slices of the score order: its ranges match
    the customer-by-customer bootstrap's (the same table, every slice one customer)."""
    from storytelling.fairness import boot_shares

    rng = np.random.default_rng(2)
    n = 20_000
    g = rng.integers(0, 3, n)
    score = rng.random(n) + 0.2 * g
    left = (rng.random(n) < 0.1 + 0.05 * g).astype(np.int64)
    ends = []
    for bins in (n, 2000):
        *_, gap = boot_shares(score, g, left, 2000, 3, 400, 7, bins=bins)
        ends.append(np.percentile(gap, [5, 95], axis=0))
    assert np.abs(ends[0] - ends[1]).max() < 0.006


def test_blanks_in_a_sensitive_or_a_text_column_do_not_stop_the_story(tmp_path):
    df = sex_drives(3000)
    df.loc[::10, "sex"] = None
    df.loc[::7, "plan"] = None
    story = _story(df, tmp_path)
    assert "fairness" in [f.key for f in story.findings]


def test_a_column_without_two_groups_to_compare_is_not_described(tmp_path):
    df = age_proxies(3000).drop(columns=["Age"])
    df["gender"] = None
    df["nationality"] = [f"N{i % 150}" for i in range(len(df))]  # 150 groups of 20: none large enough
    story = _story(df, tmp_path)
    assert not any(f.key.startswith("fairness") for f in story.findings)


def test_a_paired_difference_is_said_only_beyond_chance():
    from storytelling.fairness import paired_differs

    rng = np.random.default_rng(1)
    n = 4000
    frame = pd.DataFrame({"churned": (rng.random(n) < 0.1).astype(float), "value": np.full(n, 50.0)})
    a = StoryConfig().assumptions()
    rows = np.arange(400)
    assert paired_differs(frame, rows, rows, a, use_value=True) == (False, False)
    swap = np.r_[np.arange(395), np.arange(400, 405)]  # five customers swapped: chance
    assert paired_differs(frame, rows, swap, a, use_value=True) == (False, False)
    frame.loc[:399, "churned"] = 1.0  # the first list holds only leavers, the second none of them
    assert paired_differs(frame, rows, np.arange(400, 800), a, use_value=True) == (True, True)
