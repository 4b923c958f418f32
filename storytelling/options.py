"""What each kept scenario keeps, costs and earns, computed by the single what-if's own curves.

A scenario's customers (its focus) are cut into parts that share one offer: each group given its
own offer, then everyone else. The list is always the focus's riskiest customers first (or everyone
at or above a risk); each part's calls are the part's members on that list, priced at the part's
own cost and share kept. A scenario with one part and the page's whole population is priced by the
very curve and call the single what-if uses (:func:`storytelling.lift.analyse_lift`), so its
figures are the same numbers, not a second computation of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from storytelling.curve_ranges import BootstrapResult, middle_ranges
from storytelling.errors import DataError
from storytelling.lift import Curves
from storytelling.scenarios import Offer, Scenario
from storytelling.targeting import Assumptions, Outcome, TargetingCurve, pick_depth


@dataclass
class Part:
    """Customers of a scenario who share one offer: the scenario's ``index``-th (None: its own price). The
    part holds no price: a cached split serves every scenario that cuts the customers the same way."""

    curve: TargetingCurve
    index: int | None

    def offer(self, s: Scenario) -> Offer | None:
        return None if self.index is None else s.offers[self.index]

    def assumptions(self, s: Scenario, several: bool) -> Assumptions:
        """The part's pricing: its offer's cost and share kept; the fixed cost is the whole list's, once."""
        a, o = s.assumptions, self.offer(s)
        if o is not None:
            a = replace(a, cost_per_contact=o.cost_per_contact, save_rate=o.save_rate)
        return replace(a, fixed_cost=0.0) if several else a


@dataclass
class Split:
    """A scenario's customers, cut into parts; ``counts[g, k]``: part g's members among the focus's
    riskiest k (None for a single part)."""

    customers: int
    parts: list[Part]
    counts: np.ndarray | None

    def priced(self, s: Scenario) -> list[tuple[Part, Assumptions]]:
        return [(p, p.assumptions(s, len(self.parts) > 1)) for p in self.parts]


@dataclass
class ScenarioResult:
    scenario: Scenario
    customers: int  # customers the scenario may call (its focus)
    contacts: int
    outcome: Outcome
    ranges: BootstrapResult
    best: int  # the most profitable list size of this rule (within capacity; 0: none pays)
    best_outcome: Outcome
    pays_up_to: int | None  # the longest list of this rule that still makes money (None: unknown)
    parts: list[tuple[str, int, Outcome, float]]  # per offer: who, how many calls, what they keep and cost, a call's price
    any_pays: bool  # some list size of this rule makes money, within marketing's capacity or not

    @property
    def name(self) -> str:
        return self.scenario.name


def _focus_mask(frame: pd.DataFrame, s: Scenario) -> np.ndarray:
    """Which evaluated customers the scenario may call (its columns checked by :func:`split`)."""
    mask = np.ones(len(frame), bool)
    for col, vals in s.focus:
        mask &= _in_groups(frame, col, vals)
    if s.skip_rule:
        if "status_quo" not in frame:
            raise DataError(f"Scenario '{s.name}' leaves out the customers today's rule picks, but the data has no "
                            "today's rule.")
        mask &= frame["status_quo"].to_numpy(float) <= 0
    return mask


#: Columns of the evaluated customers that are not customer features a scenario may pick groups by.
NOT_GROUPS = frozenset({"customer_id", "snapshot_date", "churned", "score", "_row", "value", "status_quo"})


def check_columns(frame: pd.DataFrame, s: Scenario, names: dict[str, str] | None) -> None:
    """Refuse a focus or offer on a column that is not a customer column the model reads (``names``' keys
    when given: the app passes the model's features, so a sensitive column it leaves out is refused too)."""
    for col in [c for c, _ in s.focus] + [o.column for o in s.offers]:
        allowed = col in names if names else col in frame and col not in NOT_GROUPS
        if not allowed:
            raise DataError(f"Scenario '{s.name}' picks customers by '{col}', which is not one of the customer "
                            "columns the model reads.")


def _in_groups(frame: pd.DataFrame, col: str, vals: tuple[str, ...]) -> np.ndarray:
    return group_labels(frame, col).isin(vals).to_numpy()


def split(curves: Curves, s: Scenario, names: dict[str, str] | None = None) -> Split:
    """The scenario's customers and parts (cached on ``curves``: a slider move reuses them)."""
    check_columns(curves.evaluation.frame, s, names)  # before the cache: a split made for one caller serves all
    key = (s.plain, s.focus, s.skip_rule, tuple((o.column, o.values) for o in s.offers))
    cache = curves.memo.setdefault("splits", {})
    if key not in cache:
        if len(cache) > 32:
            cache.clear()
        cache[key] = _split(curves, s)
    return cache[key]


def _split(curves: Curves, s: Scenario) -> Split:
    if s.plain:
        return Split(curves.n, [Part(curves.model, None)], None)
    if curves.model.binned:
        raise DataError(f"Scenario '{s.name}' picks groups of customers or gives them their own offer, which needs "
                        "the customers one by one; a database table's story is priced from its score buckets.")
    f = curves.evaluation.frame
    keep = _focus_mask(f, s)
    if not keep.any():
        raise DataError(f"No customer is in the groups of scenario '{s.name}'.")
    f = f[keep]
    which = np.full(len(f), -1)
    for i in reversed(range(len(s.offers))):  # the first offer naming a customer is theirs
        which[_in_groups(f, s.offers[i].column, s.offers[i].values)] = i
    value = f["value"].to_numpy() if curves.uses_value else None
    score, churned = f["score"].to_numpy(), f["churned"].to_numpy()
    parts, members = [], []
    for i in [*range(len(s.offers)), -1]:
        m = which == i
        if not m.any():
            continue
        curve = TargetingCurve.from_scores(score[m], churned[m], None if value is None else value[m])
        parts.append(Part(curve, i if i >= 0 else None))
        members.append(m)
    if len(parts) == 1:
        return Split(int(keep.sum()), parts, None)
    order = np.argsort(-score, kind="stable")  # the focus's risk order; each part's curve is a subsequence of it
    counts = np.vstack([np.concatenate([[0], np.cumsum(m[order])]) for m in members])
    return Split(int(keep.sum()), parts, counts)


def offer_label(o: Offer | None, names: dict[str, str]) -> str:
    if o is None:
        return "everyone else"
    return f"customers whose {names.get(o.column, o.column)} is {' or '.join(o.values)}"


def _depths(sp: Split, s: Scenario) -> tuple[int, list[int]]:
    """The list's length and each part's calls on it."""
    if s.by_risk:
        ks = [p.curve.count_at_threshold(s.threshold) for p in sp.parts]
        return sum(ks), ks
    k = int(min(max(s.contacts, 0), sp.customers))
    return k, ([k] if sp.counts is None else [int(c) for c in sp.counts[:, k]])


def _combined(sp: Split, s: Scenario, k: int, ks: list[int]) -> tuple[Outcome, list[Outcome]]:
    """The whole list's outcome, and each part's."""
    outs = [p.curve.outcome(kg, pa) for (p, pa), kg in zip(sp.priced(s), ks, strict=True)]
    if len(outs) == 1:
        return outs[0], outs
    reached, saved, value, cost = (sum(getattr(o, x) for o in outs) for x in ("churners_reached", "saved", "value", "cost"))
    cost += s.assumptions.fixed_cost if k > 0 else 0.0
    return Outcome(k, reached, saved, value, cost, value - cost, (value - cost) / cost if cost else math.nan), outs


def _ranges(sp: Split, s: Scenario, k: int, ks: list[int], n_boot: int = 300) -> BootstrapResult:
    priced = sp.priced(s)
    if len(priced) == 1:
        return priced[0][0].curve.bootstrap(k, priced[0][1], n_boot=n_boot)
    draws = [p.curve.outcome_samples(kg, pa, n_boot=n_boot, seed=i)
             for i, ((p, pa), kg) in enumerate(zip(priced, ks, strict=True))]
    reached, saved, net = (np.sum([d[j] for d in draws], axis=0) for j in range(3))
    method = "normal approximation" if any(d[3] != "bootstrap" for d in draws) else "bootstrap"
    return middle_ranges(k, reached, saved, net - (s.assumptions.fixed_cost if k > 0 else 0.0), level=0.9, method=method)


def net_by_size(sp: Split, s: Scenario) -> np.ndarray | None:
    """The rule's net value at every list size 0..customers (None for a database's bucketed curve)."""
    priced = sp.priced(s)
    if priced[0][0].curve.binned:
        return None
    if sp.counts is None:
        return priced[0][0].curve.net_curve(priced[0][1])
    net = sum(p.curve.net_curve(pa)[c] for (p, pa), c in zip(priced, sp.counts, strict=True))
    return net - np.where(np.arange(sp.customers + 1) > 0, s.assumptions.fixed_cost, 0.0)


def evaluate(curves: Curves, s: Scenario, names: dict[str, str] | None = None) -> ScenarioResult:
    """What the scenario's list keeps, costs and earns, with ranges, and its own best list size."""
    sp = split(curves, s, names)
    a = s.assumptions
    k, ks = _depths(sp, s)
    outcome, outs = _combined(sp, s, k, ks)
    net = net_by_size(sp, s)
    if net is None:  # a database's story: the curve's own best size
        best, pays = sp.parts[0].curve.recommended_count(a), None
        any_pays = sp.parts[0].curve.best_count(replace(a, capacity=None)) > 0
    else:
        best, any_pays = pick_depth(net, a.capacity), bool(net.max() > 0)
        paying = np.flatnonzero(net[best:] > 0)
        pays = best + int(paying[-1]) if best and len(paying) else 0
    best_outcome = _combined(sp, s, best, _depths(sp, replace(s, contacts=best, threshold=None))[1])[0]
    parts = [(offer_label(p.offer(s), names or {}), kg, o, pa.cost_per_contact)
             for (p, pa), kg, o in zip(sp.priced(s), ks, outs, strict=True)] if s.offers else []
    return ScenarioResult(s, sp.customers, k, outcome, _ranges(sp, s, k, ks), best, best_outcome, pays, parts, any_pays)


def evaluate_all(curves: Curves, scenarios: list[Scenario], names: dict[str, str] | None = None
                 ) -> tuple[list[ScenarioResult], dict[str, str]]:
    """Every scenario that can be priced on this data, and why each other one cannot (by name)."""
    done, cannot = [], {}
    for s in scenarios:
        try:
            done.append(evaluate(curves, s, names))
        except DataError as exc:
            cannot[s.name] = str(exc)
    return done, cannot


#: A column with more groups than this is not offered for a focus or an offer (too many to pick from).
MAX_GROUPS = 12


def group_labels(frame: pd.DataFrame, col: str) -> pd.Series:
    """A column's values as the groups a scenario names (text; missing values as '(missing)')."""
    return frame[col].astype("string").fillna("(missing)")


def group_columns(curves: Curves, features: list[str]) -> dict[str, list[str]]:
    """Columns whose few groups a scenario may focus on or give an offer to, with their groups (empty
    for a database's story, whose customers are not at hand one by one)."""
    if curves.model.binned:
        return {}
    key = ("groups", tuple(features))
    if key not in curves.memo:
        f = curves.evaluation.frame
        curves.memo[key] = {c: sorted(group_labels(f, c).unique().tolist()) for c in features
                            if c in f and 2 <= f[c].nunique(dropna=False) <= MAX_GROUPS}
    return curves.memo[key]
