"""Churn tables shaped unlike the sample, each with a known truth, as users really send them.

* :func:`telco_like` -- like the public telecom table of 7,043 customers: a row-number column
  first, text and number columns interleaved, a Yes/No label, no dates, no scores, a per-row
  text id; ``contract``, ``tenure`` and ``internet`` drive leaving, ``gender`` and ``paperless``
  do nothing; ``monthly_charges`` is the whole monthly bill.
* :func:`mobile_like` -- like the public 5,000-customer mobile table: no id at all, an account
  length that barely relates to leaving, four partial charge columns (day, evening, night,
  international), plans as yes/no text; ``service_calls`` and ``intl_plan`` drive leaving.

Small by default (a few thousand rows) so the tests stay fast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _left(rng: np.random.Generator, logit: np.ndarray) -> np.ndarray:
    return rng.random(len(logit)) < 1 / (1 + np.exp(-logit))


def telco_like(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tenure = rng.integers(0, 73, n)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.55, 0.21, 0.24])
    internet = rng.choice(["DSL", "Fiber optic", "No"], n, p=[0.34, 0.44, 0.22])
    monthly = np.round((20 + 30 * (internet != "No") + 25 * (internet == "Fiber optic") + rng.normal(0, 8, n)).clip(18), 2)
    logit = (-1.3 + 1.5 * (contract == "Month-to-month") - 1.2 * (contract == "Two year")
             - 0.035 * tenure + 0.9 * (internet == "Fiber optic") - 0.6 * (internet == "No"))
    left = _left(rng, logit)
    return pd.DataFrame({
        "rownames": np.arange(1, n + 1),
        "tenure": tenure,
        "gender": rng.choice(["Female", "Male"], n),
        "monthly_charges": monthly,
        "contract": contract,
        "total_charges": np.round(monthly * np.maximum(tenure, 1) * rng.uniform(0.95, 1.05, n), 2),
        "internet": internet,
        "paperless": rng.choice(["Yes", "No"], n),
        "customerID": [f"{rng.integers(1000, 9999)}-{i:05d}" for i in range(n)],
        "Churn": np.where(left, "Yes", "No"),
    })


def mobile_like(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    calls = rng.poisson(1.5, n)
    intl = rng.choice(["yes", "no"], n, p=[0.1, 0.9])
    day_minutes = np.round(rng.normal(180, 54, n).clip(0), 1)
    logit = -3.0 + 0.75 * np.maximum(calls - 2, 0) + 1.8 * (intl == "yes") + 0.008 * (day_minutes - 180)
    left = _left(rng, logit)
    return pd.DataFrame({
        "state": rng.choice(["KS", "OH", "NJ", "OK", "AL", "MA", "MO", "LA", "WV", "IN"], n),
        "account_length": rng.integers(1, 243, n),
        "area_code": rng.choice(["area_code_408", "area_code_415", "area_code_510"], n),
        "intl_plan": intl,
        "voice_mail_plan": rng.choice(["yes", "no"], n, p=[0.27, 0.73]),
        "total_day_minutes": day_minutes,
        "total_day_charge": np.round(day_minutes * 0.17, 2),
        "total_eve_charge": np.round(rng.normal(17, 4.3, n).clip(0), 2),
        "total_night_charge": np.round(rng.normal(9, 2.3, n).clip(0), 2),
        "total_intl_charge": np.round(rng.normal(2.8, 0.75, n).clip(0), 2),
        "service_calls": calls,
        "churn": np.where(left, "yes", "no"),
    })


def shuffled(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The same table with its columns in another order."""
    return df[list(np.random.default_rng(seed).permutation(df.columns))]
