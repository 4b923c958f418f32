"""The feedback loop: customers marketing called are set aside from what the model learns and is
measured on, and the story says so; the permanent comparison group is sized and said."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storytelling.data import infer_roles
from storytelling.errors import DataError
from storytelling.source import FileSource


def read(df: pd.DataFrame, column: str) -> FileSource:
    """The table with ``column`` chosen as who marketing called (the Data page's 'Called by marketing')."""
    from dataclasses import replace

    return FileSource.read(df, replace(infer_roles(df), contacted=column))


@pytest.fixture(scope="module")
def called_panel(small_panel) -> pd.DataFrame:
    """The small sample with a campaign: each month marketing called the 10% with most support
    tickets, and the call kept 60% of those who would have left (so, read naively, the riskiest stay)."""
    rng = np.random.default_rng(11)
    df = small_panel.copy()
    rank = df.groupby("snapshot_date")["support_tickets_90d"].rank(pct=True, method="first")
    df["called_by_marketing"] = np.where(rank > 0.9, "yes", "no")
    kept = (df["called_by_marketing"] == "yes") & (df["churned_next_30d"] == 1) & (rng.random(len(df)) < 0.6)
    df.loc[kept, "churned_next_30d"] = 0
    return df


def test_the_called_are_set_aside_from_training_and_measuring(called_panel):
    src = read(called_panel, "called_by_marketing")
    data = src.data
    assert "called_by_marketing" not in data.features and "called_by_marketing" not in data.frame
    called = (called_panel["called_by_marketing"] == "yes").to_numpy()
    labelled = called_panel["churned_next_30d"].notna().to_numpy()
    assert data.frame["churned"].isna().to_numpy()[called & labelled].all()
    assert data.frame["churned"].notna().to_numpy()[~called & labelled].all()
    # independent count per month of the called customers whose outcome is known
    truth = called_panel[called & labelled].groupby("snapshot_date").size()
    assert {pd.Timestamp(k): int(v) for k, v in truth.items()} == data.set_aside.by_month
    ev = src.evaluate()
    called_ids = set(called_panel.loc[called & (called_panel["snapshot_date"] == ev.as_of), "customer_id"].astype(str))
    assert called_ids and not called_ids & set(ev.frame["customer_id"].astype(str))
    n = int(truth[ev.as_of])
    assert any(s.startswith(f"Not counted: the {n:,} customers marketing called in ") for s in ev.notes)


def test_the_story_says_what_was_left_out(called_panel, tmp_path):
    from storytelling.cli import build_story_from_config
    from storytelling.config import parse_config

    path = tmp_path / "panel.csv"
    called_panel.to_csv(path, index=False)
    cfg = parse_config(f'[data]\npath = "{path}"\n[feedback]\ncontacted = "called_by_marketing"\n'
                       "[story]\ndrivers = false\nbacktest_months = 3\n[assumptions]\ncapacity = 150\n")
    assert cfg.contacted == "called_by_marketing"
    story = build_story_from_config(cfg, log=lambda m: None, full=True, keep_history=False)
    population = story.finding("population")
    assert any(c.startswith("Not counted: the ") for c in population.caveats)
    backtest = story.finding("backtest_total")
    months = backtest.caveats[0]
    labelled = called_panel[called_panel["churned_next_30d"].notna()]
    last3 = sorted(labelled["snapshot_date"].unique())[-3:]
    n = int(((labelled["called_by_marketing"] == "yes") & labelled["snapshot_date"].isin(last3)).sum())
    assert months.startswith(f"Customers marketing called in these months ({n:,} calls, 'called_by_marketing') are "
                             "left out of every month")
    changes = story.finding("changes")
    assert any(c.startswith("Forecasts and the list's hit rate here leave out the customers marketing called")
               for c in changes.caveats)
    plan = story.finding("ab_plan")
    assert any(b.startswith("Once the list is called, keep a permanent comparison group") for b in plan.bullets)


def test_the_config_keeps_the_contacted_column():
    from storytelling.config import parse_config, to_toml

    cfg = parse_config('[feedback]\ncontacted = "called"\n')
    assert parse_config(to_toml(cfg)).contacted == "called"
    with pytest.raises(DataError, match="feedback.contacted"):
        parse_config("[feedback]\ncontacted = 3\n")
    with pytest.raises(DataError, match="keep one"):
        parse_config('[feedback]\ncontacted = "called"\ncontacted_file = "called.csv"\n')
    roles = parse_config('[roles]\nlabel = "churned"\ncontacted = "called"\n').roles  # as the app saves them
    assert roles["contacted"] == "called"


def test_a_contacted_column_that_is_missing_unclear_or_the_outcome_is_refused(called_panel):
    with pytest.raises(DataError, match="called by marketing is not in the table"):
        read(called_panel, "nope")
    odd = called_panel.assign(called_by_marketing=np.where(called_panel["called_by_marketing"] == "yes", "maybe", "no"))
    with pytest.raises(DataError, match="must say yes/no"):
        read(odd, "called_by_marketing")
    with pytest.raises(DataError, match="same column is chosen for two roles"):
        read(called_panel, "churned_next_30d")


def test_a_warehouse_with_a_contacted_column_is_refused():
    from storytelling.source import open_source

    with pytest.raises(DataError, match="works on a file for now"):
        open_source(sql="duckdb:///nothing.db", table="scores", contacted="called")


def test_a_warehouse_table_refuses_the_called_by_marketing_role(warehouse_db):
    from dataclasses import replace

    from storytelling.warehouse import SqlSource, read_warehouse

    src = SqlSource(f"duckdb:///{warehouse_db}", table="scores")
    roles = read_warehouse(src).roles
    with pytest.raises(DataError, match="works on a file for now"):
        read_warehouse(src, replace(roles, contacted="plan"))  # a column with no other part


def test_the_permanent_comparison_group_measures_the_hit_rate_as_promised():
    """Over three lists, the holdout's leavers give the list's hit rate within a quarter of its value
    about 90% of the time (simulated)."""
    from storytelling.abtest import HOLDOUT_LISTS, holdout_size

    rng = np.random.default_rng(5)
    for p, k in ((0.11, 1000), (0.3, 500), (0.05, 4000)):
        n = holdout_size(p, k) * HOLDOUT_LISTS
        est = rng.binomial(n, p, 20_000) / n
        within = np.mean(np.abs(est - p) <= 0.25 * p)
        assert 0.87 <= within <= 0.95, (p, k, within)
    assert holdout_size(0.001, 100) == 50  # never more than half the list
    assert holdout_size(0.0, 100) == 0


def test_a_file_of_called_customers_sets_aside_the_same_rows_as_the_column(called_panel, tmp_path):
    """The same campaign named by a file (customer id, date called) sets aside exactly the rows the
    column does; a dated table needs the date in the file."""
    from storytelling.source import open_source

    data_path, listed_path = tmp_path / "panel.csv", tmp_path / "called.csv"
    called_panel.drop(columns="called_by_marketing").to_csv(data_path, index=False)
    listed = called_panel.loc[called_panel["called_by_marketing"] == "yes", ["customer_id", "snapshot_date"]]
    listed.rename(columns={"snapshot_date": "date"}).to_csv(listed_path, index=False)
    by_file = open_source(path=str(data_path), contacted_file=str(listed_path)).data
    by_column = read(called_panel, "called_by_marketing").data
    assert by_file.set_aside.by_month == by_column.set_aside.by_month
    assert by_file.frame["churned"].isna().equals(by_column.frame["churned"].isna())
    assert by_file.set_aside.source == "the file called.csv"
    listed[["customer_id"]].to_csv(listed_path, index=False)
    with pytest.raises(DataError, match="needs a date column"):
        open_source(path=str(data_path), contacted_file=str(listed_path))


def test_a_file_of_called_customers_that_does_not_match_says_so(called_panel, tmp_path):
    """Ids written otherwise match nothing: the story says how many of the file's calls matched."""
    from storytelling.source import open_source

    data_path, listed_path = tmp_path / "panel.csv", tmp_path / "called.csv"
    called_panel.drop(columns="called_by_marketing").to_csv(data_path, index=False)
    listed = called_panel.loc[called_panel["called_by_marketing"] == "yes", ["customer_id", "snapshot_date"]]
    half = listed.assign(customer_id=[f"x{c}" if i % 2 else c for i, c in enumerate(listed["customer_id"])])
    half.to_csv(listed_path, index=False)
    src = open_source(path=str(data_path), contacted_file=str(listed_path))
    assert src.data.set_aside.listed == (len(listed), (len(listed) + 1) // 2)
    ev = src.evaluate()
    assert any(n.startswith(f"The file called.csv names {len(listed):,} calls; only {(len(listed) + 1) // 2:,} match")
               for n in ev.notes)


def test_the_comparison_group_s_cost_is_net_of_the_calls_it_saves():
    from storytelling.abtest import holdout_bullet, holdout_size

    f = {}
    line = holdout_bullet(f, hit_rate=0.11, contacts=1000, save_rate=0.3, value_per_kept=700, currency="$",
                          dated=True, cost_per_contact=8)
    n = holdout_size(0.11, 1000)
    assert f["holdout"].value == n and line.startswith(f"Once the list is called, keep a permanent comparison group: "
                                                       f"leave {n} of its 1,000 customers")
    assert f["holdout_cost"].value == pytest.approx(n * 0.11 * 0.3 * 700 - n * 8)
    assert line.endswith(f"worth {f['holdout_cost'].text} after the calls it saves.")
    cheap = holdout_bullet({}, hit_rate=0.11, contacts=1000, save_rate=0.3, value_per_kept=100, currency="$",
                           dated=True, cost_per_contact=8)
    assert cheap.endswith("to the good).")


def test_on_a_file_without_dates_a_called_customer_who_left_is_not_on_today_s_list(called_panel):
    """Their outcome is set aside from measuring, but the file still says they are gone: not called again,
    whether the evaluation is fresh or read back from the disk cache."""
    from storytelling.lift import contact_list

    month = called_panel[called_panel["snapshot_date"] == "2026-10-01"].drop(columns="snapshot_date")
    gone = set(month.loc[(month["called_by_marketing"] == "yes") & (month["churned_next_30d"] == 1), "customer_id"])
    assert gone
    for _ in range(2):  # the second read comes from the cache
        src = read(month.reset_index(drop=True), "called_by_marketing")
        ev = src.evaluate()
        listed = set(contact_list(ev, len(month))["Customer id"])
        assert listed and not listed & {str(c) for c in gone}
