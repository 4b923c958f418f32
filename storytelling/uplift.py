"""Whom the campaign keeps: the campaign test read customer by customer.

A randomised test tells, for groups of customers, how many of those called stayed who would
have left (the campaign's effect). This module joins the test's results to the customer table,
measures the effect in each band of the model's risk, fits an uplift model (one model of leaving
for the called customers and one for the others, gradient-boosted trees: a "T-learner") scored
out of fold, and compares what the same number of calls keeps when the list is picked by risk or
by the expected effect. Every figure comes with a 90% range; a range from one test is wide.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from storytelling.values import DATE_NAMES, ID_NAMES, equal_bands, find_column

CONFIDENCE = 0.9
FOLDS = 5
N_BOOT = 400
MIN_PER_ARM = 300  # customers in each group below which the test is too small to target by
MIN_LEAVERS = 40  # leavers in the test below which no list is drawn from it


@dataclass
class CampaignCustomers:
    """The test's customers as the model saw them when it started: their features, whether they
    were called, whether they left, and the model's risk from a model that never saw them."""

    features: pd.DataFrame
    called: np.ndarray  # bool
    left: np.ndarray  # 0/1
    risk: np.ndarray  # the churn model's score
    ids: np.ndarray | None
    rows: int  # rows in the results file with a group and an outcome
    how: str  # how the rows were matched, in words
    start: pd.Timestamp | None = None  # the snapshot the test started from

    @property
    def n(self) -> int:
        return len(self.left)


def match_rows(results: pd.DataFrame, frame: pd.DataFrame, *, id_name: str | None, date_name: str | None,
               dated: bool) -> tuple[pd.DataFrame, pd.Timestamp | None, str]:
    """The customer table's rows of the test's customers (``frame``: standard names), with
    ``called`` and ``left``; the snapshot the test started from and how they were matched.

    With dates, a results file that names the snapshot is matched on id and date; one that does
    not is matched at the snapshot holding most of its ids (the latest of equals)."""
    rid = find_column(results, ID_NAMES, id_name)
    if rid is None or "customer_id" not in frame:
        return frame.iloc[:0], None, "no customer id"
    res = results.assign(customer_id=results[rid].astype("string").str.strip()).drop_duplicates("customer_id")
    ids = frame["customer_id"].astype("string")
    if not dated:
        rows = frame.assign(customer_id=ids).merge(res[["customer_id", "called", "left"]], on="customer_id")
        return rows, None, "customer id"
    rdate = find_column(results, DATE_NAMES, date_name)
    when = pd.to_datetime(res[rdate], errors="coerce") if rdate is not None else None
    if when is not None and when.notna().any():
        start = pd.Timestamp(when.mode().iloc[0])
    else:
        hits = frame.loc[ids.isin(set(res["customer_id"].dropna())), "snapshot_date"].value_counts()
        if hits.empty:
            return frame.iloc[:0], None, "customer id"
        start = pd.Timestamp(hits[hits == hits.max()].index.max())
    month = frame[frame["snapshot_date"] == start]
    rows = month.assign(customer_id=month["customer_id"].astype("string")).merge(
        res[["customer_id", "called", "left"]], on="customer_id")
    return rows, start, "customer id and snapshot date"


def check_size(t: CampaignCustomers) -> list[str]:
    """Why the test is too small to pick customers by (empty when it is not)."""
    arms = (int(t.called.sum()), int((~t.called).sum()))
    why = []
    if min(arms) < MIN_PER_ARM:
        why.append(f"The test has {arms[0]:,} called and {arms[1]:,} left-alone customers; telling whom a call "
                   f"keeps needs at least {MIN_PER_ARM:,} in each.")
    if int(t.left.sum()) < MIN_LEAVERS:
        why.append(f"Only {int(t.left.sum()):,} of the test's customers left; telling whom a call keeps needs at "
                   f"least {MIN_LEAVERS}.")
    return why


# ---------------------------------------------------------------------------------------------
# The effect in groups


@dataclass
class Effect:
    """Customers kept per called customer in a group (control churn minus called churn), 90% range."""

    label: str
    customers: int
    called: int
    kept: float
    low: float
    high: float
    risk: float | None = None  # the group's average risk

    @property
    def clear(self) -> bool:
        return self.low > 0 or self.high < 0


def effect(left: np.ndarray, called: np.ndarray, label: str = "", *, risk: float | None = None) -> Effect:
    """The effect with its Newcombe (Wilson score) range, the A/B readout's method."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    c, t = left[~called], left[called]
    if len(c) == 0 or len(t) == 0:
        return Effect(label, len(left), len(t), float("nan"), float("nan"), float("nan"), risk)
    lo, hi = confint_proportions_2indep(int(c.sum()), len(c), int(t.sum()), len(t), method="newcomb",
                                        compare="diff", alpha=1 - CONFIDENCE)
    return Effect(label, len(left), len(t), c.mean() - t.mean(), float(lo), float(hi), risk)


def band_count(t: CampaignCustomers) -> int:
    """Bands of risk the test can afford: five with 1,000 customers a group, else three, else two."""
    arm = min(int(t.called.sum()), int((~t.called).sum()))
    return 5 if arm >= 1_000 else 3 if arm >= MIN_PER_ARM else 2


def by_band(score: np.ndarray, left: np.ndarray, called: np.ndarray, bands: int, names: list[str]) -> list[Effect]:
    """The effect in equal-sized bands of ``score``, highest first."""
    band = equal_bands(-score, bands)  # band 0: the highest scores
    return [effect(left[band == b], called[band == b], names[b], risk=float(score[band == b].mean()))
            for b in range(bands)]


def band_names(bands: int, first: str = "Riskiest {}%", last: str = "Least risky {}%") -> list[str]:
    share = 100 // bands
    return [first.format(share) if b == 0 else last.format(share) if b == bands - 1 else
            f"Next {share}% ({share * b}-{share * (b + 1)}%)" for b in range(bands)]


EFFECT_BANDS = ("The {}% a call is expected to help most", "The {}% a call is expected to help least")


# ---------------------------------------------------------------------------------------------
# The uplift model


def _learner(n: int, seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(learning_rate=0.05, max_iter=120, max_leaf_nodes=8,
                                          min_samples_leaf=max(40, n // 60), l2_regularization=5.0,
                                          early_stopping=False, random_state=seed)


@dataclass
class UpliftModel:
    """Two models of leaving, one for called customers and one for the others; a customer's
    expected effect is the difference (positive: a call keeps them)."""

    called_model: object
    alone_model: object

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.alone_model.predict_proba(X)[:, 1] - self.called_model.predict_proba(X)[:, 1]


def fit_uplift(X: pd.DataFrame, called: np.ndarray, left: np.ndarray, *, seed: int = 0) -> UpliftModel:
    from sklearn.base import clone

    from storytelling.model import make_pipeline

    def one(sel: np.ndarray):
        pipe = make_pipeline(X, seed=seed)
        pipe.set_params(model=clone(_learner(int(sel.sum()), seed)))
        return pipe.fit(X[sel], left[sel])

    return UpliftModel(called_model=one(called), alone_model=one(~called))


def out_of_fold(X: pd.DataFrame, called: np.ndarray, left: np.ndarray, *, folds: int = FOLDS,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's expected effect from models fitted on the other folds (folds keep the mix
    of called and leavers), and the fold each customer was held out in."""
    from sklearn.model_selection import StratifiedKFold

    strata = called.astype(int) * 2 + left
    folds = int(max(2, min(folds, np.bincount(strata, minlength=4).min())))
    out, fold = np.empty(len(left)), np.empty(len(left), int)
    for i, (fit, held) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=seed)
                                    .split(np.zeros(len(left)), strata)):
        m = fit_uplift(X.iloc[fit], called[fit], left[fit], seed=seed)
        out[held], fold[held] = m.predict(X.iloc[held]), i
    return out, fold


# ---------------------------------------------------------------------------------------------
# Lists compared on the test


@dataclass
class ListCompare:
    """What calling the top ``share`` of customers keeps per customer called, picked by the
    expected effect or by risk, measured on the test (ranges from resampling the test)."""

    share: float
    by_effect: Effect
    by_risk: Effect
    gain: float  # by_effect.kept - by_risk.kept
    gain_low: float
    gain_high: float

    @property
    def verdict(self) -> str:
        """"more", "fewer" or "alike": whether the expected-effect list beats the risk list."""
        return "more" if self.gain_low > 0 else "fewer" if self.gain_high < 0 else "alike"


def top(score: np.ndarray, share: float) -> np.ndarray:
    """The customers in the top ``share`` of ``score`` (stable order; at least one)."""
    k = max(1, int(round(share * len(score))))
    mask = np.zeros(len(score), bool)
    mask[np.argsort(-score, kind="stable")[:k]] = True
    return mask


def boot_kept(masks: list[np.ndarray], left: np.ndarray, called: np.ndarray, *, n_boot: int = N_BOOT,
              seed: int = 0) -> np.ndarray:
    """Resampled effect (control churn minus called churn) within each mask: a Poisson bootstrap
    of the test's customers, the same draws for every mask (so differences are paired)."""
    rng = np.random.default_rng(seed)
    w = rng.poisson(1.0, size=(n_boot, len(left))).astype(float)
    out = np.empty((n_boot, len(masks)))
    for j, m in enumerate(masks):
        c, t = (m & ~called).astype(float), (m & called).astype(float)
        rate_c = (w @ (c * left)) / np.maximum(w @ c, 1e-12)
        rate_t = (w @ (t * left)) / np.maximum(w @ t, 1e-12)
        out[:, j] = rate_c - rate_t
    return out


def compare_lists(uplift: np.ndarray, risk: np.ndarray, left: np.ndarray, called: np.ndarray, share: float,
                  *, seed: int = 0) -> ListCompare:
    a, b = top(uplift, share), top(risk, share)
    draws = boot_kept([a, b], left, called, seed=seed)
    q = [(1 - CONFIDENCE) / 2 * 100, (1 + CONFIDENCE) / 2 * 100]
    ea, eb = effect(left[a], called[a], "expected effect"), effect(left[b], called[b], "risk")
    lo, hi = np.percentile(draws[:, 0] - draws[:, 1], q)
    return ListCompare(share, ea, eb, ea.kept - eb.kept, float(lo), float(hi))


def gain_curve(uplift: np.ndarray, risk: np.ndarray, left: np.ndarray, called: np.ndarray,
               points: int = 20) -> pd.DataFrame:
    """Customers kept per 100 customers when the top share is called (the Qini curve, scaled to
    the customers): by expected effect, by risk, and at random (the whole test's effect)."""
    overall = effect(left, called).kept
    rows = []
    for share in np.linspace(0, 1, points + 1)[1:]:
        for name, s in (("By expected effect", uplift), ("By risk", risk)):
            m = top(s, share)
            rows.append({"share": share, "list": name, "kept": share * effect(left[m], called[m]).kept * 100})
        rows.append({"share": share, "list": "At random", "kept": share * overall * 100})
    return pd.DataFrame(rows)


@dataclass
class UpliftResult:
    """The campaign test read customer by customer."""

    test: CampaignCustomers
    overall: Effect
    risk_bands: list[Effect]
    effect_bands: list[Effect]  # bands of the expected effect (out of fold), highest first
    compare: ListCompare | None  # None when the test is too small to pick customers by
    curve: pd.DataFrame
    responders: list[tuple[str, list[Effect], float]]  # (column, effect per group, p-value of differing)
    harmed_share: float  # share of customers in expected-effect bands the test shows are pushed to leave
    contacts: int  # the list's length the comparison is made at
    customers: int  # today's customers the list is drawn from
    too_small: list[str] = field(default_factory=list)
    today: pd.DataFrame | None = None  # today's customers: id, risk, expected effect (the contact list)
    fit_seconds: float = 0.0
    names: dict[str, str] = field(default_factory=dict)  # column -> how the story names it


# ---------------------------------------------------------------------------------------------
# Which customers respond: the test's effect in each column's groups


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 or abs(x) >= 100 else f"{x:,.1f}"


def _ranges(col: pd.Series, parts: int) -> pd.Series:
    """A number cut into ``parts`` ranges of about equal size, in words ('under 60', '60 to under
    150', '400 or more')."""
    x = col.astype(float)
    cuts = np.unique(np.nanquantile(x, np.arange(1, parts) / parts, method="higher"))  # cuts at values held
    out = pd.Series(f"under {_number(cuts[0])}", index=col.index, dtype="object")
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        out[(x >= lo) & (x < hi)] = f"{_number(lo)} to under {_number(hi)}"
    out[x >= cuts[-1]] = f"{_number(cuts[-1])} or more"
    return out


def column_groups(col: pd.Series, parts: int = 3) -> pd.Series:
    """A column's groups in words: yes/no, each value of a whole number with few values, its
    common values (the rest 'other'), or ``parts`` ranges of a number; blanks are 'not given'."""
    from storytelling.values import binary_values

    distinct = col.nunique(dropna=True)
    yes_no = binary_values(col) if distinct == 2 else None
    numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
    if yes_no is not None:
        out = yes_no.map({1.0: "yes", 0.0: "no"}).astype("object")
    elif numeric and distinct > 8:
        out = _ranges(col, parts)
    elif numeric:  # few values (e.g. support calls 0-5): each its own group, so a small one is not cut away
        out = col.map(lambda v: _number(float(v)) if pd.notna(v) else v).astype("object")
    else:
        text = col.astype("string")
        common = text.value_counts(normalize=True)
        keep = set(common[common >= 0.05].index[:7])
        out = text.where(text.isin(keep) | text.isna(), "other").astype("object")
    return out.where(col.notna(), "not given")


def differing(groups: list[Effect]) -> float:
    """p-value that the groups' effects differ (Cochran's Q on the effects, each weighted by the
    inverse of its variance)."""
    from statistics import NormalDist

    from scipy.stats import chi2

    z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)  # the ranges' own width, so a changed CONFIDENCE follows
    d = np.array([g.kept for g in groups])
    se = np.array([(g.high - g.low) / (2 * z) for g in groups])
    w = 1 / np.maximum(se, 1e-6) ** 2
    q = float(np.sum(w * (d - np.sum(w * d) / np.sum(w)) ** 2))
    return float(chi2.sf(q, len(groups) - 1))


def responders(features: pd.DataFrame, left: np.ndarray, called: np.ndarray, *, min_arm: int = 100,
               alpha: float = 0.05) -> list[tuple[str, list[Effect], float]]:
    """Columns whose groups the call changes differently, strongest first: each with its groups'
    effects (groups with fewer than ``min_arm`` customers in either arm are left out) and the
    p-value, kept only below ``alpha`` shared among the columns (Bonferroni)."""
    found = []
    parts = 5 if len(left) >= 25 * min_arm else 3  # finer ranges when every range still holds enough
    for c in features.columns:
        g = column_groups(features[c], parts).to_numpy()
        effects = [effect(left[g == v], called[g == v], str(v)) for v in pd.unique(g)
                   if min(int(((g == v) & called).sum()), int(((g == v) & ~called).sum())) >= min_arm]
        if len(effects) >= 2:
            p = differing(effects)
            if p < alpha / max(len(features.columns), 1):
                found.append((c, sorted(effects, key=lambda e: -e.kept), p))
    return sorted(found, key=lambda x: x[2])


# ---------------------------------------------------------------------------------------------
# The whole reading


def harmed_share(bands: list[Effect]) -> float:
    """The share of customers in the lowest expected-effect bands that the test shows a call
    pushes to leave (their whole range below zero), counted up from the bottom."""
    share = 0.0
    for b in reversed(bands):
        if b.high >= 0:
            break
        share += 1 / len(bands)
    return share


def analyse_uplift(test: CampaignCustomers, *, contacts: int, customers: int, today: pd.DataFrame | None = None,
                   names: dict[str, str] | None = None, seed: int = 0, share: float | None = None) -> UpliftResult:
    """The test by risk band, the uplift model out of fold, the two lists at ``contacts`` of
    ``customers`` (or at ``share`` of the test's customers, when the test holds customers unlike
    today's) and which customers respond; ``today`` (``features`` columns plus ``customer_id``
    and ``risk``) gets each customer's expected effect for the contact list."""
    import time

    started = time.perf_counter()
    left, called = test.left.astype(int), test.called.astype(bool)
    small = check_size(test)
    bands = band_count(test)
    risk_bands = by_band(test.risk, left, called, bands, band_names(bands))
    out = UpliftResult(test, effect(left, called, "everyone in the test"), risk_bands, [], None,
                       pd.DataFrame(columns=["share", "list", "kept"]), [], 0.0, contacts, customers, small,
                       names=dict(names or {}))
    if small:
        return out
    oof, _ = out_of_fold(test.features, called, left, seed=seed)
    out.effect_bands = by_band(oof, left, called, bands, band_names(bands, *EFFECT_BANDS))
    share = min(1.0, contacts / max(customers, 1)) if share is None else min(1.0, max(share, 1 / test.n))
    out.compare = compare_lists(oof, test.risk, left, called, share, seed=seed)
    out.curve = gain_curve(oof, test.risk, left, called)
    out.responders = responders(test.features, left, called)
    out.harmed_share = harmed_share(out.effect_bands)
    if today is not None and len(today):
        final = fit_uplift(test.features, called, left, seed=seed)
        out.today = today[["customer_id", "risk"]].assign(
            effect=final.predict(today[list(test.features.columns)])).sort_values("effect", ascending=False,
                                                                                   kind="stable")
    out.fit_seconds = time.perf_counter() - started
    return out
