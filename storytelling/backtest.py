"""Backtest: had we used the model since month X, what would it have gained, month by month?

Rolling origin over monthly cutoffs. At each cutoff the model is trained only on snapshots whose
outcome was already known then (``train_end + horizon <= cutoff``), scores the customers active
at the cutoff, and the campaign policy (top ``capacity`` customers, or everyone above a risk
threshold) is compared with today's rule and random calling at the same number of calls.

Two stages, so the app can cache the slow one:

* :func:`score_backtest` trains and scores per cutoff (slow; depends on data, cutoffs, window);
* :func:`summarise_backtest` prices every month under the business assumptions (fast).

:func:`run_backtest` does both.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from storytelling import charts
from storytelling import plot as plots
from storytelling.data import CustomerData, DataError
from storytelling.model import feature_frame, roc_auc, train_baseline
from storytelling.story import Fact, Finding, facts, fmt_count, fmt_date, fmt_money, fmt_range, fmt_ratio, texts
from storytelling.targeting import Assumptions, TargetingCurve

MIN_HISTORY_SNAPSHOTS = 3
FEW_LEAVERS = 20
LEAKY_AUC = 0.9  # a single column that ranks leavers this well is probably recorded after the fact
DRIFT_DROP = 0.05  # ranking quality this far below its usual level counts as a drop

Progress = Callable[[int, int, str], None]


@dataclass
class ScoredPeriod:
    cutoff: pd.Timestamp
    train_end: pd.Timestamp | None
    train_rows: int
    excluded: list[pd.Timestamp]  # snapshots before the cutoff left out: outcome not yet known
    frame: pd.DataFrame | None  # customers at the cutoff: churned, score, value?, status_quo?
    # or, for a warehouse, the month's (model, today's rule) curves from its score histogram, without
    # and with the customers' value (key: uses value); frame is then None
    curves: dict[bool, tuple[TargetingCurve, TargetingCurve | None]] | None = None
    auc: float | None = None


@dataclass
class BacktestScores:
    periods: list[ScoredPeriod]
    horizon_days: int
    window: str  # "expanding" or "sliding"
    mode: str  # "retrained" or "given scores"
    leaky_features: dict[str, float] = field(default_factory=dict)  # feature -> its own ranking quality

    def only(self, cutoffs) -> BacktestScores | None:
        """The same scores for the chosen months only (None when none of them was scored)."""
        chosen = {pd.Timestamp(c) for c in cutoffs}
        periods = [p for p in self.periods if p.cutoff in chosen]
        return replace(self, periods=periods) if periods else None


def monthly_snapshots(data: CustomerData) -> list[pd.Timestamp]:
    if not data.has_dates:
        raise DataError("A backtest needs a snapshot date column: the data has no dates.")
    return [pd.Timestamp(d) for d in sorted(data.labelled["snapshot_date"].unique())]


def default_cutoffs(data: CustomerData, *, horizon_days: int = 30,
                    min_history: int = MIN_HISTORY_SNAPSHOTS) -> list[pd.Timestamp]:
    """Every labelled snapshot with at least ``min_history`` earlier snapshots whose outcome was
    known by then (for given scores: every labelled snapshot)."""
    snaps = monthly_snapshots(data)
    if data.has_score:
        return snaps
    h = pd.Timedelta(days=horizon_days)
    return [c for c in snaps if sum(d + h <= c for d in snaps) >= min_history]


def _single_feature_auc(X: pd.DataFrame, y: np.ndarray) -> dict[str, float]:
    """How well each column alone ranks leavers (0.5 = not at all, 1 = perfectly)."""
    out = {}
    for c in X.columns:
        s = X[c]
        if pd.api.types.is_numeric_dtype(s):
            v = pd.to_numeric(s, errors="coerce").astype(float).fillna(float(np.nanmedian(s)) if s.notna().any() else 0)
        else:
            rates = pd.Series(y, index=s.index).groupby(s.astype("string").fillna("(missing)")).mean()
            v = s.astype("string").fillna("(missing)").map(rates).astype(float)
        a = roc_auc(y, v.to_numpy())
        if math.isfinite(a):
            out[c] = max(a, 1 - a)
    return out


def score_backtest(data: CustomerData, *, cutoffs: list | None = None, horizon_days: int = 30,
                   window: str = "expanding", window_months: int = 12, seed: int = 0,
                   progress: Progress | None = None, months: dict | None = None) -> BacktestScores:
    """Train (or take the given scores) and score the customers at every cutoff.

    ``months`` keeps each month's model and scores as they are made (keyed by month and setup), so
    a replay that is interrupted (a rerun, a closed tab) resumes where it stopped instead of
    training every month again.
    """
    snaps = monthly_snapshots(data)
    cutoffs = default_cutoffs(data, horizon_days=horizon_days) if cutoffs is None else [pd.Timestamp(c) for c in cutoffs]
    cutoffs = sorted(c for c in cutoffs if c in set(snaps))
    if not cutoffs:
        raise DataError(
            "No month can be backtested: each month needs at least "
            f"{MIN_HISTORY_SNAPSHOTS} earlier months whose outcome was known by then. Load more history."
        )
    mode = "given scores" if data.has_score else "retrained"
    if mode == "retrained" and not data.features:
        raise DataError("The data has neither a score column nor customer features to train a model on.")
    months = {} if months is None else months
    periods: list[ScoredPeriod] = []
    leaky: dict[str, float] = {}
    for i, c in enumerate(cutoffs):
        if progress:
            progress(i, len(cutoffs), f"{c:%B %Y}")
        key = (c, horizon_days, window, window_months, seed, mode)
        if key not in months:
            months[key] = _score_month(data, c, mode, horizon_days, window, window_months, seed)
        period = months[key]
        if period is None:
            continue
        periods.append(period)
        if mode == "retrained" and (i == 0 or i == len(cutoffs) - 1):  # a feature that alone predicts too well
            train = _training_rows(data.labelled, c, horizon_days, window, window_months)[0]
            for f, a in _single_feature_auc(feature_frame(data, train), train["churned"].to_numpy().astype(int)).items():
                leaky[f] = max(leaky.get(f, 0.0), a)
    if progress:
        progress(len(cutoffs), len(cutoffs), "done")
    if not periods:
        raise DataError("No month had enough history with both leavers and stayers to train a model.")
    return BacktestScores(periods, horizon_days, window, mode, {f: a for f, a in leaky.items() if a >= LEAKY_AUC})


def _training_rows(lab: pd.DataFrame, c: pd.Timestamp, horizon_days: int, window: str,
                   window_months: int) -> tuple[pd.DataFrame, list[pd.Timestamp]]:
    """What was known at ``c``: the rows whose outcome was known by then (within the window), and the
    earlier months left out because their outcome was not known yet."""
    known = lab["snapshot_date"] + pd.Timedelta(days=horizon_days) <= c
    train = lab[known]
    if window == "sliding":
        train = train[train["snapshot_date"] > c - pd.DateOffset(months=window_months)]
    excluded = sorted(pd.Timestamp(d) for d in lab.loc[(lab["snapshot_date"] < c) & ~known, "snapshot_date"].unique())
    return train, excluded


def _score_month(data: CustomerData, c: pd.Timestamp, mode: str, horizon_days: int, window: str, window_months: int,
                 seed: int) -> ScoredPeriod | None:
    """One month: its customers scored by a model trained on what was known then (or by the given
    scores); None when that month has nothing to learn from."""
    lab = data.labelled
    keep = [col for col in ("customer_id", "churned", "score", "value", "status_quo") if col in lab]
    now = lab[lab["snapshot_date"] == c]
    if mode == "given scores":
        return ScoredPeriod(c, None, 0, [], now[keep].reset_index(drop=True))
    train, excluded = _training_rows(lab, c, horizon_days, window, window_months)
    if len(train) == 0 or train["churned"].nunique() < 2:
        return None
    model = train_baseline(data, train, seed=seed)
    frame = now[keep].reset_index(drop=True).copy()
    frame["score"] = model.predict_proba(feature_frame(data, now))[:, 1]
    return ScoredPeriod(c, pd.Timestamp(train["snapshot_date"].max()), len(train), excluded, frame)


@dataclass
class BacktestResult:
    """Month-by-month results; ``periods`` has one row per cutoff.

    Columns: cutoff, train_end, train_rows, excluded_snapshots, customers, leavers, contacts,
    reached, status_quo_reached, random_reached, saved, saved_low, saved_high, value, cost, net,
    net_low, net_high, status_quo_saved, status_quo_net, random_saved, random_net, auc,
    top_decile_lift.
    """

    periods: pd.DataFrame
    cumulative: pd.DataFrame  # cutoff, policy, saved, saved_low, saved_high, net, net_low, net_high
    totals: dict[str, float]
    assumptions: Assumptions
    horizon_days: int
    mode: str
    window: str
    policy: str
    leaky_features: dict[str, float]
    level: float = 0.9
    set_aside: str | None = None  # said when customers marketing called were left out (see storytelling.feedback)


def summarise_backtest(scores: BacktestScores, assumptions: Assumptions, *, policy: str = "capacity",
                       threshold: float | None = None, use_value: bool = True, n_boot: int = 300,
                       level: float = 0.9, seed: int = 0) -> BacktestResult:
    """Price every month: contacts, leavers reached, customers kept, value, cost, net, ranges."""
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    rows, boot_saved, boot_net = [], [], []
    for p in scores.periods:
        row, saved_s, net_s = _price_month(p, assumptions, policy=policy, threshold=threshold, use_value=use_value,
                                           n_boot=n_boot, seed=seed, q=q)
        rows.append(row)
        boot_saved.append(saved_s)
        boot_net.append(net_s)
    periods = pd.DataFrame(rows)
    # Cumulative totals; months are resampled independently, so a range of the running total
    # comes from summing the resamples month by month.
    cs = np.cumsum(np.vstack(boot_saved), axis=0)
    cn = np.cumsum(np.vstack(boot_net), axis=0)
    return BacktestResult(periods, _cumulative(periods, cs, cn, q), _totals(periods, cs, cn, q), assumptions,
                          scores.horizon_days, scores.mode, scores.window, policy, scores.leaky_features, level)


def _month_curves(p: ScoredPeriod, use_value: bool, seed: int) -> tuple[TargetingCurve, TargetingCurve | None]:
    """The month's model and today's-rule curves: counted in a warehouse, or sorted from its customers."""
    if p.curves is not None:
        return p.curves[use_value and True in p.curves]
    f = p.frame
    value = f["value"].to_numpy() if use_value and "value" in f else None
    curve = TargetingCurve.from_scores(f["score"].to_numpy(), f["churned"].to_numpy(), value)
    rule = (TargetingCurve.from_rule(f["status_quo"].to_numpy(), f["churned"].to_numpy(), value, seed=seed)
            if "status_quo" in f else None)
    return curve, rule


def _price_month(p: ScoredPeriod, a: Assumptions, *, policy: str, threshold: float | None, use_value: bool,
                 n_boot: int, seed: int, q: list[float]) -> tuple[dict, np.ndarray, np.ndarray]:
    """One month's row, and its resampled customers kept and net value."""
    curve, rule = _month_curves(p, use_value, seed)
    if policy == "threshold":
        if threshold is None:
            raise ValueError("a threshold policy needs a threshold")
        k = curve.count_at_threshold(threshold)
    else:
        k = curve.recommended_count(a)  # the rule behind the story's recommended list, month by month
    m, rnd = curve.outcome(k, a), curve.random_outcome(k, a)
    reached, vreached, _ = curve.bootstrap_samples(k, n_boot=n_boot, seed=seed)
    net_s = curve.net_samples(k, a, reached, vreached)
    sq = rule.outcome(k, a) if rule is not None else None
    f = p.frame
    auc = p.auc if p.auc is not None else roc_auc(f["churned"].to_numpy().astype(int), f["score"].to_numpy())
    row = {
        "cutoff": p.cutoff,
        "train_end": p.train_end if p.train_end is not None else pd.NaT,
        "train_rows": p.train_rows,
        "excluded_snapshots": len(p.excluded),
        "excluded_months": ", ".join(f"{d:%b %Y}" for d in p.excluded),
        "customers": curve.n,
        "leavers": curve.total_churners,
        "contacts": k,
        "reached": m.churners_reached,
        "status_quo_reached": sq.churners_reached if sq else np.nan,
        "random_reached": rnd.churners_reached,
        "saved": m.saved,
        "saved_low": float(np.quantile(a.save_rate * reached, q[0])),
        "saved_high": float(np.quantile(a.save_rate * reached, q[1])),
        "value": m.value,
        "cost": m.cost,
        "net": m.net,
        "net_low": float(np.quantile(net_s, q[0])),
        "net_high": float(np.quantile(net_s, q[1])),
        "status_quo_saved": sq.saved if sq else np.nan,
        "status_quo_net": sq.net if sq else np.nan,
        "random_saved": rnd.saved,
        "random_net": rnd.net,
        "auc": auc,
        "top_decile_lift": curve.at_fraction(0.1).lift,
    }
    return row, a.save_rate * reached, net_s


def _cumulative(periods: pd.DataFrame, cs: np.ndarray, cn: np.ndarray, q: list[float]) -> pd.DataFrame:
    """Running totals per policy (the model's with ranges from the summed resamples)."""
    cum = [pd.DataFrame({
        "cutoff": periods["cutoff"], "policy": charts.MODEL,
        "saved": periods["saved"].cumsum(), "net": periods["net"].cumsum(),
        "saved_low": np.quantile(cs, q[0], axis=1), "saved_high": np.quantile(cs, q[1], axis=1),
        "net_low": np.quantile(cn, q[0], axis=1), "net_high": np.quantile(cn, q[1], axis=1),
    })]
    for name, s_col, n_col in ((charts.STATUS_QUO, "status_quo_saved", "status_quo_net"),
                               (charts.RANDOM, "random_saved", "random_net")):
        if periods[s_col].notna().all():
            cum.append(pd.DataFrame({"cutoff": periods["cutoff"], "policy": name,
                                     "saved": periods[s_col].cumsum(), "net": periods[n_col].cumsum()}))
    return pd.concat(cum, ignore_index=True)


def _totals(periods: pd.DataFrame, cs: np.ndarray, cn: np.ndarray, q: list[float]) -> dict:
    def whole(col: str) -> float:  # a policy's total only when every month has it
        return float(periods[col].sum()) if periods[col].notna().all() else math.nan

    return {
        "saved": float(periods["saved"].sum()),
        "saved_low": float(np.quantile(cs[-1], q[0])),
        "saved_high": float(np.quantile(cs[-1], q[1])),
        "net": float(periods["net"].sum()),
        "net_low": float(np.quantile(cn[-1], q[0])),
        "net_high": float(np.quantile(cn[-1], q[1])),
        "cost": float(periods["cost"].sum()),
        "value": float(periods["value"].sum()),
        "contacts": float(periods["contacts"].sum()),
        "status_quo_saved": whole("status_quo_saved"),
        "status_quo_net": whole("status_quo_net"),
        "random_saved": float(periods["random_saved"].sum()),
        "months": len(periods),
        "months_paid_off": int((periods["net"] > 0).sum()),
    }


def run_backtest(data: CustomerData, *, cutoffs: list | None = None, horizon_days: int = 30,
                 assumptions: Assumptions, progress: Progress | None = None, window: str = "expanding",
                 window_months: int = 12, policy: str = "capacity", threshold: float | None = None,
                 use_value: bool = True, seed: int = 0) -> BacktestResult:
    """Score every cutoff (training only on what was known then) and price the months."""
    scores = score_backtest(data, cutoffs=cutoffs, horizon_days=horizon_days, window=window,
                            window_months=window_months, seed=seed, progress=progress)
    return summarise_backtest(scores, assumptions, policy=policy, threshold=threshold, use_value=use_value,
                              seed=seed)


# ---------------------------------------------------------------------------------------------
# Findings


def _monthly_long(result: BacktestResult) -> pd.DataFrame:
    p = result.periods
    parts = [pd.DataFrame({"cutoff": p["cutoff"], "policy": charts.MODEL, "net": p["net"],
                           "net_low": p["net_low"], "net_high": p["net_high"]})]
    if p["status_quo_net"].notna().all():
        parts.append(pd.DataFrame({"cutoff": p["cutoff"], "policy": charts.STATUS_QUO, "net": p["status_quo_net"]}))
    parts.append(pd.DataFrame({"cutoff": p["cutoff"], "policy": charts.RANDOM, "net": p["random_net"]}))
    return pd.concat(parts, ignore_index=True)


def drift_months(result: BacktestResult) -> list[tuple[pd.Timestamp, float, float]]:
    """Months whose ranking quality fell clearly below the level of the months before them:
    (month, that month's quality, the usual quality)."""
    p = result.periods.dropna(subset=["auc"])
    out = []
    for i in range(3, len(p)):
        usual = float(p["auc"].iloc[:i].median())
        now = float(p["auc"].iloc[i])
        if now < usual - DRIFT_DROP:
            out.append((p["cutoff"].iloc[i], now, usual))
    return out


def backtest_caveats(result: BacktestResult) -> list[str]:
    """The sceptic's checks, in plain words (always ends with the A/B test caveat)."""
    p = result.periods
    cav = [result.set_aside] if result.set_aside else []
    few = p[p["reached"] < FEW_LEAVERS]
    if len(few):
        months = ", ".join(fmt_date(c) for c in few["cutoff"])
        cav.append(f"Fewer than {FEW_LEAVERS} leavers were on the list in {months}: those months' figures are rough.")
    excl = p[p["excluded_snapshots"] > 0]
    for _, r in excl.iterrows():
        cav.append(
            f"For {fmt_date(r['cutoff'])} the model could not learn from {r['excluded_months']}: their outcome was "
            f"only known {result.horizon_days} days later, after the list would have been drawn up."
        )
    for month, _now, _usual in drift_months(result):
        row = p[p["cutoff"] == month].iloc[0]
        usual_lift = float(p.loc[p["cutoff"] < month, "top_decile_lift"].median())
        cav.append(
            f"In {fmt_date(month)} the model found fewer leavers than usual: its top tenth was "
            f"{fmt_ratio(row['top_decile_lift'])} better than random, against {fmt_ratio(usual_lift)} before. "
            "Check what changed that month (prices, products, data)."
        )
    for feat, _auc_alone in sorted(result.leaky_features.items(), key=lambda kv: -kv[1]):
        cav.append(
            f"The column '{feat}' on its own separates leavers from stayers almost perfectly. It is probably "
            "recorded after customers decide to leave; remove it and run the backtest again."
        )
    if result.mode == "given scores":
        cav.append("This replays the scores stored for each month. It is a fair test only if each month's scores "
                   "came from a model trained before that month; scores written later by today's model would "
                   "flatter it.")
    if (p["auc"] >= 0.95).any() and not result.leaky_features:
        cav.append("The results look too good to be true in some months: check the data for columns recorded "
                   "after customers decide to leave.")
    cav.append(
        "A backtest replays history: it cannot see how customers react to being contacted. Confirm the effect "
        "with an A/B test before relying on it."
    )
    return cav


def backtest_findings(result: BacktestResult, *, currency: str = "$") -> list[Finding]:
    """Three findings: the total since the first month, month by month, and whether the edge held."""
    caveats, method = backtest_caveats(result), _method_notes(result)
    return [_total_finding(result, currency, caveats, method), _timeline_finding(result, currency, caveats, method),
            _quality_finding(result, caveats, method)]


def _method_notes(result: BacktestResult) -> list[str]:
    p, t, a = result.periods, result.totals, result.assumptions
    start, end = p["cutoff"].iloc[0], p["cutoff"].iloc[-1]
    return [
        f"Rolling origin over {t['months']} monthly cutoffs from {fmt_date(start)} to {fmt_date(end)} "
        f"({result.window} window). At each cutoff the model was trained only on months whose outcome was known "
        f"{result.horizon_days} days before it, then scored that month's customers."
        if result.mode == "retrained" else
        f"The data's own scores were evaluated month by month from {fmt_date(start)} to {fmt_date(end)} (no retraining).",
        (f"Each month the most profitable list within marketing's capacity of {fmt_count(a.capacity)} was contacted"
         if result.policy == "capacity" and a.capacity else "Each month the list followed the chosen policy") +
        "; today's rule and random calling are compared at the same number of calls.",
        f"Ranges: customers resampled within each month (scores fixed), months summed resample by resample; "
        f"the range holds the middle {result.level:.0%} of outcomes.",
    ]


def _total_finding(result: BacktestResult, currency: str, caveats: list[str], method: list[str]) -> Finding:
    p, t = result.periods, result.totals
    start = p["cutoff"].iloc[0]
    extra_sq = t["saved"] - t["status_quo_saved"] if math.isfinite(t["status_quo_saved"]) else None
    f1 = facts(
        Fact("since", str(start.date()), "date", fmt_date(start)),
        Fact("months", t["months"], "months", str(t["months"])),
        Fact("saved", t["saved"], "customers", fmt_count(t["saved"])),
        Fact("saved_low", t["saved_low"], "customers", fmt_count(t["saved_low"])),
        Fact("saved_high", t["saved_high"], "customers", fmt_count(t["saved_high"])),
        Fact("net", t["net"], currency, fmt_money(t["net"], currency)),
        Fact("net_low", t["net_low"], currency, fmt_money(t["net_low"], currency)),
        Fact("net_high", t["net_high"], currency, fmt_money(t["net_high"], currency)),
        Fact("cost", t["cost"], currency, fmt_money(t["cost"], currency)),
        Fact("extra_vs_status_quo", extra_sq, "customers", fmt_count(extra_sq) if extra_sq is not None else "n/a"),
        Fact("extra_vs_random", t["saved"] - t["random_saved"], "customers", fmt_count(t["saved"] - t["random_saved"])),
    )
    T = texts(f1)
    bullets = [f"Campaign costs of {T['cost']} are already taken off; the range is {fmt_range(T['net_low'], T['net_high'])}."]
    if extra_sq is not None:
        bullets.append(f"That is about {T['extra_vs_status_quo']} more customers than today's rule with the same calls, "
                       f"and {T['extra_vs_random']} more than calling at random.")
    return Finding(
        key="backtest_total",
        title=(f"Had we used the model since {T['since']}, we would have kept about {T['saved']} customers "
               f"({fmt_range(T['saved_low'], T['saved_high'])}), worth {T['net']} after campaign costs"),
        headline=f"Replaying {T['months']} months as if marketing had called the model's list each month.",
        bullets=bullets,
        chart=lambda: charts.cumulative_chart(result.cumulative),
        plot=lambda: plots.policy_lines_by_month(
            result.cumulative, "saved", y_title="Customers kept since the start",
            alt=f"Lines: customers kept since {T['since']}, month by month, by each way of choosing whom to call, "
                f"with the model's range; about {T['saved']} in all with the model."),
        facts=f1, caveats=caveats, notes=method,
        technical=[f"Mean monthly AUC {p['auc'].mean():.3f} (min {p['auc'].min():.3f}, max {p['auc'].max():.3f}); "
                   f"mean top-decile lift {p['top_decile_lift'].mean():.2f}."],
    )



def _timeline_finding(result: BacktestResult, currency: str, caveats: list[str], method: list[str]) -> Finding:
    p, t = result.periods, result.totals
    paid = t["months_paid_off"]
    best, worst = p.loc[p["net"].idxmax()], p.loc[p["net"].idxmin()]
    f2 = facts(
        Fact("months_paid_off", paid, "months", str(paid)),
        Fact("months", t["months"], "months", str(t["months"])),
        Fact("best_month", str(best["cutoff"].date()), "date", fmt_date(best["cutoff"])),
        Fact("best_net", best["net"], currency, fmt_money(best["net"], currency)),
        Fact("worst_month", str(worst["cutoff"].date()), "date", fmt_date(worst["cutoff"])),
        Fact("worst_net", worst["net"], currency, fmt_money(worst["net"], currency)),
    )
    T2 = texts(f2)
    title2 = ("The model's list paid for itself in every one of the " + T2["months"] + " months" if paid == t["months"]
              else f"The model's list paid for itself in {T2['months_paid_off']} of {T2['months']} months")
    return Finding(
        key="backtest_timeline",
        title=title2,
        headline=f"Best month: {T2['best_month']} ({T2['best_net']}); weakest: {T2['worst_month']} ({T2['worst_net']}).",
        bullets=["The band around the model's line shows how much each month could have moved by chance."],
        chart=lambda: charts.backtest_timeline_chart(_monthly_long(result), currency),
        plot=lambda: plots.policy_lines_by_month(
            _monthly_long(result), "net", y_title="Net value per month", number_format=plots.money_format(currency),
            alt=f"Lines: each month's net value after campaign costs by each way of choosing whom to call, with the "
                f"model's range. {title2}."),
        facts=f2, caveats=caveats, notes=method,
    )



def _quality_finding(result: BacktestResult, caveats: list[str], method: list[str]) -> Finding:
    p = result.periods
    end = p["cutoff"].iloc[-1]
    lifts = p["top_decile_lift"]
    drifts = drift_months(result)
    f3 = facts(
        Fact("lift_low", float(lifts.min()), "ratio", fmt_ratio(lifts.min())),
        Fact("lift_high", float(lifts.max()), "ratio", fmt_ratio(lifts.max())),
        Fact("lift_last", float(lifts.iloc[-1]), "ratio", fmt_ratio(lifts.iloc[-1])),
        Fact("drift_months", len(drifts), "months", str(len(drifts))),
    )
    T3 = texts(f3)
    if drifts:
        title3 = f"The model's edge dipped in {fmt_date(drifts[0][0])}; check what changed that month"
    else:
        title3 = f"The model's edge held steady: its top tenth was {fmt_range(T3['lift_low'], T3['lift_high'])} better than random"
    return Finding(
        key="backtest_quality",
        title=title3,
        headline=(f"Among the tenth of customers the model rated riskiest, leavers were {fmt_range(T3['lift_low'], T3['lift_high'])} "
                  f"as common as on average, month by month ({T3['lift_last']} in {fmt_date(end)})."),
        bullets=["A falling line would mean the model is going stale and should be retrained or reviewed."],
        chart=lambda: charts.quality_chart(p),
        plot=lambda: plots.policy_lines_by_month(
            p.assign(policy=charts.MODEL), "top_decile_lift", y_title="Times better than random", number_format="0.0",
            alt=f"Line: how many times more common leavers were in the model's riskiest tenth than on average, "
                f"month by month. {title3}."),
        facts=f3, caveats=caveats, notes=method,
        technical=["Monthly AUC: " + ", ".join(f"{c:%b %y} {v:.2f}" for c, v in zip(p["cutoff"], p["auc"]))],
    )
