"""Deterministic generator of the embedded sample data set.

A synthetic subscription business ("Northwind Broadband") that behaves like a real one:

* monthly snapshots of the active customers (one row per customer and month);
* a dozen features of realistic types (contract, tenure, monthly charge, support tickets, usage
  trend, failed payments, plan, region, age band, payment method, discount, contract end);
* designed-in drivers of leaving, plus customer-level noise the features do not explain;
* seasonality (more leavers after the new year), a price rise part-way through that pushes
  affected customers out for a few months, new customers joining every month;
* ``churned_next_30d`` is the label; the latest snapshot is unlabelled (today's customers);
* ``on_retention_list`` is the rule marketing uses today (contract ends within 60 days, or
  3+ support tickets in the last 90 days);
* a campaign test that started from one monthly snapshot: customers drawn at random from that
  month's customers, half called (``test``) and half left alone (``control``). The call changes
  each customer's chance of leaving by a known amount (:func:`call_effect`): it keeps many of
  the customers with a fixable problem, none of those who leave anyway, and makes a few leave
  (contracts about to end: the call reminds them to shop around). The month's labels in the
  panel are what happened, calls included, and its results file joins the panel by customer id
  and snapshot date.

Everything is drawn from one seeded generator, so the same arguments give the same tables.
Run ``python -m storytelling.sample`` to rewrite ``sample_data/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
PANEL_FILE = "customers.parquet"
CAMPAIGN_DESIGN = "everyone"  # the sample's campaign test drew customers of every risk, not the model's list
AB_FILE = "ab_test_results.csv"

CONTRACTS = np.array(["Month-to-month", "One year", "Two year"])
PLANS = np.array(["Basic", "Standard", "Premium"])
REGIONS = np.array(["North", "South", "East", "West", "Central"])
AGE_BANDS = np.array(["18-24", "25-34", "35-44", "45-54", "55-64", "65+"])
PAYMENTS = np.array(["Card", "Direct debit", "Invoice"])

PLAN_PRICE = np.array([29.0, 49.0, 79.0])
#: True effects on the log-odds of leaving within 30 days (the "designed-in drivers").
CONTRACT_EFFECT = np.array([1.25, 0.0, -0.9])
AGE_EFFECT = np.array([0.35, 0.15, 0.0, -0.05, -0.15, -0.25])
REGION_EFFECT = np.array([0.0, 0.1, -0.05, 0.05, 0.0])
PAYMENT_EFFECT = np.array([0.0, -0.3, 0.25])


@dataclass(frozen=True)
class SampleSpec:
    """Size and timing of the synthetic business."""

    customers: int = 11_000
    months: int = 20
    last_snapshot: str = "2026-11-01"
    price_change_month: int = 10  # index of the first snapshot after the price rise
    seed: int = 20261123
    test_month: int = 16  # index of the snapshot the campaign test started from (1 August 2026)
    test_share: float = 1.0  # the share of that month's customers drawn into the test


def _new_customers(rng: np.random.Generator, n: int, start_id: int, month_idx: int) -> dict:
    contract = rng.choice(3, size=n, p=[0.55, 0.27, 0.18])
    plan = rng.choice(3, size=n, p=[0.35, 0.45, 0.20])
    # Existing customers at the start have a spread of tenures; joiners start at zero.
    tenure = rng.gamma(1.6, 14.0, size=n).astype(int) if month_idx == 0 else np.zeros(n, int)
    term = np.where(contract == 1, 12, np.where(contract == 2, 24, 0))
    # Months left on the contract; month-to-month has no end date.
    left = np.where(term > 0, term - (tenure % np.maximum(term, 1)), 0)
    return {
        "customer_id": np.arange(start_id, start_id + n),
        "contract": contract,
        "plan": plan,
        "region": rng.choice(5, size=n, p=[0.22, 0.24, 0.18, 0.2, 0.16]),
        "age_band": rng.choice(6, size=n, p=[0.1, 0.24, 0.23, 0.19, 0.14, 0.1]),
        "payment": rng.choice(3, size=n, p=[0.42, 0.4, 0.18]),
        "tenure": tenure,
        "term": term,
        "months_left": left,
        "addons": rng.poisson(0.8, size=n),
        "frailty": rng.normal(0.0, 0.55, size=n),  # what the features cannot see
        "usage_level": rng.normal(0.0, 0.25, size=n),
        "stress": rng.gamma(1.2, 0.5, size=n),  # propensity for support contacts
        "discount": rng.random(n) < 0.08,
    }


def _concat(a: dict, b: dict) -> dict:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def _take(a: dict, keep: np.ndarray) -> dict:
    return {k: v[keep] for k, v in a.items()}


def generate(spec: SampleSpec | None = None, *, truth: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(panel, ab_results)`` for the synthetic business.

    ``panel`` has one row per active customer per monthly snapshot; ``ab_results`` has one row
    per customer in the campaign test (``customer_id``, ``snapshot_date`` it started from,
    ``group`` control or test, ``churned`` 0/1). ``truth`` adds each test customer's chance of
    leaving if left alone and if called (``p_alone``, ``p_called``), known only to the generator.
    """
    spec = spec or SampleSpec()
    rng = np.random.default_rng(spec.seed)
    dates = pd.date_range(end=pd.Timestamp(spec.last_snapshot), periods=spec.months, freq="MS")
    pop = _new_customers(rng, spec.customers, 100_001, 0)
    next_id = 100_001 + spec.customers
    tickets = rng.poisson(pop["stress"] * 0.6)
    usage_prev = pop["usage_level"].copy()
    frames, test = [], None
    for m, date in enumerate(dates):
        n = len(pop["customer_id"])
        after_rise = m >= spec.price_change_month
        price = PLAN_PRICE[pop["plan"]] * np.where(after_rise & (pop["plan"] > 0), 1.12, 1.0)
        charge = price + 7.5 * pop["addons"] - np.where(pop["discount"], 8.0, 0.0)
        charge = np.round(charge + rng.normal(0, 1.5, n), 2)
        # Usage drifts; customers on their way out tend to use the service less first.
        usage_now = 0.85 * usage_prev + rng.normal(0, 0.12, n) - 0.06 * pop["frailty"]
        usage_trend = np.clip(usage_now - usage_prev, -0.9, 0.9)
        usage_prev = usage_now
        tickets = rng.binomial(tickets, 0.45) + rng.poisson(pop["stress"] * 0.5 + 0.05)
        failed = rng.poisson(np.where(pop["payment"] == 2, 0.18, 0.06) + 0.1 * (pop["frailty"] > 0.8))
        contract_end_days = np.where(pop["term"] > 0, pop["months_left"] * 30.4, np.nan)
        on_list = (np.nan_to_num(contract_end_days, nan=999) <= 60) | (tickets >= 3)
        season = 0.22 * np.cos(2 * np.pi * (date.month - 1) / 12)
        rise_shock = 0.45 if spec.price_change_month <= m < spec.price_change_month + 4 else 0.0
        logit = _churn_logit(pop, tickets, usage_trend, failed, charge, season, rise_shock)
        p = 1.0 / (1.0 + np.exp(-logit))
        u = rng.random(n)
        if m == min(spec.test_month, spec.months - 2):  # a month whose outcome is known
            p, test = _campaign(spec, pop, p, u, tickets=tickets, usage_trend=usage_trend, failed=failed, date=date)
        churned = u < p
        label = churned.astype(float) if m < len(dates) - 1 else np.full(n, np.nan)
        frames.append(_snapshot(rng, pop, date, charge=charge, tickets=tickets, usage_trend=usage_trend, failed=failed,
                                contract_end_days=contract_end_days, on_list=on_list, label=label))
        # Move to the next month: leavers go, the rest age, new customers join.
        stay = ~churned
        pop = _take(pop, stay)
        tickets = tickets[stay]
        usage_prev = usage_prev[stay]
        pop["tenure"] = pop["tenure"] + 1
        renew = (pop["term"] > 0) & (pop["months_left"] <= 1)
        pop["months_left"] = np.where(renew, pop["term"], np.maximum(pop["months_left"] - 1, 0))
        joiners = int(rng.normal(1.02, 0.05) * churned.sum()) + int(spec.customers * 0.004)
        joiners = max(joiners, 1)
        new = _new_customers(rng, joiners, next_id, m + 1)
        next_id += joiners
        pop = _concat(pop, new)
        tickets = np.concatenate([tickets, rng.poisson(new["stress"] * 0.3)])
        usage_prev = np.concatenate([usage_prev, new["usage_level"]])
    panel = pd.concat(frames, ignore_index=True)
    for col in ("contract", "plan", "region", "age_band", "payment_method"):
        panel[col] = panel[col].astype("category")
    return panel, test if truth else test.drop(columns=["p_alone", "p_called"])


def _churn_logit(pop: dict, tickets: np.ndarray, usage_trend: np.ndarray, failed: np.ndarray, charge: np.ndarray,
                 season: float, rise_shock: float) -> np.ndarray:
    """Each customer's log-odds of leaving this month: the sample's known drivers."""
    return (
        -3.85
        + CONTRACT_EFFECT[pop["contract"]]
        - 0.42 * np.log1p(pop["tenure"] / 3.0)
        + 0.33 * np.minimum(tickets, 8)
        - 2.1 * usage_trend
        + 0.55 * np.minimum(failed, 4)
        + 0.012 * (charge - 50.0)
        + AGE_EFFECT[pop["age_band"]]
        + REGION_EFFECT[pop["region"]]
        + PAYMENT_EFFECT[pop["payment"]]
        + np.where((pop["term"] > 0) & (pop["months_left"] <= 2), 0.8, 0.0)
        + np.where(pop["plan"] > 0, rise_shock, 0.0)
        + 0.25 * pop["discount"]  # discounts go to customers already at risk
        + season
        + pop["frailty"]
    )


def _snapshot(rng: np.random.Generator, pop: dict, date, *, charge, tickets, usage_trend, failed, contract_end_days,
              on_list, label) -> pd.DataFrame:
    """One monthly snapshot as the data team would export it (rows shuffled)."""
    frame = pd.DataFrame({
        "customer_id": pd.Series(pop["customer_id"]).map("C{:06d}".format),
        "snapshot_date": date,
        "contract": CONTRACTS[pop["contract"]],
        "plan": PLANS[pop["plan"]],
        "region": REGIONS[pop["region"]],
        "age_band": AGE_BANDS[pop["age_band"]],
        "payment_method": PAYMENTS[pop["payment"]],
        "tenure_months": pop["tenure"].astype("int16"),
        "monthly_charge": charge.astype("float32"),
        "support_tickets_90d": tickets.astype("int8"),
        "usage_trend_pct": np.round(usage_trend * 100).astype("int16"),
        "failed_payments_90d": failed.astype("int8"),
        "has_discount": pop["discount"],
        "contract_end_days": np.round(contract_end_days).astype("float32"),
        "on_retention_list": on_list,
        "churned_next_30d": label.astype("float32"),
    })
    return frame.sample(frac=1.0, random_state=int(rng.integers(1 << 30))).reset_index(drop=True)


def call_effect(pop: dict, *, tickets: np.ndarray, usage_trend: np.ndarray, failed: np.ndarray) -> np.ndarray:
    """The relative change a call makes to each customer's chance of leaving (the truth the
    campaign test should recover): none for customers who leave anyway (failed payments, usage
    collapsing), +80% for contracts ending within two months (the call reminds them to shop
    around), -70% for month-to-month customers with support problems, -30% for everyone else."""
    anyway = (failed >= 1) | (usage_trend <= -0.3)
    reminded = (pop["term"] > 0) & (pop["months_left"] <= 2)
    fixable = (pop["contract"] == 0) & (tickets >= 2)
    return np.select([anyway, reminded, fixable], [0.0, 0.8, -0.7], default=-0.3)


def _campaign(spec: SampleSpec, pop: dict, p: np.ndarray, u: np.ndarray, *, tickets, usage_trend, failed,
              date) -> tuple[np.ndarray, pd.DataFrame]:
    """The month's chances of leaving with the test's calls, and the test's rows (drawn with their
    own generator, so the months before the test are the same with or without it)."""
    rng = np.random.default_rng(spec.seed + 1)
    n = len(p)
    rows = np.sort(rng.choice(n, size=int(n * spec.test_share), replace=False))
    called = rng.random(len(rows)) < 0.5
    p_called = np.clip(p * (1 + call_effect(pop, tickets=tickets, usage_trend=usage_trend, failed=failed)), 0, 1)
    out = p.copy()
    out[rows[called]] = p_called[rows[called]]
    test = pd.DataFrame({"customer_id": pd.Series(pop["customer_id"][rows]).map("C{:06d}".format).to_numpy(),
                         "snapshot_date": date, "group": np.where(called, "test", "control"),
                         "churned": (u[rows] < out[rows]).astype(int), "p_alone": p[rows], "p_called": p_called[rows]})
    return out, test


def write(directory: Path | str = SAMPLE_DIR, spec: SampleSpec | None = None) -> list[Path]:
    """Write the sample files into ``directory`` and return their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    panel, ab = generate(spec)
    panel_path = directory / PANEL_FILE
    ab_path = directory / AB_FILE
    panel.to_parquet(panel_path, index=False, compression="zstd")
    ab.to_csv(ab_path, index=False, date_format="%Y-%m-%d")
    return [panel_path, ab_path]


def load_sample() -> pd.DataFrame:
    """The committed sample panel (generated on the fly if the file is missing)."""
    path = SAMPLE_DIR / PANEL_FILE
    if path.exists():
        return pd.read_parquet(path)
    return generate()[0]


def load_sample_ab() -> pd.DataFrame:
    """The committed campaign test's results (one row per customer in the test)."""
    path = SAMPLE_DIR / AB_FILE
    if path.exists():
        return pd.read_csv(path, parse_dates=["snapshot_date"])
    return generate()[1]


if __name__ == "__main__":  # pragma: no cover
    for p in write():
        print(f"wrote {p} ({p.stat().st_size / 1e6:.2f} MB)")
