"""Whether the model still earns its keep: what changed since the last update.

Each check compares like with like and reports a change only when it is larger than chance or than a
stated threshold, so that nothing is said when nothing changed:

* :func:`check_forecast`: an earlier run's forecast for a month against the month's outcomes, once
  they are known (customer by customer, by the ids it forecast);
* :func:`churn_change`: churn in the latest measured month against the month before (read as the
  A/B readout reads two groups, 95%);
* :func:`mix_shift`: the columns whose distribution moved most between the months the model learnt
  from and the month being scored (population stability index, PSI, per column);
* :func:`score_shift`: the scores of the month being scored against those of the month measured;
* :func:`edge_trend`: the list's edge over random calling, run by run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from storytelling.history import RunRecord, forecast_range
from storytelling.values import equal_bands

#: PSI at which a column (or the scores) has moved enough to name, and enough to retrain.
PSI_NAME, PSI_RETRAIN = 0.1, 0.25
#: The list's edge over random calling below which the model no longer earns its keep.
EDGE_FLOOR = 1.5
#: A fall in the edge (share of the earlier runs' median) worth naming.
EDGE_FALL = 0.25
BINS = 10


@dataclass(frozen=True)
class ForecastCheck:
    """An earlier forecast against what happened, for the customers it named who are in the month's outcomes."""

    month: str
    made_in: str  # the period of the run that forecast it
    matched: int
    forecast_customers: int
    expected: float
    low: float
    high: float
    actual: int
    list_customers: int
    list_expected: float
    list_actual: int
    calibration: pd.DataFrame  # band, customers, expected, low, high, actual (by fifths of the forecast risk)
    list_low: float = 0.0  # where the list's leavers land 9 times in 10 if the risks are right (lower end)

    @property
    def within(self) -> bool:
        return self.low <= self.actual <= self.high

    @property
    def list_short(self) -> bool:
        """The list's leavers clearly fewer than its risks said (below their range)."""
        return self.list_customers > 0 and self.list_actual < self.list_low


def check_forecast(record: RunRecord, forecast: pd.DataFrame, outcomes: pd.DataFrame) -> ForecastCheck | None:
    """``record``'s forecast checked on ``outcomes`` (customer_id, snapshot_date, churned: the month
    now measured); None when it forecast another month or none of its customers are there."""
    if record.forecast_month is None:
        return None
    month = outcomes[outcomes["snapshot_date"] == pd.Timestamp(record.forecast_month)]
    known = month.dropna(subset=["churned"]).drop_duplicates("customer_id")
    got = forecast.merge(pd.DataFrame({"customer_id": known["customer_id"].astype(str),
                                       "left": known["churned"].to_numpy(int)}), on="customer_id")
    if got.empty:
        return None
    expected, low, high = forecast_range(got["score"].to_numpy())
    listed = got[got["on_list"]]
    return ForecastCheck(month=record.forecast_month, made_in=record.period, matched=len(got),
                         forecast_customers=len(forecast), expected=expected, low=low, high=high,
                         actual=int(got["left"].sum()), list_customers=len(listed),
                         list_expected=float(listed["score"].sum()), list_actual=int(listed["left"].sum()),
                         calibration=calibration(got["score"].to_numpy(), got["left"].to_numpy()),
                         list_low=forecast_range(listed["score"].to_numpy())[1])


def calibration(score: np.ndarray, left: np.ndarray, bands: int = 5) -> pd.DataFrame:
    """Customers in fifths of the forecast risk (lowest first): how many left, against how many the
    risks said would, and each fifth's range, wide enough that all fifths land in theirs 9 times in
    10 if the risks are right (a 90% range shared among the fifths; ties kept together by ranking first)."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - 0.1 / (2 * bands))
    df = pd.DataFrame({"band": equal_bands(score, bands), "score": score, "left": left})
    rows = [(b, len(g), *forecast_range(g["score"].to_numpy(), z), int(g["left"].sum())) for b, g in df.groupby("band")]
    return pd.DataFrame(rows, columns=["band", "customers", "expected", "low", "high", "actual"])


@dataclass(frozen=True)
class ChurnChange:
    before_month: pd.Timestamp
    month: pd.Timestamp
    before_rate: float
    rate: float
    customers: int
    clear: bool  # larger than chance: read as the A/B readout reads a test (range excludes zero, p < 0.05)


def churn_change(frame: pd.DataFrame) -> ChurnChange | None:
    """Churn in the latest month with outcomes against the month before (None with fewer than two),
    tested as :func:`storytelling.abtest.read_test` tests two groups."""
    from storytelling.abtest import read_test

    lab = frame.dropna(subset=["churned"])
    months = sorted(lab["snapshot_date"].unique())
    if len(months) < 2:
        return None
    a, b = lab[lab["snapshot_date"] == months[-2]]["churned"], lab[lab["snapshot_date"] == months[-1]]["churned"]
    r = read_test(len(a), int(a.sum()), len(b), int(b.sum()), expected_ratio=len(b) / len(a))
    return ChurnChange(pd.Timestamp(months[-2]), pd.Timestamp(months[-1]), float(a.mean()), float(b.mean()), len(b),
                       bool(r.significant))


@dataclass(frozen=True)
class Shift:
    """One column's move: its PSI and the part of it that moved most, in words-ready pieces."""

    column: str
    psi: float
    what: str  # the category, or "higher"/"lower" for a number
    before: float  # that category's share (or the median) in the reference months
    now: float


def psi(ref: np.ndarray, new: np.ndarray) -> float:
    """Population stability index of two share vectors over the same bins (empty bins smoothed)."""
    r, n = np.clip(ref, 1e-4, None), np.clip(new, 1e-4, None)
    return float(((n - r) * np.log(n / r)).sum())


def _shares(ref: pd.Series, new: pd.Series) -> tuple[np.ndarray, np.ndarray, list]:
    """Both columns' shares over bins set by the reference: deciles for numbers, categories otherwise."""
    if pd.api.types.is_numeric_dtype(ref) and ref.nunique() > BINS:
        edges = np.unique(np.nanquantile(ref.to_numpy(float), np.linspace(0, 1, BINS + 1)[1:-1]))
        cut = lambda s: np.where(s.isna(), -1, np.searchsorted(edges, s.to_numpy(float), side="right"))  # noqa: E731
        labels = list(range(-1, len(edges) + 1))
    else:
        labels = list(pd.concat([ref, new]).astype("string").fillna("(not recorded)").unique())
        cut = lambda s: s.astype("string").fillna("(not recorded)").to_numpy()  # noqa: E731
    a, b = pd.Series(cut(ref)).value_counts(normalize=True), pd.Series(cut(new)).value_counts(normalize=True)
    return a.reindex(labels, fill_value=0).to_numpy(), b.reindex(labels, fill_value=0).to_numpy(), labels


def column_shift(column: str, ref: pd.Series, new: pd.Series) -> Shift:
    a, b, labels = _shares(ref, new)
    value = psi(a, b)
    if pd.api.types.is_numeric_dtype(ref) and ref.nunique() > BINS:
        m0, m1 = float(ref.median()), float(new.median())
        return Shift(column, value, "higher" if m1 > m0 else "lower", m0, m1)
    i = int(np.argmax(np.abs(b - a)))
    return Shift(column, value, str(labels[i]), float(a[i]), float(b[i]))


def mix_shift(reference: pd.DataFrame, new: pd.DataFrame, columns: list[str]) -> list[Shift]:
    """Every column's shift from ``reference`` (the months learnt from) to ``new``, largest first."""
    out = [column_shift(c, reference[c], new[c]) for c in columns if c in reference and c in new]
    return sorted(out, key=lambda s: -s.psi)


def score_shift(measured: np.ndarray, scored: np.ndarray) -> float:
    """PSI of the scored month's risks over the measured month's deciles of risk."""
    a, b, _ = _shares(pd.Series(measured), pd.Series(scored))
    return psi(a, b)


@dataclass(frozen=True)
class EdgeTrend:
    periods: list[str]
    edges: list[float]
    usual: float | None  # the earlier runs' median edge (None without earlier runs)

    @property
    def now(self) -> float:
        return self.edges[-1]

    @property
    def below_floor(self) -> bool:
        return self.now < EDGE_FLOOR

    @property
    def fell(self) -> bool:
        return self.usual is not None and self.now < self.usual * (1 - EDGE_FALL)

    @property
    def fading(self) -> bool:
        """Below the floor, or fallen: the model no longer earns its keep as it did."""
        return self.below_floor or self.fell


def edge_trend(records: list[RunRecord]) -> EdgeTrend | None:
    """The list's edge over random calling, run by run (the last is this run's)."""
    return edge_series([(r.period, r.edge) for r in records])


def edge_series(points: list[tuple[str, float]]) -> EdgeTrend | None:
    """The edge over random calling, period by period (the last is the latest): runs, or backtest months."""
    got = [(p, e) for p, e in points if math.isfinite(e)]
    if not got:
        return None
    earlier = [e for _, e in got[:-1]]
    return EdgeTrend([p for p, _ in got], [e for _, e in got], float(np.median(earlier)) if earlier else None)


@dataclass
class Changes:
    """Everything the monitoring found for this run (see :mod:`storytelling.monitor`)."""

    record: RunRecord
    forecast: pd.DataFrame | None
    last: RunRecord | None  # the latest earlier run
    check: ForecastCheck | None
    churn: ChurnChange | None
    shifts: list[Shift]
    shift_month: str  # the month whose customers were compared with those the model learnt from
    score_psi: float | None
    edge: EdgeTrend | None
    problems: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # the columns as the glossary names them
    set_aside: str | None = None  # what was left out because marketing called them (storytelling.feedback)
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why

    @property
    def retrain(self) -> bool:
        """The inputs or the scores moved enough, or the edge is fading: retrain."""
        return (any(s.psi >= PSI_RETRAIN for s in self.shifts) or (self.score_psi or 0) >= PSI_RETRAIN
                or (self.edge is not None and self.edge.fading))

    @property
    def urgent(self) -> bool:
        """Something an executive must know: a retrain, a clear churn change, a forecast that missed."""
        return self.retrain or bool(self.churn and self.churn.clear) or bool(self.check and not self.check.within)
