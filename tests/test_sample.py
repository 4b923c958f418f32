"""The synthetic business behaves as designed."""

import pandas as pd

from storytelling.sample import SampleSpec, generate, load_sample, load_sample_ab


def test_small_version_shape_and_determinism(small_panel):
    again = generate(SampleSpec(customers=1500, months=8, seed=7))[0]
    pd.testing.assert_frame_equal(small_panel, again)
    assert small_panel["snapshot_date"].nunique() == 8
    per_month = small_panel.groupby("snapshot_date").size()
    assert per_month.min() >= 1400
    # The latest month is unlabelled; every earlier one is labelled.
    latest = small_panel["snapshot_date"].max()
    assert small_panel.loc[small_panel["snapshot_date"] == latest, "churned_next_30d"].isna().all()
    assert small_panel.loc[small_panel["snapshot_date"] < latest, "churned_next_30d"].notna().all()


def test_committed_sample_meets_the_spec():
    panel = load_sample()
    months = panel.groupby("snapshot_date").size()
    assert len(months) >= 18
    assert months.min() >= 10_000
    assert panel.groupby("snapshot_date")["customer_id"].apply(lambda s: s.is_unique).all()
    labelled = panel.dropna(subset=["churned_next_30d"])
    rate = labelled["churned_next_30d"].mean()
    assert 0.02 <= rate <= 0.08
    # New customers join over time; leavers do not come back.
    ids = panel.groupby("snapshot_date")["customer_id"].apply(set)
    assert len(ids.iloc[-1] - ids.iloc[0]) > 1000
    for col in ["contract", "tenure_months", "monthly_charge", "support_tickets_90d", "usage_trend_pct",
                "failed_payments_90d", "plan", "region", "age_band", "on_retention_list"]:
        assert col in panel


def test_designed_in_drivers_move_churn():
    lab = load_sample().dropna(subset=["churned_next_30d"])
    by_contract = lab.groupby("contract", observed=True)["churned_next_30d"].mean()
    assert by_contract["Month-to-month"] > 2 * by_contract["Two year"]
    tickets = lab.groupby(lab["support_tickets_90d"].clip(upper=4))["churned_next_30d"].mean()
    assert tickets.is_monotonic_increasing
    usage = lab.groupby(pd.qcut(lab["usage_trend_pct"], 4, duplicates="drop"), observed=True)["churned_next_30d"].mean()
    assert usage.iloc[0] > usage.iloc[-1]
    assert lab.groupby("on_retention_list")["churned_next_30d"].mean()[True] > lab["churned_next_30d"].mean()


def test_price_rise_and_seasonality_show():
    lab = load_sample().dropna(subset=["churned_next_30d"])
    monthly = lab.groupby("snapshot_date")["churned_next_30d"].mean()
    dates = monthly.index
    # The four months after the price rise are worse than the four before it.
    rise = dates[10]
    before = monthly[(dates < rise) & (dates >= dates[6])].mean()
    after = monthly[(dates >= rise) & (dates < dates[14])].mean()
    assert after > before
    charge = lab.groupby("snapshot_date")["monthly_charge"].mean()
    assert charge.iloc[11] > charge.iloc[8] * 1.05


def test_ab_file():
    ab = load_sample_ab()
    assert set(ab["group"]) == {"control", "test"}
    assert set(ab["churned"]) == {0, 1}
    rates = ab.groupby("group")["churned"].mean()
    assert rates["test"] < rates["control"]
