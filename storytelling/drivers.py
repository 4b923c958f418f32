"""Why customers leave, and why one customer is at risk, in plain words.

Global drivers: SHAP values (the tree explainer for gradient-boosted trees, a permutation
explainer for any other model) on a sample of customers stratified by risk, so the cost does not
grow with the data; the ranking is repeated on a second, independent sample to say how stable it
is. SHAP only ranks the drivers: every sentence is backed by the model's average risk of the
customers in each band or category of the column ("about 3x as likely to leave"), never by raw
SHAP units.

One customer: SHAP values in probability points against a background of 1,000 customers (one
from each risk stratum), so the contributions add up exactly to this customer's risk minus the
average risk of the background.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from storytelling import charts
from storytelling import plot as plots
from storytelling.data import DataError
from storytelling.glossary import CURRENCY_SIGNS, Glossary, Term
from storytelling.story import (
    Fact,
    Finding,
    Period,
    facts,
    fmt_count,
    fmt_pct,
    fmt_ratio,
    join_words,
    round_sig,
    texts,
)

BACKGROUND_SIZE = 1000
BAND_SAMPLE = 20_000
GENERIC_SAMPLE = 300  # global sample for models without a tree explainer (each row costs ~100 model calls)
MIN_BAND_SHARE = 0.03
CAUSE_CAVEAT = (
    "These are patterns the model uses to spot who is likely to leave, not proof of what makes customers "
    "leave. For example, retention offers often go to customers who are already at risk, so having had an "
    "offer can look like a reason to leave. Test a change (an A/B test) before treating a driver as a cause."
)


# ---------------------------------------------------------------------------------------------
# Making a model explainable


@dataclass
class DriverModel:
    """A model with what the explainers need.

    ``predict`` maps the feature frame to risk (0-1). For the tree route, ``tree`` is a fitted
    HistGradientBoosting estimator and ``transform`` maps the feature frame to the numeric input the
    tree was fitted on, in the tree's own column order (a ColumnTransformer puts its text columns
    first); ``order[j]`` is the position in that input of ``columns[j]``, so SHAP values are put
    back into ``columns`` order after the explainer ran, never the input before it. Without
    ``tree`` a model-agnostic permutation explainer is used. ``output`` is the tree explainer's
    model output that equals the risk.
    """

    predict: Callable[[pd.DataFrame], np.ndarray]
    columns: list[str]
    tree: Any = None
    transform: Callable[[pd.DataFrame], np.ndarray] | None = None
    order: list[int] | None = None
    output: str = "probability"
    source: str = "baseline"
    label: str = "the baseline model"
    notes: list[str] = field(default_factory=list)
    memo: dict = field(default_factory=dict, repr=False)

    @property
    def global_unit(self) -> str:
        if self.tree is None:
            return "probability points"
        return "log-odds" if self.output == "probability" else "score points"


_TREE_TYPES = ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor")


def _tree_route(model: Any, columns: list[str]) -> tuple[Any, Callable, list[int]] | None:
    """(tree, transform, order) when shap's tree explainer is exact for this model, else None.

    ``transform`` gives the tree's own input (its column order); ``order[j]`` is where
    ``columns[j]`` sits in it.
    """
    from sklearn.pipeline import Pipeline

    est, prep = (model[-1], model[:-1]) if isinstance(model, Pipeline) else (model, None)
    if type(est).__name__ not in _TREE_TYPES:
        return None
    if getattr(est, "is_categorical_", None) is not None and np.any(est.is_categorical_):
        return None  # native categorical splits: shap does not add up for them
    if prep is None:
        return est, lambda X: X[columns].to_numpy(dtype=float), list(range(len(columns)))
    try:
        out = [str(c) for c in prep.get_feature_names_out()]
    except Exception:
        return None
    if sorted(out) != sorted(columns):
        return None  # one-hot or other expansions: explain the whole pipeline instead
    order = [out.index(c) for c in columns]
    return est, lambda X: np.asarray(prep.transform(X[columns]), dtype=float), order


def as_driver_model(model: Any, columns: list[str], *, source: str = "baseline", label: str | None = None) -> DriverModel:
    """Wrap a fitted scikit-learn classifier (or a risk regressor) for the explainers."""
    if isinstance(model, DriverModel):
        return model
    if hasattr(model, "predict_proba"):
        def predict(X: pd.DataFrame) -> np.ndarray:
            return model.predict_proba(X[columns])[:, 1]
        output = "probability"
    else:
        def predict(X: pd.DataFrame) -> np.ndarray:
            return np.clip(model.predict(X[columns]), 0.0, 1.0)
        output = "raw"
    route = _tree_route(model, columns)
    tree, transform, order = route if route else (None, None, None)
    return DriverModel(predict=predict, columns=list(columns), tree=tree, transform=transform, order=order,
                       output=output,
                       source=source, label=label or ("the baseline model" if source == "baseline" else "your model"))


def fit_stand_in(X: pd.DataFrame, scores: np.ndarray, *, seed: int = 0, max_rows: int = 200_000) -> DriverModel:
    """A tree model that imitates given scores from the features, for data with scores but no model.

    Its fidelity (rank correlation with the given scores on a fifth of the rows it did not see)
    is stored in ``notes`` and in ``memo['fidelity']``.
    """
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.pipeline import Pipeline

    from storytelling.model import make_pipeline

    rng = np.random.default_rng(seed)
    pos = rng.permutation(len(X))[:max_rows]
    cut = int(len(pos) * 0.8)
    fit_pos, check_pos = pos[:cut], pos[cut:]
    base = make_pipeline(X)
    reg = HistGradientBoostingRegressor(learning_rate=0.1, max_iter=150, max_leaf_nodes=31, min_samples_leaf=40,
                                        random_state=seed)
    pipe = Pipeline([("prep", base[0]), ("model", reg)])
    y = np.asarray(scores, dtype=float)
    pipe.fit(X.iloc[fit_pos], y[fit_pos])
    dm = as_driver_model(pipe, list(X.columns), source="stand-in",
                         label="a stand-in model that imitates your scores")
    check = check_pos if len(check_pos) >= 50 else fit_pos
    fid = float(pd.Series(dm.predict(X.iloc[check])).corr(pd.Series(y[check]), method="spearman"))
    dm.memo["fidelity"] = fid
    dm.notes.append(
        "The data has scores but no model, so these drivers come from a stand-in model fitted to imitate the "
        f"scores from the customer columns. It orders customers almost as the scores do (agreement {fid:.2f} "
        "out of 1 on customers it was not fitted on)."
    )
    return dm


def driver_model_for(data, evaluation) -> DriverModel:
    """The model behind the story's scores: the baseline trained here, or, for data that brings
    its own scores, a stand-in fitted to imitate them."""
    from storytelling.model import baseline_model, feature_frame

    if evaluation.source == "baseline":
        return as_driver_model(baseline_model(data, evaluation), data.features)
    return fit_stand_in(feature_frame(data, evaluation.frame), evaluation.frame["score"].to_numpy())


# ---------------------------------------------------------------------------------------------
# Samples


def stratified_positions(risk: np.ndarray, size: int, *, seed: int = 0, draw: int = 0) -> np.ndarray:
    """``size`` positions, one random customer from each of ``size`` equal strata of risk.

    ``draw=1`` picks another customer from each stratum (the two draws never overlap when strata
    hold at least two customers), for an independent second sample.
    """
    n = len(risk)
    if size >= n:
        return np.arange(n)
    order = np.argsort(np.asarray(risk, dtype=float), kind="stable")
    edges = np.linspace(0, n, size + 1).astype(int)
    lo, width = edges[:-1], np.diff(edges)
    u = np.random.default_rng(seed).random((2, size))
    offset = np.minimum((u[0] * width).astype(int), width - 1)
    if draw:  # another customer of the same stratum, uniformly among the others
        other = np.minimum((u[1] * (width - 1)).astype(int), np.maximum(width - 2, 0))
        offset = np.where(width > 1, (offset + 1 + other) % width, offset)
    return np.sort(order[lo + offset])


def _risk(dm: DriverModel, X: pd.DataFrame, risk: np.ndarray | None) -> np.ndarray:
    if risk is not None:
        r = np.asarray(risk, dtype=float)
        if len(r) != len(X):
            raise ValueError("risk must have one value per row of X")
        return r
    return dm.predict(X)


class _Codec:
    """Numeric codes for a mixed-type frame (for model-agnostic explainers) and back."""

    def __init__(self, frames: list[pd.DataFrame], columns: list[str]):
        self.columns = columns
        self.cats = {}
        for c in columns:
            if not pd.api.types.is_numeric_dtype(frames[0][c]) or pd.api.types.is_bool_dtype(frames[0][c]):
                self.cats[c] = pd.Index(pd.unique(pd.concat([f[c] for f in frames]).dropna()))

    def encode(self, X: pd.DataFrame) -> np.ndarray:
        cols = []
        for c in self.columns:
            if c in self.cats:
                codes = self.cats[c].get_indexer(X[c]).astype(float)
                codes[codes < 0] = np.nan
                cols.append(codes)
            else:
                cols.append(X[c].to_numpy(dtype=float))
        return np.column_stack(cols)

    def decode(self, Z: np.ndarray) -> pd.DataFrame:
        out = {}
        for j, c in enumerate(self.columns):
            if c in self.cats:
                z = Z[:, j]
                ok = ~np.isnan(z)
                vals = np.full(len(z), None, dtype=object)
                vals[ok] = np.asarray(self.cats[c], dtype=object)[z[ok].astype(int)]
                out[c] = vals
            else:
                out[c] = Z[:, j]
        return pd.DataFrame(out)


def _shap_values(dm: DriverModel, rows: pd.DataFrame, *, background: pd.DataFrame) -> tuple[np.ndarray, float]:
    """(SHAP values per row and column, expected value) for ``rows``.

    Tree models: the tree explainer's fast path-dependent values in the model's raw units (for
    ranking). Other models: permutation values in risk units against ``background``.
    """
    import shap

    if dm.tree is not None:
        ex = shap.TreeExplainer(dm.tree, feature_perturbation="tree_path_dependent")
        sv = np.asarray(ex.shap_values(dm.transform(rows), check_additivity=False)).reshape(len(rows), -1)
        ev = float(np.ravel(ex.expected_value)[0])
        total = ev + sv.sum(axis=1)
        explained = 1 / (1 + np.exp(-total)) if dm.output == "probability" else np.clip(total, 0.0, 1.0)
        verify(explained, dm.predict(rows), "the ranking of drivers")
        return sv[:, dm.order], ev
    sv, base = permutation_values(dm, rows, background)
    verify(base + sv.sum(axis=1), dm.predict(rows), "the ranking of drivers")
    return sv, base


def permutation_values(dm: DriverModel, rows: pd.DataFrame, background: pd.DataFrame, *,
                       permutations: int = 1) -> tuple[np.ndarray, float]:
    """Model-agnostic SHAP values in risk units against ``background`` (each permutation walks the
    columns forth and back, so the values add up to risk minus the background's average exactly)."""
    import shap

    codec = _Codec([rows, background], dm.columns)
    bgz = codec.encode(background)
    ex = shap.PermutationExplainer(lambda Z: dm.predict(codec.decode(Z)),
                                   shap.maskers.Independent(bgz, max_samples=len(bgz)), seed=0)
    res = ex(codec.encode(rows), max_evals=permutations * (2 * len(dm.columns) + 1), silent=True)
    return np.asarray(res.values).reshape(len(rows), -1), float(np.ravel(res.base_values)[0])


#: An explanation is shown only if it reproduces the model's own risk within this (0.1 points: the
#: precision the reasons are shown with).
VERIFY_TOLERANCE = 0.001


class ExplanationError(DataError):
    """An explanation that does not reproduce the model's own predictions: it is withheld."""


def verify(explained: np.ndarray, predicted: np.ndarray, what: str) -> None:
    """Raise :class:`ExplanationError` unless the explained risks equal the model's predictions."""
    gap = float(np.max(np.abs(np.asarray(explained, float) - np.asarray(predicted, float)), initial=0.0))
    if not gap <= VERIFY_TOLERANCE:
        raise ExplanationError(
            f"We could not verify {what}: the explanation does not add up to the model's own risk (off by up to "
            f"{gap * 100:.2g} points), so it is not shown. This happens with models whose inputs we cannot map "
            "back to the columns; a model trained here, or a scikit-learn pipeline, can be explained.")


# ---------------------------------------------------------------------------------------------
# Bands: how the model's average risk changes across a column's values


def _nice(x: float) -> float:
    return float(round_sig(x, 2)) if x else 0.0


def _range_text(term: Term, lo: float, hi: float) -> str:
    """'6 to 15 months' (a word unit once, at the end); '$40 to $60' and '5% to 10%' (signs on both)."""
    word_unit = term.unit and term.unit != "%" and term.unit not in CURRENCY_SIGNS
    first = Term(term.column, term.name).number(lo) if word_unit else term.number(lo)
    return f"{first} to {term.number(hi)}"


def bands(term: Term, values: pd.Series, risk: np.ndarray, churned: np.ndarray | None = None) -> pd.DataFrame:
    """Customers, share, the model's average risk and (with ``churned``) the share who actually
    left, per band of a column.

    Columns: ``band`` (value text), ``who`` (phrase after 'customers': "whose tenure is under 6
    months"), ``customers``, ``share``, ``risk`` (model), ``left`` and ``leavers`` (observed; NaN
    without ``churned``), ``order``.
    """
    v = values.reset_index(drop=True)
    r = pd.Series(np.asarray(risk, dtype=float))
    y = pd.Series(np.nan if churned is None else np.asarray(churned, dtype=float), index=r.index)
    n = len(v)
    missing = v.isna().to_numpy()
    name = term.name
    if term.kind == "flag" or pd.api.types.is_bool_dtype(v):
        keys, labels = _flag_bands(v, name)
    elif term.kind == "category" or not pd.api.types.is_numeric_dtype(v):
        keys, labels = _category_bands(v, name)
    else:
        keys, labels = _number_bands(v, term, missing)
    key = pd.Series(np.empty(n, dtype=object))
    key[:] = keys
    if missing.any() and term.kind != "flag":
        key[missing] = "not recorded"
        labels["not recorded"] = (f"whose {name} is not recorded", len(labels) + 1)
    df = pd.DataFrame({"band": key, "risk": r, "y": y})
    g = df.groupby("band", sort=False).agg(customers=("risk", "size"), risk=("risk", "mean"), left=("y", "mean"),
                                           leavers=("y", "sum"), known=("y", "count")).reset_index()
    g["share"] = g["customers"] / max(n, 1)
    g["who"] = g["band"].map(lambda k: labels.get(k, (f"whose {name} is {k}", 99))[0])
    g["order"] = g["band"].map(lambda k: labels.get(k, ("", 99))[1])
    if churned is None:
        g["leavers"] = np.nan
    return g.sort_values("order").reset_index(drop=True)[
        ["band", "who", "customers", "share", "risk", "left", "leavers", "known", "order"]]


Labels = dict[str, tuple[str, int]]  # band key -> (who, order)


def _flag_bands(v: pd.Series, name: str) -> tuple[np.ndarray, Labels]:
    b = v.astype("boolean")
    return (np.where(b.fillna(False).to_numpy(), "yes", "no"),
            {"yes": (f"with {name}", 1), "no": (f"without {name}", 0)})


def _category_bands(v: pd.Series, name: str) -> tuple[np.ndarray, Labels]:
    """One band per category; categories with fewer than 30 customers (or 1%) together as 'other'."""
    s = v.astype("string")
    counts = s.value_counts()
    small = set(counts[(counts < max(30, 0.01 * len(v)))].index)
    keys = np.where(s.isin(small).fillna(False).to_numpy(), "other", s.fillna("").to_numpy())
    labels = {str(cat): (f"whose {name} is {cat}", i) for i, cat in enumerate(counts.index) if cat not in small}
    if small:
        labels["other"] = (f"whose {name} is something else", len(counts))
    return keys, labels


def _number_bands(v: pd.Series, term: Term, missing: np.ndarray) -> tuple[list[str], Labels]:
    """A few whole numbers: one band each (thin ends folded); otherwise five bands at round quantiles."""
    x = v.to_numpy(dtype=float)
    ok = x[~missing]
    uniq, cnt = np.unique(ok, return_counts=True)
    if len(uniq) <= 8 and np.all(uniq == np.round(uniq)):
        edges, texts_ = _count_bands(uniq, cnt, len(ok), term)
    else:
        qs = np.nanquantile(ok, [0.2, 0.4, 0.6, 0.8]) if len(ok) else []
        edges = sorted({_nice(q) for q in qs if uniq[0] < _nice(q) <= uniq[-1]})
        texts_ = []
        for i in range(len(edges) + 1):
            if i == 0:
                texts_.append(f"under {term.number(edges[0])}" if edges else "any")
            elif i == len(edges):
                texts_.append(f"{term.number(edges[-1])} or more")
            else:
                texts_.append(_range_text(term, edges[i - 1], edges[i]))
    idx = np.searchsorted(np.asarray(edges, dtype=float), x, side="right")
    keys = [texts_[i] for i in np.clip(idx, 0, len(texts_) - 1)]
    return keys, {t: (f"whose {term.name} is {t}", i) for i, t in enumerate(texts_)}


def _count_bands(uniq: np.ndarray, cnt: np.ndarray, n_ok: int, term: Term) -> tuple[list, list[str]]:
    """Edges and texts for a few whole numbers: a thin top tail folds into '3 or more', a thin
    bottom one into '1 or fewer'."""
    groups = [[u] for u in uniq]
    share = list(cnt / max(n_ok, 1))
    while len(groups) > 2 and share[-1] < MIN_BAND_SHARE:
        top_g, top_s = groups.pop(), share.pop()
        groups[-1] = groups[-1] + top_g
        share[-1] = share[-1] + top_s
    while len(groups) > 2 and share[0] < MIN_BAND_SHARE:
        low_g, low_s = groups.pop(0), share.pop(0)
        groups[0] = low_g + groups[0]
        share[0] = share[0] + low_s
    texts_ = []
    for i, g in enumerate(groups):
        if len(g) == 1:
            texts_.append(term.number(g[0]))
        elif i == len(groups) - 1:
            texts_.append(f"{term.number(g[0])} or more")
        else:
            texts_.append(f"{term.number(g[-1])} or fewer")
    return [g[0] for g in groups[1:]], texts_


def likelihood_text(hi: float, lo: float) -> str:
    """'about 3x as likely to leave as' / 'about 40% more likely to leave than'."""
    ratio = hi / lo if lo > 0 else math.inf
    if ratio >= 1.5:
        return f"about {fmt_ratio(ratio)} as likely to leave as" if math.isfinite(ratio) else "far more likely to leave than"
    return f"about {round((ratio - 1) * 100):.0f}% more likely to leave than"


# ---------------------------------------------------------------------------------------------
# Global drivers


@dataclass
class Driver:
    column: str
    name: str
    importance: float  # mean |SHAP| in the model's units
    share: float  # of the summed importance
    direction: str  # "up" (higher -> more risk), "down", "mixed", "category"
    bands: pd.DataFrame
    high: str  # who-phrase of the band with the highest rate
    low: str
    high_risk: float  # that band's rate: the share who left (observed) or the model's average risk
    low_risk: float
    sentence: str
    observed: bool = False  # the rates are observed shares who left (not the model's estimates)
    clear: bool = True  # the difference between the two bands is too large to be chance


@dataclass
class DriverResult:
    drivers: list[Driver]
    sample_size: int
    second_sample_size: int  # 0 when the stability was not checked (too few customers)
    stability: float | None  # rank correlation of the importances between two disjoint samples
    top_agree: int | None  # how many of the top 5 are the same in both samples
    average_risk: float  # the model's average estimate over every customer explained
    unit: str
    model_label: str
    model_source: str
    customers: int
    notes: list[str] = field(default_factory=list)
    churn_rate: float | None = None  # share of these customers who actually left (None without labels)
    period: Period = field(default_factory=Period)
    band_rows: int = 0  # customers behind the sentences (all of them, or a random sample)
    sensitive: dict[str, str] = field(default_factory=dict)  # sensitive columns the model reads (column -> kind)
    kept_out: list[str] = field(default_factory=list)  # sensitive columns the model does not see (names)

    @property
    def checked(self) -> bool:
        return self.stability is not None

    @property
    def stable(self) -> bool:
        return self.checked and self.top_agree >= 4 and self.stability >= 0.8

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame({
            "rank": range(1, len(self.drivers) + 1),
            "column": [d.column for d in self.drivers],
            "driver": [d.name for d in self.drivers],
            "share": [d.share for d in self.drivers],
            "importance": [d.importance for d in self.drivers],
            "direction": [d.direction for d in self.drivers],
            "riskiest": [d.high for d in self.drivers],
            "riskiest_risk": [d.high_risk for d in self.drivers],
            "safest": [d.low for d in self.drivers],
            "safest_risk": [d.low_risk for d in self.drivers],
            "sentence": [d.sentence for d in self.drivers],
        })

    def driver(self, column: str) -> Driver:
        for d in self.drivers:
            if d.column == column:
                return d
        raise KeyError(column)


#: A difference between bands is called out only when a chi-square test across the compared bands
#: and the test of the two extreme bands (Bonferroni-corrected for the pairs one could have picked)
#: are both below this p-value.
CLEAR_P = 0.01
MIN_BAND_CUSTOMERS = 30  # bands with fewer customers (with a known outcome) are not compared


def _two_proportion_p(l1: float, n1: float, l2: float, n2: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    p = (l1 + l2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2)) if 0 < p < 1 else 0.0
    if se == 0:
        return 1.0 if l1 / n1 == l2 / n2 else 0.0
    return math.erfc(abs(l1 / n1 - l2 / n2) / se / math.sqrt(2))


def _clear_difference(big: pd.DataFrame, hi: pd.Series, lo: pd.Series) -> bool:
    """Whether the shares who left differ beyond chance: across all compared bands (chi-square) and
    between the two extremes (two-proportion test, Bonferroni over the pairs of bands)."""
    from scipy.stats import chi2_contingency

    table = np.column_stack([big["leavers"].to_numpy(float), (big["known"] - big["leavers"]).to_numpy(float)])
    if (table.sum(axis=0) == 0).any():
        return False
    pairs = len(big) * (len(big) - 1) / 2
    overall = float(chi2_contingency(table, correction=False)[1])
    return overall < CLEAR_P and _two_proportion_p(hi["leavers"], hi["known"], lo["leavers"], lo["known"]) * pairs < CLEAR_P


def _often_text(hi: float, lo: float) -> str:
    """'left about 3x as often as' / 'left about 40% more often than'."""
    ratio = hi / lo if lo > 0 else math.inf
    if not math.isfinite(ratio):
        return "left far more often than"
    if ratio >= 1.5:
        return f"left about {fmt_ratio(ratio)} as often as"
    return f"left about {round((ratio - 1) * 100):.0f}% more often than"


def driver_sentence(term: Term, b: pd.DataFrame, *, period: Period | None = None,
                    sample: str = "") -> tuple[str, str, str, float, float, bool, bool]:
    """(sentence, highest who, lowest who, their rates, observed, clear) from a column's bands.

    With outcomes (``b['known'] > 0``) the sentence states the share who actually left in each
    band, with the band's size, and calls a difference out only when it is too large to be chance;
    without them it says plainly that these are the model's estimates. ``sample`` is appended to
    the figures when the bands come from a sample of the customers.
    """
    period = period or Period()
    observed = bool((b["known"] > 0).any())
    col = "left" if observed else "risk"
    big = b[(b["share"] >= MIN_BAND_SHARE) & (b["customers"] >= MIN_BAND_CUSTOMERS)]
    if observed:
        big = big[big["known"] >= MIN_BAND_CUSTOMERS]
    left_out = len(big) < len(b[b["known"] > 0] if observed else b)
    if len(big) < 2:
        big = b[b["known"] > 0] if observed else b
        left_out = False
    hi, lo = big.loc[big[col].idxmax()], big.loc[big[col].idxmin()]
    name = term.name
    ratio_ok = len(big) >= 2 and lo[col] > 0 and hi[col] / lo[col] >= 1.15
    clear = ratio_ok and (not observed or _clear_difference(big, hi, lo))
    groups = f" (groups of {MIN_BAND_CUSTOMERS} or more customers)" if left_out else ""
    # the second band of a number reads without repeating the name: "... as those with 0"
    second = f"with {lo['band']}" if term.kind == "number" and lo["band"] != "not recorded" else lo["who"]
    when = f"{period.horizon}{' in ' + period.when if period.dated else ''}"
    if observed and clear:
        s = (f"Customers {hi['who']} {_often_text(hi[col], lo[col])} those {second}: {fmt_pct(hi[col])} of "
             f"{fmt_count(hi['known'], people=False)} vs {fmt_pct(lo[col])} of {fmt_count(lo['known'], people=False)} "
             f"left {when}{sample}.")
    elif observed:
        s = (f"On its own, {name} makes little clear difference to who left: between {fmt_pct(lo[col])} and "
             f"{fmt_pct(hi[col])} of customers left {when} across its values{groups}{sample}.")
    elif clear:
        s = (f"The model expects customers {hi['who']} to be {likelihood_text(hi[col], lo[col])} those {second} "
             f"({fmt_pct(hi[col])} vs {fmt_pct(lo[col])}{period.risk_horizon}).")
    else:
        s = (f"The model's risk changes little with {name} on its own (between {fmt_pct(lo[col])} and "
             f"{fmt_pct(hi[col])} across its values).")
    return s, str(hi["who"]), str(lo["who"]), float(hi[col]), float(lo[col]), observed, clear


def _direction(term: Term, values: pd.Series, shap_col: np.ndarray) -> str:
    if term.kind != "number" or not pd.api.types.is_numeric_dtype(values):
        return "category"
    x = pd.Series(values.to_numpy(dtype=float))
    ok = x.notna().to_numpy()
    if ok.sum() < 10 or x[ok].nunique() < 2 or np.std(shap_col[ok]) == 0:
        return "mixed"
    rho = x[ok].corr(pd.Series(shap_col[ok]), method="spearman")
    return "up" if rho > 0.3 else "down" if rho < -0.3 else "mixed"


def _importance(dm: DriverModel, X: pd.DataFrame, pos: np.ndarray, bg: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    rows = X.iloc[pos].reset_index(drop=True)
    key = ("imp", tuple(dm.columns), hashlib.sha1(pd.util.hash_pandas_object(rows, index=False).to_numpy()
                                                   .tobytes()).hexdigest())
    if key not in dm.memo:
        sv, _ = _shap_values(dm, rows, background=bg)
        dm.memo[key] = (np.abs(sv).mean(axis=0), sv)
    return dm.memo[key]


#: The stability check needs two samples of at least this many customers with no customer in both.
MIN_STABILITY_SAMPLE = 200


def explain_model(model: Any, X: pd.DataFrame, *, sample_size: int = 2000, seed: int = 0,
                  risk: np.ndarray | None = None, glossary: Glossary | None = None,
                  churned: np.ndarray | None = None, period: Period | None = None) -> DriverResult:
    """Ranked drivers with one plain sentence each, and how stable the ranking is.

    ``model`` is a fitted scikit-learn classifier (or a :class:`DriverModel`); ``X`` the feature
    frame of the customers to describe; ``risk`` their scores when already known (saves scoring
    every row); ``churned`` whether each of them left (1/0, NaN unknown): with it, sentences state
    the share who actually left in each band, else the model's estimates, said as such. SHAP runs on
    ``sample_size`` customers, one from each risk stratum, and again on a second sample of the same
    size with no customer in common, for the stability figure (not checked when the data is too
    small for two such samples).
    """
    if len(X) == 0:
        raise DataError("There are no customers to explain.")
    dm = as_driver_model(model, list(X.columns))
    cols = dm.columns
    period = period or Period()
    glossary = glossary or Glossary.infer(X, cols)
    r = _risk(dm, X, risk)
    n = len(X)
    size = sample_size if dm.tree is not None else min(sample_size, GENERIC_SAMPLE)
    checked = n // 2 >= MIN_STABILITY_SAMPLE
    size = min(size, n // 2) if checked else min(size, n)
    pos_a = stratified_positions(r, size, seed=seed)
    bg = X.iloc[stratified_positions(r, min(100, n), seed=seed + 7)].reset_index(drop=True)
    imp_a, sv_a = _importance(dm, X, pos_a, bg)
    if not imp_a.sum() > 0:
        raise ExplanationError("The model found no pattern in these columns that sets customers apart (it gives "
                               "every customer the same risk), so there are no drivers to report.")
    stability = top_agree = None
    pos_b = np.array([], dtype=int)
    if checked:  # strata of at least two customers: the second draw never repeats a customer
        pos_b = stratified_positions(r, size, seed=seed, draw=1)
        imp_b, _ = _importance(dm, X, pos_b, bg)
        stability = float(pd.Series(imp_a).corr(pd.Series(imp_b), method="spearman")) if len(cols) > 2 else 1.0
        top_agree = len(set(np.argsort(-imp_a)[:5]) & set(np.argsort(-imp_b)[:5]))

    y = None if churned is None else np.asarray(churned, dtype=float)
    band_pos = (np.arange(n) if n <= BAND_SAMPLE else
                np.sort(np.random.default_rng(seed + 3).choice(n, BAND_SAMPLE, replace=False)))
    sample = "" if n <= BAND_SAMPLE else f" (in a random sample of {fmt_count(BAND_SAMPLE, people=False)} customers)"
    band_rows = X.iloc[band_pos]
    total = float(imp_a.sum()) or 1.0
    drivers = []
    rows_a = X.iloc[pos_a].reset_index(drop=True)
    for j in np.argsort(-imp_a, kind="stable"):
        c = cols[j]
        term = glossary.term(c)
        b = bands(term, band_rows[c], r[band_pos], None if y is None else y[band_pos])
        sentence, hi, lo, hr, lr, observed, clear = driver_sentence(term, b, period=period, sample=sample)
        drivers.append(Driver(column=c, name=term.name, importance=float(imp_a[j]), share=float(imp_a[j]) / total,
                              direction=_direction(term, rows_a[c], sv_a[:, j]), bands=b, high=hi, low=lo,
                              high_risk=hr, low_risk=lr, sentence=sentence, observed=observed, clear=clear))
    known = None if y is None else y[~np.isnan(y)]
    return DriverResult(drivers=drivers, sample_size=len(pos_a), second_sample_size=len(pos_b),
                        stability=stability, top_agree=top_agree, average_risk=float(np.mean(r)),
                        unit=dm.global_unit, model_label=dm.label, model_source=dm.source, customers=n,
                        notes=list(dm.notes), churn_rate=float(known.mean()) if known is not None and len(known)
                        else None, period=period, band_rows=len(band_pos))


def explain_evaluation(dm: DriverModel, evaluation, *, glossary: Glossary | None = None, **options) -> DriverResult:
    """The drivers of the story's customers: their outcomes, the story's period, and their scores
    when those are the explained model's own. An uploaded model scores them afresh, and so does the
    model trained on every customer of undated data (the story's scores there are cross-fitted)."""
    from storytelling.model import model_input

    frame = evaluation.frame
    own = dm.source in ("baseline", "stand-in") and (evaluation.as_of is not None or evaluation.source != "baseline")
    return explain_model(dm, model_input(frame, dm.columns), risk=frame["score"].to_numpy() if own else None,
                         glossary=glossary, churned=frame["churned"].to_numpy(), period=evaluation.period, **options)


# ---------------------------------------------------------------------------------------------
# One customer


@dataclass
class CustomerExplanation:
    customer: str
    risk: float  # the model's own prediction for this customer
    average_risk: float  # the model's average prediction over the background customers
    contributions: pd.DataFrame  # column, name, value, points (probability points, sums to risk - average)
    summary: str
    background_size: int
    withheld: str | None = None  # why the reasons are not shown (they did not add up)
    horizon: str = ""  # ' within a month' for dated data (see Period.risk_horizon)

    @property
    def gap(self) -> float:
        return self.risk - self.average_risk


class CustomerExplainer:
    """Explains single customers against a fixed background (built once, reused per customer)."""

    def __init__(self, model: Any, X: pd.DataFrame, *, risk: np.ndarray | None = None,
                 background_size: int = BACKGROUND_SIZE, seed: int = 0):
        self.dm = as_driver_model(model, list(X.columns))
        r = _risk(self.dm, X, risk)
        size = background_size if self.dm.tree is not None else min(background_size, 200)
        self.background = X.iloc[stratified_positions(r, min(size, len(X)), seed=seed + 11)].reset_index(drop=True)
        self.average_risk = float(np.mean(self.dm.predict(self.background)))
        self._explainer = None

    def _values(self, x: pd.DataFrame) -> tuple[np.ndarray, float]:
        import shap

        if self.dm.tree is None:
            return _shap_values(self.dm, x, background=self.background)  # risk units for non-tree models
        if self._explainer is None:
            bg = self.dm.transform(self.background)
            self._explainer = shap.TreeExplainer(
                self.dm.tree, data=shap.maskers.Independent(bg, max_samples=len(bg)),
                feature_perturbation="interventional", model_output=self.dm.output)
        sv = np.asarray(self._explainer.shap_values(self.dm.transform(x), check_additivity=False)).reshape(1, -1)
        return sv[:, self.dm.order], float(np.ravel(self._explainer.expected_value)[0])

    def _verified(self, x: pd.DataFrame, risk: float) -> tuple[np.ndarray, float]:
        """SHAP values that add up to ``risk`` minus the background's average, or ExplanationError.

        shap's interventional tree explainer is exact for most customers but, for a few, its values
        miss the model's risk by points (seen with scikit-learn's gradient-boosted trees); those
        customers are explained by permutation against the same background instead (exact sums by
        construction), and checked again."""
        sv, base = self._values(x)
        try:
            verify(np.array([base + sv.sum(), base]), np.array([risk, self.average_risk]), "this customer's reasons")
            return sv, base
        except ExplanationError:
            if self.dm.tree is None:
                raise
        sv, base = permutation_values(self.dm, x, self.background, permutations=3)
        verify(np.array([base + sv.sum(), base]), np.array([risk, self.average_risk]), "this customer's reasons")
        return sv, base

    def explain(self, x: pd.DataFrame, *, customer: str = "This customer", glossary: Glossary | None = None,
                top: int = 3, period: Period | None = None) -> CustomerExplanation:
        """This customer's risk (the model's own prediction) and its reasons, verified: the reasons
        must add up to risk minus the average, and the average must be the model's average over
        the background; otherwise the reasons are withheld, and the explanation says why."""
        x = x[self.dm.columns].reset_index(drop=True)
        glossary = glossary or Glossary.infer(self.background, self.dm.columns)
        risk = float(self.dm.predict(x)[0])
        contrib = pd.DataFrame({"column": self.dm.columns, "name": [glossary.name(c) for c in self.dm.columns],
                                "value": [glossary.value(c, x.at[0, c]) for c in self.dm.columns]})
        withheld = None
        try:
            sv, base = self._verified(x, risk)
        except ExplanationError as exc:
            sv, base, withheld = np.zeros((1, len(self.dm.columns))), self.average_risk, str(exc)
        contrib["points"] = sv[0] * 100
        contrib = contrib.reindex(contrib["points"].abs().sort_values(ascending=False).index).reset_index(drop=True)
        summary = customer_summary(customer, risk, base, contrib, top=top, period=period)
        if withheld:
            summary = summary.split(". ")[0].rstrip(".") + ". " + withheld
            contrib = contrib.iloc[0:0]
        return CustomerExplanation(customer=customer, risk=risk, average_risk=base, contributions=contrib,
                                   summary=summary, background_size=len(self.background), withheld=withheld,
                                   horizon=(period or Period()).risk_horizon)


def explain_customer(model: Any, X: pd.DataFrame, row: int | pd.DataFrame, *, risk: np.ndarray | None = None,
                     glossary: Glossary | None = None, customer: str | None = None,
                     explainer: CustomerExplainer | None = None, period: Period | None = None) -> CustomerExplanation:
    """One customer's risk, the average risk, and contributions in probability points.

    ``row`` is a position in ``X`` or a one-row frame. The contributions add up to
    ``risk - average_risk``, where the average is over a background of up to 1,000 customers of
    ``X`` (one from each risk stratum).
    """
    explainer = explainer or CustomerExplainer(model, X, risk=risk)
    x = X.iloc[[row]] if isinstance(row, (int, np.integer)) else row
    return explainer.explain(x, customer=customer or "This customer", glossary=glossary, period=period)


def fmt_points(p: float) -> str:
    """Probability points: +9 points, +0.4 points, -2.5 points."""
    sign = "+" if p >= 0 else "−"
    a = abs(p)
    s = f"{a:.0f}" if a >= 10 else f"{a:.1f}".rstrip("0").rstrip(".") if a >= 0.05 else "0"
    return f"{sign}{s} {'point' if s == '1' else 'points'}"


def _reason(row) -> str:
    return f"their {row['name']} ({row['value']}, {fmt_points(row['points'])})"


def customer_summary(customer: str, risk: float, average: float, contrib: pd.DataFrame, *, top: int = 3,
                     period: Period | None = None) -> str:
    """Two or three sentences: the model's risk against its average, the main reasons, what lowers it."""
    gap = (risk - average) * 100
    ratio = risk / average if average > 0 else math.inf
    if ratio >= 1.5:
        rel = f"about {fmt_ratio(ratio)} the average customer's {fmt_pct(average)}"
    elif ratio <= 1 / 1.5:
        rel = f"well below the average customer's {fmt_pct(average)}"
    else:
        rel = f"close to the average customer's {fmt_pct(average)}"
    first = f"The model puts {customer}'s risk of leaving{(period or Period()).risk_horizon} at {fmt_pct(risk)}, {rel}."
    sign = 1 if gap >= 0 else -1
    threshold = max(0.3, 0.1 * abs(gap))
    main = contrib[(contrib["points"] * sign > 0) & (contrib["points"].abs() >= threshold)].head(top)
    counter = contrib[(contrib["points"] * sign < 0) & (contrib["points"].abs() >= threshold)].head(1)
    parts = [first]
    if len(main):
        parts.append(f"{'Mainly' if sign > 0 else 'It is low mainly'} because of "
                     f"{join_words([_reason(r) for _, r in main.iterrows()])}.")
    if len(counter):
        r = counter.iloc[0]
        verb = "lowers" if r["points"] < 0 else "raises"
        parts.append(f"Their {r['name']} ({r['value']}) {verb} it by {fmt_points(abs(r['points']))[1:]}.")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Findings


def _method_notes(result: DriverResult) -> list[str]:
    observed = any(d.observed for d in result.drivers)
    sample = ("every customer" if result.band_rows >= result.customers else
              f"a random sample of {fmt_count(result.band_rows, people=False)} customers")
    if result.checked:
        stab = (f"Stability: the ranking repeated on a second sample of {fmt_count(result.second_sample_size, people=False)} "
                f"customers, none of them in the first, agrees at {result.stability:.2f} (rank correlation); "
                f"{result.top_agree} of the top 5 are the same.")
    else:
        stab = (f"Stability not checked: {fmt_count(result.customers, people=False)} customers are too few for two "
                f"separate samples of {MIN_STABILITY_SAMPLE} or more.")
    return [
        f"Drivers ranked by the average size of each column's SHAP value for {result.model_label}, on "
        f"{fmt_count(result.sample_size, people=False)} customers sampled evenly across the risk range "
        f"(of {fmt_count(result.customers, people=False)}).",
        (f"Each sentence compares the share of customers who actually left in the band (or category) of the "
         f"column where most left with the band where fewest left, counted on {sample}; a difference is called "
         f"out only when it is beyond chance (chi-square across the bands and a two-proportion test of the two, "
         f"corrected for the pairs compared, both p < {CLEAR_P:g}); bands holding under 3% of customers or fewer "
         f"than {MIN_BAND_CUSTOMERS} are not compared." if observed else
         "Without known outcomes, each sentence compares the model's average estimated risk of the customers in "
         "the riskiest and the safest band (or category) of the column."),
        stab,
        *result.notes,
    ]


def stability_text(result: DriverResult) -> str:
    if not result.checked:
        return "How stable this order is was not checked: there are too few customers for two separate samples."
    if result.stable:
        return (f"The order is stable: explaining the model again on a second sample of different customers gives "
                f"the same top {'5' if result.top_agree == 5 else 'drivers, give or take one'}.")
    return ("The order below the first few drivers is not stable: explaining the model on a second sample of "
            "different customers ranks them differently, so treat close neighbours as equally important.")


SENSITIVE_RANK = 5  # a sensitive column among the model's first five reasons is said on the drivers


def sensitive_caveats(result: DriverResult) -> list[str]:
    """'Age band (a sensitive column: age) is the model's 2nd strongest reason...', for each
    sensitive column the model reads that ranks among its first :data:`SENSITIVE_RANK` reasons."""
    out = []
    for i, d in enumerate(result.drivers[:SENSITIVE_RANK]):
        if d.column in result.sensitive:
            nth = {1: "strongest", 2: "2nd strongest", 3: "3rd strongest"}.get(i + 1, f"{i + 1}th strongest")
            out.append(f"{d.name[:1].upper() + d.name[1:]} is a sensitive column ({result.sensitive[d.column]}) and "
                       f"the model's {nth} reason: a list built on it treats customers differently by it. See whom "
                       "the list picks in each group before it goes out.")
    if result.kept_out:
        one = len(result.kept_out) == 1
        out.append(f"The model does not see {join_words(result.kept_out)} (kept out as sensitive), so "
                   f"{'it is' if one else 'they are'} never among these reasons, whatever {'its' if one else 'their'} "
                   "link with leaving.")
    return out


def drivers_finding(result: DriverResult, *, top: int = 3) -> Finding:
    """The top drivers, each as a sentence a marketing lead can read aloud."""
    tops = result.drivers[:top]
    share_top = sum(d.share for d in tops)
    f = facts(
        Fact("top_driver", tops[0].name, "", tops[0].name),
        Fact("top_share", share_top, "share", fmt_pct(share_top)),
        Fact("average_risk", result.average_risk, "share", fmt_pct(result.average_risk)),
        Fact("sample_size", result.sample_size, "customers", fmt_count(result.sample_size)),
        Fact("stability", result.stability, "correlation",
             f"{result.stability:.2f}" if result.checked else "not checked"),
        *[Fact(f"driver_{i + 1}", d.name, "", d.name) for i, d in enumerate(tops)],
        *[Fact(f"driver_{i + 1}_ratio", d.high_risk / d.low_risk if d.low_risk > 0 else math.inf, "ratio",
               fmt_ratio(d.high_risk / d.low_risk) if d.low_risk > 0 else "n/a") for i, d in enumerate(tops)],
    )
    marked = [d.name for d in tops if d.clear]  # a column whose bands differ by chance marks nobody
    if marked:
        title = (f"{join_words([n[0].upper() + n[1:] if i == 0 else n for i, n in enumerate(marked)])} "
                 f"{'says' if len(marked) == 1 else 'say'} most about who leaves")
    else:
        title = "No column on its own clearly marks who leaves"
    caveats = [CAUSE_CAVEAT]
    if not result.stable:
        caveats.append(stability_text(result))
    if result.model_source == "stand-in":
        caveats.append("These drivers describe a stand-in model that imitates your scores, not your model itself.")
    caveats += sensitive_caveats(result)
    return Finding(
        key="drivers",
        title=title,
        headline=tops[0].sentence,
        bullets=[d.sentence for d in tops[1:]] + [
            f"Together these {len(tops)} explain about {f['top_share'].text} of the differences in risk the model "
            "sees between customers.", stability_text(result)],
        chart=lambda: charts.drivers_chart(result.table.head(8)),
        plot=lambda: _drivers_plot(result.table.head(8)),
        facts=f,
        caveats=caveats,
        notes=_method_notes(result),
        technical=[f"Mean |SHAP| ({result.unit}): " + ", ".join(f"{d.column} {d.importance:.3f}"
                                                               for d in result.drivers[:6]) + "."],
        next_steps=[f"Brief the callers on what marks the customers on the list: {join_words(marked)}."] if marked
        else [],
    )


def driver_detail_finding(result: DriverResult, column: str) -> Finding:
    """Who left (and the model's risk) across one column's values."""
    d = result.driver(column)
    b = d.bands
    pe = result.period
    f = facts(
        Fact("riskiest", d.high, "", d.high),
        Fact("riskiest_risk", d.high_risk, "share", fmt_pct(d.high_risk)),
        Fact("safest", d.low, "", d.low),
        Fact("safest_risk", d.low_risk, "share", fmt_pct(d.low_risk)),
        Fact("average_risk", result.average_risk, "share", fmt_pct(result.average_risk)),
    )
    if result.churn_rate is not None:
        f["churn_rate"] = Fact("churn_rate", result.churn_rate, "share", fmt_pct(result.churn_rate))
    T = texts(f)
    if d.observed:
        bullets = [f"{str(r['band'])[:1].upper() + str(r['band'])[1:]}: {fmt_pct(r['left'])} of "
                   f"{fmt_count(r['known'], people=False)} left (the model expected {fmt_pct(r['risk'])})."
                   for _, r in b.iterrows() if r["known"] > 0]
        average = (f"Across all of them {T['churn_rate']} left {pe.horizon}; the model's average estimate is "
                   f"{T['average_risk']}.")
    else:
        bullets = [f"{str(r['band'])[:1].upper() + str(r['band'])[1:]}: the model expects {fmt_pct(r['risk'])}, "
                   f"{fmt_pct(r['share'])} of customers." for _, r in b.iterrows()]
        average = f"The model's average estimate is {T['average_risk']}."
    direction = {"up": f"In the model, the higher the {d.name}, the higher the risk.",
                 "down": f"In the model, the higher the {d.name}, the lower the risk.",
                 "mixed": f"In the model, risk does not simply rise or fall with {d.name}."}.get(d.direction)
    rows = ("every customer" if result.band_rows >= result.customers else
            f"a random sample of {fmt_count(result.band_rows, people=False)} customers")
    return Finding(
        key=f"driver:{column}",
        title=d.sentence.rstrip("."),
        headline=(direction + " " if direction else "") + average,
        bullets=bullets,
        chart=lambda: charts.band_chart(b, result.churn_rate if d.observed else result.average_risk, d.name,
                                        observed=d.observed, horizon=pe.horizon),
        facts=f,
        caveats=[CAUSE_CAVEAT],
        notes=[f"Share who left and the model's average estimate in each band of '{column}', on {rows}."],
        technical=[f"Rank {result.drivers.index(d) + 1} of {len(result.drivers)}; mean |SHAP| {d.importance:.3f} "
                   f"({result.unit})."],
    )


def waterfall_data(expl: CustomerExplanation, *, steps: int = 6) -> pd.DataFrame:
    """Average risk, the biggest contributions, the rest, this customer's risk (in %)."""
    c = expl.contributions
    head, rest = c.head(steps), c.iloc[steps:]
    rows = [{"label": "Average customer", "start": 0.0, "end": expl.average_risk * 100, "kind": "average",
             "text": fmt_pct(expl.average_risk)}]
    level = expl.average_risk * 100
    items = [(f"{r['name']} = {r['value']}", r["points"]) for _, r in head.iterrows()]
    if len(rest):
        items.append((f"{len(rest)} other factors", float(rest["points"].sum())))
    for lab, p in items:
        rows.append({"label": lab, "start": level, "end": level + p, "kind": "raises" if p >= 0 else "lowers",
                     "text": fmt_points(p)})
        level += p
    rows.append({"label": f"{expl.customer}", "start": 0.0, "end": expl.risk * 100, "kind": "customer",
                 "text": fmt_pct(expl.risk)})
    out = pd.DataFrame(rows)
    out["order"] = range(len(out))
    return out


def customer_finding(expl: CustomerExplanation) -> Finding:
    f = facts(
        Fact("risk", expl.risk, "share", fmt_pct(expl.risk)),
        Fact("average_risk", expl.average_risk, "share", fmt_pct(expl.average_risk)),
        Fact("customer", expl.customer, "", expl.customer),
    )
    title = f"Why {expl.customer} is {'at risk' if expl.gap > 0 else 'unlikely to leave'}"
    if expl.withheld:
        return Finding(key="customer", title=f"{expl.customer}'s reasons cannot be shown", headline=expl.summary,
                       bullets=[], chart=None, facts=f, caveats=[CAUSE_CAVEAT], notes=[expl.withheld])
    data = waterfall_data(expl)
    top = expl.contributions.head(5)
    return Finding(
        key="customer",
        title=title,
        headline=expl.summary,
        bullets=[f"{r['name'][:1].upper() + r['name'][1:]} = {r['value']}: {fmt_points(r['points'])}"
                 for _, r in top.iterrows()],
        chart=lambda: charts.waterfall_chart(data, horizon=expl.horizon),
        facts=f,
        caveats=[CAUSE_CAVEAT],
        notes=[f"Contributions in percentage points of risk (interventional SHAP values on the probability scale) "
               f"against {fmt_count(expl.background_size, people=False)} customers sampled evenly across the risk "
               "range; they add up to this customer's risk minus their average risk, checked before they are "
               "shown."],
    )


def _drivers_plot(table: pd.DataFrame):
    """The drivers' bars as data, biggest first."""
    t = table.sort_values("share", ascending=False)
    return plots.one_bar_series(list(t["driver"]), list(t["share"]), [f"{v:.0%}" for v in t["share"]],
                                title="Share of the differences in risk the model sees", percent=True,
                                alt="Bars: what each customer column contributes to the differences in risk the model "
                                    "sees, biggest first: " + ", ".join(f"{d} {v:.0%}" for d, v in zip(t["driver"], t["share"])) + ".")
