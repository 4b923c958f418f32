"""Who to contact, and what it is worth.

:class:`TargetingCurve` sorts customers once by score (O(n log n)) and then answers "what happens
if we contact the top k" in O(1) or O(log n). :class:`Assumptions` holds the business inputs
agreed with marketing; :meth:`TargetingCurve.outcome` turns a depth into customers kept, cost and
net value, and :meth:`TargetingCurve.bootstrap` gives a range for those figures.

Formulas (C_k = leavers among the top k, V_k = their summed value when a value is given):

* saved_k = save_rate * C_k
* value_k = value_per_saved * saved_k, or save_rate * V_k * value_months when a per-customer
  value is given (``value_months`` defaults to 1: the value column is already the value of
  keeping that customer)
* cost_k = cost_per_contact * k + fixed_cost
* net_k = value_k - cost_k, roi_k = net_k / cost_k
* random targeting at the same k reaches base_rate * k leavers.

A curve is either exact (:meth:`TargetingCurve.from_scores`: one entry per customer) or built from
score buckets (:meth:`TargetingCurve.from_aggregates`: counts of customers, leavers and value per
score bucket, e.g. computed by a warehouse). Both answer the same queries. A bucketed curve is exact
at the edge of every bucket; inside a bucket its customers are taken in proportion (leavers, value
and scores spread evenly through the bucket), so customers whose risks fall in the same bucket count
as tied. A count query is then off by at most the leavers of one bucket, and a threshold on the
bucket grid is exact; see :data:`AGGREGATE_TOLERANCE` for what the tests hold it to.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import numpy as np

from storytelling.curve_ranges import CurveRanges

AGGREGATE_TOLERANCE = (
    "Leavers reached by a bucketed curve differ from the exact curve by at most the leavers of one score "
    "bucket; with 1,000 buckets of 0.1 risk points and a list of at least 1% of customers, by less than 1%."
)


@dataclass(frozen=True)
class Assumptions:
    """Business inputs for a retention campaign.

    Parameters
    ----------
    value_per_saved
        What keeping one customer who would have left is worth (e.g. a year of margin).
    cost_per_contact
        Cost of contacting one customer (call time, offer, discount).
    save_rate
        Share of contacted leavers that the offer keeps (0-1).
    fixed_cost
        Cost of running the campaign at all (set-up, creative), paid when anyone is contacted.
    capacity
        How many customers marketing can contact per month (None: no limit).
    value_months
        When the data has a per-customer monthly value, how many months of it a kept customer is
        worth. ``None`` means the value column already is the value of keeping that customer.
    """

    value_per_saved: float
    cost_per_contact: float
    save_rate: float
    fixed_cost: float = 0.0
    capacity: int | None = None
    value_months: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.save_rate <= 1.0:
            raise ValueError("save_rate must be between 0 and 1")
        if self.cost_per_contact < 0 or self.fixed_cost < 0 or self.value_per_saved < 0:
            raise ValueError("values and costs must be 0 or more")
        if self.capacity is not None and self.capacity < 0:
            raise ValueError("capacity must be 0 or more")

    def cost(self, k):
        """Campaign cost of contacting ``k`` customers (a number or an array of depths)."""
        k = np.asarray(k, dtype=float)
        out = self.cost_per_contact * k + np.where(k > 0, self.fixed_cost, 0.0)
        return float(out) if out.ndim == 0 else out

    def value_kept(self, churners_reached, value_reached=None):
        """Value of the customers the offer keeps, from the leavers reached (numbers or arrays).

        With a per-customer value, ``value_reached`` is the summed value of the reached leavers;
        otherwise every kept customer is worth ``value_per_saved``.
        """
        if value_reached is not None:
            return self.save_rate * value_reached * (self.value_months or 1.0)
        return self.value_per_saved * self.save_rate * churners_reached


#: The app's starting assumptions (story.toml's defaults): a figure built on them is a placeholder
#: until marketing agrees its own.
STARTING = Assumptions(value_per_saved=600.0, cost_per_contact=8.0, save_rate=0.3, capacity=1000, value_months=12.0)


def unagreed(a: Assumptions, *, uses_value: bool) -> list[str]:
    """The assumptions of ``a`` still at their starting values, named as the appendix names them."""
    def same(x, start) -> bool:
        return x is not None and math.isclose(x, start, rel_tol=1e-9)

    out = []
    if same(a.value_months, STARTING.value_months) if uses_value else same(a.value_per_saved, STARTING.value_per_saved):
        out.append("value of a kept customer")
    if same(a.cost_per_contact, STARTING.cost_per_contact):
        out.append("cost per contact")
    if same(a.save_rate, STARTING.save_rate):
        out.append("share of contacted leavers the offer keeps")
    if same(a.capacity, STARTING.capacity):
        out.append("how many customers marketing can contact")
    return out


def pick_depth(net: np.ndarray, capacity: int | None) -> int:
    """The list size to recommend from the net value at every size 0..n: the most profitable within
    marketing's capacity (0 when none makes money); the whole capacity when a longer list would pay
    even more and the capacity earns within 1% of the best size below it (net value wobbles by a
    call's cost from one customer to the next, which is no reason to stop short)."""
    n = len(net) - 1
    cap = min(int(capacity), n) if capacity else None
    limit = n if cap is None else cap
    best = int(np.argmax(net[: limit + 1]))
    if net[best] <= 0:
        return 0
    if cap is not None and best < cap and net[int(np.argmax(net))] > 0 and int(np.argmax(net)) > cap:
        top, at_cap = net[best], net[cap]
        if at_cap >= top - 0.01 * abs(top):
            return int(cap)
    return best


@dataclass(frozen=True)
class TargetingPoint:
    """The top ``contacted`` customers by score, and how many of them were about to leave."""

    contacted: int
    churners_reached: int
    hit_rate: float  # churners_reached / contacted
    share_of_churners_reached: float  # churners_reached / all churners
    lift: float  # hit_rate / base rate
    threshold: float  # lowest score contacted (or the threshold asked for)
    fraction: float  # contacted / all customers
    value_reached: float | None  # summed value of the reached churners (None without values)


@dataclass(frozen=True)
class Outcome:
    """Business result of contacting ``contacted`` customers under some policy."""

    contacted: int
    churners_reached: float
    saved: float
    value: float
    cost: float
    net: float
    roi: float  # net / cost (nan when nothing is spent)


def outcome_of(k: int, churners: float, value_reached: float | None, a: Assumptions) -> Outcome:
    """What contacting ``k`` customers who include ``churners`` leavers (worth ``value_reached``
    together, when customers have their own value) keeps, costs and makes under ``a``."""
    saved = a.save_rate * churners
    value = a.value_kept(churners, value_reached)
    cost = a.cost(k)
    net = value - cost
    return Outcome(k, churners, saved, value, cost, net, net / cost if cost else math.nan)


class TargetingCurve(CurveRanges):
    """Cumulative leavers (and value) over customers sorted by descending score.

    Build with :meth:`from_scores`; the constructor takes already-sorted arrays.
    """

    binned = False  # True for a curve built from score buckets (no customer-level arrays)

    def __init__(self, sorted_scores: np.ndarray, sorted_churned: np.ndarray,
                 order: np.ndarray, sorted_value: np.ndarray | None = None) -> None:
        self.n = int(len(sorted_scores))
        if self.n == 0:
            raise ValueError("a targeting curve needs at least one customer")
        self.top_score = float(sorted_scores[0])
        self.sorted_scores = sorted_scores
        self.sorted_churned = sorted_churned
        self.order = order
        self.sorted_value = sorted_value
        self.has_value = sorted_value is not None
        self.cum_churners = np.concatenate([[0], np.cumsum(sorted_churned, dtype=np.int64)])
        self.total_churners = int(self.cum_churners[-1])
        self.base_rate = self.total_churners / self.n
        self._neg_scores = -sorted_scores  # ascending, for searchsorted
        if sorted_value is not None:
            self.cum_value = np.concatenate([[0.0], np.cumsum(sorted_value * sorted_churned)])
            self.total_value = float(self.cum_value[-1])
        else:
            self.cum_value = None
            self.total_value = None
        self._net_cache: dict[Assumptions, np.ndarray] = {}

    @classmethod
    def from_scores(cls, scores, churned, value=None) -> TargetingCurve:
        """Sort once by descending score; ties keep their input order (stable sort)."""
        scores = np.asarray(scores, dtype=float)
        churned = np.asarray(churned)
        if scores.shape != churned.shape or scores.ndim != 1:
            raise ValueError("scores and churned must be 1-D arrays of the same length")
        if np.isnan(scores).any():
            raise ValueError("scores must not be NaN")
        churned = churned.astype(bool)
        order = np.argsort(-scores, kind="stable")
        sv = None
        if value is not None:
            value = np.asarray(value, dtype=float)
            if value.shape != scores.shape:
                raise ValueError("value must have the same length as scores")
            sv = value[order]
        return cls(scores[order], churned[order].astype(np.int8), order, sv)

    @classmethod
    def from_aggregates(cls, score_high, score_low, customers, churners, value=None,
                        value_sq=None) -> TargetingCurve:
        """A curve from score buckets: per bucket, its highest and lowest score, its customers and
        leavers, and (optionally) the summed value and summed squared value of its leavers.

        Buckets may come in any order and must not overlap. Within a bucket customers are taken in
        proportion: a list that ends inside a bucket reaches its share of the bucket's leavers and
        value, and scores are spread evenly between the bucket's highest and lowest. Queries are
        exact at bucket edges (see the module notes). Ranges always use the normal approximation
        to the bootstrap, which needs ``value_sq`` when values are given (else it is taken as if
        every leaver in a bucket had the bucket's mean value).
        """
        hi = np.asarray(score_high, dtype=float)
        lo = np.asarray(score_low, dtype=float)
        n_b = np.asarray(customers, dtype=np.int64)
        c_b = np.asarray(churners, dtype=float)
        if not (hi.ndim == 1 and hi.shape == lo.shape == n_b.shape == c_b.shape):
            raise ValueError("bucket arrays must be 1-D and of the same length")
        keep = n_b > 0
        hi, lo, n_b, c_b = hi[keep], lo[keep], n_b[keep], c_b[keep]
        if len(hi) == 0:
            raise ValueError("a targeting curve needs at least one customer")
        if np.isnan(hi).any() or np.isnan(lo).any() or (lo > hi).any():
            raise ValueError("each bucket needs a lowest score at or below its highest score")
        if (c_b < 0).any() or (c_b > n_b).any():
            raise ValueError("a bucket cannot have more leavers than customers")
        order = np.lexsort((-lo, -hi))  # highest scores first
        hi, lo, n_b, c_b = hi[order], lo[order], n_b[order], c_b[order]
        if (lo[:-1] < hi[1:]).any():
            raise ValueError("score buckets must not overlap")
        self = cls.__new__(cls)
        self.binned = True
        self.n = int(n_b.sum())
        self.knots = np.concatenate([[0], np.cumsum(n_b)])
        self.bucket_high, self.bucket_low = hi, lo
        self.sorted_scores = self.sorted_churned = self.order = self.sorted_value = None
        self.top_score = float(hi[0])
        self.knot_churners = np.concatenate([[0.0], np.cumsum(c_b)])
        self.cum_churners = None
        self.total_churners = int(round(self.knot_churners[-1]))
        self.base_rate = self.total_churners / self.n
        self.cum_value = None
        if value is not None:
            v_b = np.asarray(value, dtype=float)[keep][order]
            v2_b = (np.asarray(value_sq, dtype=float)[keep][order] if value_sq is not None
                    else np.divide(v_b ** 2, c_b, out=np.zeros_like(v_b), where=c_b > 0))
            self.knot_value = np.concatenate([[0.0], np.cumsum(v_b)])
            self.knot_value_sq = np.concatenate([[0.0], np.cumsum(v2_b)])
            self.total_value = float(self.knot_value[-1])
            self.has_value = True
        else:
            self.knot_value = self.knot_value_sq = None
            self.total_value = None
            self.has_value = False
        self._net_cache = {}
        return self

    @classmethod
    def from_rule(cls, rule, churned, value=None, *, seed: int = 0) -> TargetingCurve:
        """Today's rule, ranked like the model: customers it ranks the same (usually everyone it
        flags, and everyone it does not) come in a fixed random order (seeded), so "the rule at
        1,000 calls" means its flagged customers first, then others picked at random.
        ``order`` still indexes the input rows."""
        rule = np.asarray(rule, dtype=float)
        perm = np.random.default_rng(seed).permutation(len(rule))
        curve = cls.from_scores(rule[perm], np.asarray(churned)[perm],
                                None if value is None else np.asarray(value, dtype=float)[perm])
        curve.order = perm[curve.order]
        return curve

    @functools.cached_property
    def yes_no(self) -> bool:
        """Whether every score is 0 or 1: a yes/no rule rather than a ranking."""
        if self.binned:
            return bool(np.isin(self.bucket_high, (0.0, 1.0)).all() and (self.bucket_high == self.bucket_low).all())
        return bool(np.isin(self.sorted_scores, (0.0, 1.0)).all())

    # -- queries ---------------------------------------------------------------------------
    def churners_at(self, k):
        """Leavers among the top ``k`` (a depth or an array of depths, within 0..n). O(1) each
        (O(log buckets) for a bucketed curve, whose counts may be fractional inside a bucket)."""
        if self.binned:
            out = np.interp(k, self.knots, self.knot_churners)
            return float(out) if np.ndim(out) == 0 else out
        out = self.cum_churners[k]
        return int(out) if np.ndim(out) == 0 else out

    def value_at(self, k):
        """Summed value of the leavers among the top ``k`` (None without values)."""
        if not self.has_value:
            return None
        out = (np.interp(k, self.knots, self.knot_value) if self.binned else self.cum_value[k])
        return float(out) if np.ndim(out) == 0 else out

    def _value_sq_at(self, k: int) -> float:
        if self.binned:
            return float(np.interp(k, self.knots, self.knot_value_sq))
        return float(np.sum((self.sorted_value[:k] * self.sorted_churned[:k]) ** 2))

    def score_at(self, k: int) -> float:
        """The lowest score among the top ``k`` (nan for k = 0)."""
        k = int(min(max(k, 0), self.n))
        if k == 0:
            return math.nan
        if not self.binned:
            return float(self.sorted_scores[k - 1])
        j = int(np.searchsorted(self.knots, k, side="left")) - 1  # the bucket holding the k-th customer
        share = (k - self.knots[j]) / (self.knots[j + 1] - self.knots[j])
        return float(self.bucket_high[j] - share * (self.bucket_high[j] - self.bucket_low[j]))

    def at_count(self, k: int) -> TargetingPoint:
        """The top ``k`` customers (clipped to 0..n). O(1)."""
        k = int(min(max(k, 0), self.n))
        c = self.churners_at(k)
        c = int(round(c)) if self.binned else c
        hit = c / k if k else 0.0
        return TargetingPoint(
            contacted=k,
            churners_reached=c,
            hit_rate=hit,
            share_of_churners_reached=c / self.total_churners if self.total_churners else 0.0,
            lift=hit / self.base_rate if self.base_rate else 0.0,
            threshold=self.score_at(k),
            fraction=k / self.n,
            value_reached=self.value_at(k),
        )

    def at_fraction(self, f: float) -> TargetingPoint:
        """The top share ``f`` (0-1) of customers, rounded to the nearest whole customer. O(1)."""
        return self.at_count(int(round(min(max(f, 0.0), 1.0) * self.n)))

    def count_at_threshold(self, t: float) -> int:
        """How many customers have score >= t. O(log n) (O(buckets) for a bucketed curve, which
        takes a bucket that straddles ``t`` in proportion to where ``t`` falls in it)."""
        if not self.binned:
            return int(np.searchsorted(self._neg_scores, -t, side="right"))
        width = self.bucket_high - self.bucket_low
        share = np.where(width > 0, np.clip((self.bucket_high - t) / np.where(width > 0, width, 1.0), 0.0, 1.0),
                         (self.bucket_high >= t).astype(float))
        return int(round(float(share @ np.diff(self.knots))))

    def at_threshold(self, t: float) -> TargetingPoint:
        """Everyone with score >= ``t``. O(log n)."""
        p = self.at_count(self.count_at_threshold(t))
        return TargetingPoint(**{**p.__dict__, "threshold": float(t)})

    # -- business value --------------------------------------------------------------------
    def _outcome(self, k: int, churners: float, value_reached: float | None, a: Assumptions) -> Outcome:
        return outcome_of(k, churners, value_reached, a)

    def outcome(self, k: int, a: Assumptions) -> Outcome:
        """Business result of contacting the model's top ``k``."""
        p = self.at_count(k)
        return self._outcome(p.contacted, p.churners_reached, p.value_reached, a)

    def random_outcome(self, k: int, a: Assumptions) -> Outcome:
        """Expected result of contacting ``k`` customers picked at random."""
        k = int(min(max(k, 0), self.n))
        churners = self.base_rate * k
        value_reached = self.total_value * k / self.n if self.total_value is not None else None
        return self._outcome(k, churners, value_reached, a)

    def net_at(self, k, a: Assumptions):
        """Net value of contacting the top ``k`` (a depth or an array of depths)."""
        if not self.binned:
            return self.net_curve(a)[k]
        return a.value_kept(self.churners_at(k), self.value_at(k)) - a.cost(k)

    def net_curve(self, a: Assumptions) -> np.ndarray:
        """Net value for every depth k = 0..n (cached per assumptions). O(n). Exact curves only
        (a bucketed curve answers :meth:`net_at`)."""
        if self.binned:
            raise ValueError("a bucketed curve has no per-customer net curve; use net_at")
        if a not in self._net_cache:
            k = np.arange(self.n + 1)
            if len(self._net_cache) > 16:
                self._net_cache.clear()
            self._net_cache[a] = a.value_kept(self.cum_churners, self.cum_value) - a.cost(k)
        return self._net_cache[a]

    def best_count(self, a: Assumptions, max_count: int | None = None) -> int:
        """The depth with the highest net value, within ``max_count`` (or the capacity).

        Returns 0 when no depth makes money.
        """
        limit = self.n if max_count is None else int(min(max(max_count, 0), self.n))
        if a.capacity is not None:
            limit = min(limit, int(a.capacity))
        if self.binned:  # net is linear inside a bucket: the best depth is a bucket edge or the limit
            ks = np.unique(np.append(self.knots[self.knots <= limit], limit))
            net = self.net_at(ks, a)
            i = int(np.argmax(net))
            return int(ks[i]) if net[i] > 0 else 0
        net = self.net_curve(a)
        best = int(np.argmax(net[: limit + 1]))
        return best if net[best] > 0 else 0

    def recommended_count(self, a: Assumptions) -> int:
        """The list the story recommends (see :func:`pick_depth`)."""
        if not self.binned:
            return pick_depth(self.net_curve(a), a.capacity)
        best = self.best_count(a)
        cap = min(a.capacity, self.n) if a.capacity else None
        if best and cap and best < cap and self.best_count(replace(a, capacity=None)) > cap:
            top, at_cap = self.outcome(best, a).net, self.outcome(cap, a).net
            if at_cap >= top - 0.01 * abs(top):
                return int(cap)
        return best

    # -- chart data ------------------------------------------------------------------------
    def grid(self, points: int = 200, extra: tuple[int, ...] = ()) -> np.ndarray:
        """Depths to draw a curve at: evenly spread, plus any ``extra`` depths."""
        ks = np.unique(np.concatenate([np.linspace(0, self.n, points).round().astype(int), np.asarray(extra, int)]))
        return ks[(ks >= 0) & (ks <= self.n)]
