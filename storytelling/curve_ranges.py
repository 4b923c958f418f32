"""Ranges for a targeting curve's figures: how sure we are of them, and what another month might bring."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from storytelling.targeting import Assumptions


@dataclass(frozen=True)
class Range:
    """A bootstrap range: the middle ``level`` share of resampled outcomes."""

    low: float
    high: float
    level: float


@dataclass(frozen=True)
class BootstrapResult:
    contacted: int
    reached: Range
    saved: Range
    net: Range
    n_boot: int
    method: str  # "bootstrap" or "normal approximation"




class CurveRanges:
    """How sure the figures of a :class:`~storytelling.targeting.TargetingCurve` are: a Poisson
    bootstrap over customers (exact curves) or its normal approximation (deep lists, bucketed curves),
    and the range of another month like this one. Mixed into the curve, whose sorted arrays it reads."""

    _BLOCK = 2048

    def _boot_tables(self, n_boot: int, seed: int, span: int):
        """Cumulative resampled counts over the first ``span`` customers (or more).

        Built in blocks of customers, each drawn from its own seeded generator, so the tables
        only grow as deeper lists are asked for, and a range never depends on which lists were
        asked for before.
        """
        key = (n_boot, seed)
        if getattr(self, "_boot_key", None) != key:
            self._boot = (0, np.zeros((n_boot, 0), np.int32), np.zeros((n_boot, 0), np.int32),
                          None if self.sorted_value is None else np.zeros((n_boot, 0), np.float64))
            self._boot_key = key
        built, cw, cy, cv = self._boot
        if built >= min(span, self.n):
            return self._boot
        target = min(self.n, -(-span // self._BLOCK) * self._BLOCK)
        parts_w, parts_y, parts_v = [], [], []
        last_w = cw[:, -1] if built else np.zeros(n_boot, np.int32)
        last_y = cy[:, -1] if built else np.zeros(n_boot, np.int32)
        last_v = cv[:, -1] if (built and cv is not None) else np.zeros(n_boot)
        for start in range(built, target, self._BLOCK):
            stop = min(start + self._BLOCK, self.n)
            w = np.random.default_rng([seed, start // self._BLOCK]).poisson(1.0, size=(n_boot, stop - start))
            w = w.astype(np.int32)
            y = self.sorted_churned[start:stop].astype(np.int32)
            bw = np.cumsum(w, axis=1, dtype=np.int32) + last_w[:, None]
            by = np.cumsum(w * y, axis=1, dtype=np.int32) + last_y[:, None]
            parts_w.append(bw)
            parts_y.append(by)
            last_w, last_y = bw[:, -1], by[:, -1]
            if cv is not None:
                bv = np.cumsum(w * (y * self.sorted_value[start:stop]), axis=1) + last_v[:, None]
                parts_v.append(bv)
                last_v = bv[:, -1]
        cw = np.concatenate([cw, *parts_w], axis=1)
        cy = np.concatenate([cy, *parts_y], axis=1)
        if cv is not None:
            cv = np.concatenate([cv, *parts_v], axis=1)
        self._boot = (target, cw, cy, cv)
        return self._boot

    def bootstrap_samples(self, k: int, *, n_boot: int = 300, seed: int = 0,
                          max_cells: int = 4_000_000) -> tuple[np.ndarray, np.ndarray | None, str]:
        """Resampled leavers reached (and their summed value) at depth ``k``, one per resample.

        Customers are resampled (Poisson bootstrap: each customer counts 0, 1, 2... times), the
        scores are kept, and the top ``k`` of each resample is contacted. The resampled running
        totals are built once per curve (growing with the deepest list asked for), so a query
        costs O(n_boot log n). Lists so deep that the tables would exceed ``max_cells`` numbers
        use the normal approximation to the same bootstrap (variance of a Poisson-weighted sum),
        which is accurate at that size. Returns ``(reached, value_reached or None, method)``.
        """
        k = int(min(max(k, 0), self.n))
        has_value = self.has_value
        if k == 0:
            z = np.zeros(n_boot)
            return z, (z.copy() if has_value else None), "bootstrap"
        span_needed = min(self.n, k + int(8 * math.sqrt(k)) + 50)
        if not self.binned and span_needed * n_boot <= max_cells:
            span, cw, cy, cv = self._boot_tables(n_boot, seed, span_needed)
            rows = np.arange(n_boot)
            # Where each resample reaches its k-th contact; the customer there may count only
            # partly (if their weight takes the total past k).
            idx = np.array([np.searchsorted(cw[b], k, side="left") for b in rows])
            idx = np.minimum(idx, span - 1)
            over = np.maximum(cw[rows, idx] - k, 0)
            y_at = self.sorted_churned[idx].astype(np.int64)
            reached = (cy[rows, idx] - over * y_at).astype(float)
            vreached = cv[rows, idx] - over * y_at * self.sorted_value[idx] if has_value else None
            return reached, vreached, "bootstrap"
        rng = np.random.default_rng([seed, k])
        z = rng.standard_normal(n_boot)
        c = float(self.churners_at(k))
        reached = np.maximum(c + z * math.sqrt(c), 0.0)
        vreached = None
        if has_value:
            s = float(self.value_at(k))
            vreached = np.maximum(s + z * math.sqrt(self._value_sq_at(k)), 0.0)
        return reached, vreached, "normal approximation"

    def net_samples(self, k: int, a: Assumptions, reached: np.ndarray, vreached: np.ndarray | None) -> np.ndarray:
        """Net value of each resample (see :meth:`bootstrap_samples`)."""
        return a.value_kept(reached, vreached) - a.cost(k)

    def predictive_samples(self, k: int, a: Assumptions, reached: np.ndarray, vreached: np.ndarray | None,
                           *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(leavers reached, customers kept, net value) of another month like this one, per resample.

        Each resample's hit rate (its leavers reached / ``k``) stands for what the list could
        really hold; another month's list of ``k`` then reaches a binomial number of leavers at
        that rate, and the offer keeps a binomial share of them. So the range covers the next
        month's figure, not only this month's (who leaves, and whom the offer keeps, are random
        too). With per-customer values each kept customer is worth the resample's average value
        of a reached leaver.
        """
        if k == 0:
            z = np.zeros(len(reached))
            return z, z.copy(), a.value_kept(z, None if vreached is None else z) - a.cost(0)
        rng = np.random.default_rng([seed, k, 7919])
        rate = np.clip(np.asarray(reached, float) / k, 0.0, 1.0)
        reached_next = rng.binomial(k, rate).astype(float)
        saved = rng.binomial(reached_next.astype(np.int64), a.save_rate).astype(float)
        if vreached is None:
            value = a.value_per_saved * saved
        else:  # the kept customers' values vary around the reached leavers' average, as in this month
            per_leaver = np.divide(vreached, reached, out=np.zeros(len(reached)), where=np.asarray(reached) > 0)
            c = float(self.churners_at(k))
            spread = math.sqrt(max(self._value_sq_at(k) / c - (self.value_at(k) / c) ** 2, 0.0)) if c else 0.0
            summed = saved * per_leaver + np.sqrt(saved) * spread * rng.standard_normal(len(saved))
            value = np.maximum(summed, 0.0) * (a.value_months or 1.0)
        return reached_next, saved, value - a.cost(k)

    def outcome_samples(self, k: int, a: Assumptions, *, n_boot: int = 300, seed: int = 0,
                        max_cells: int = 4_000_000, predictive: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
        """(leavers reached, customers kept, net value) at depth ``k``, one per resample, and the method:
        :meth:`predictive_samples` (another month like this one) or, with ``predictive=False``, the
        resamples of :meth:`bootstrap_samples` alone (how sure we are of this month's figure)."""
        k = int(min(max(k, 0), self.n))
        reached, vreached, method = self.bootstrap_samples(k, n_boot=n_boot, seed=seed, max_cells=max_cells)
        if predictive:
            reached, saved, net = self.predictive_samples(k, a, reached, vreached, seed=seed)
        else:
            saved, net = a.save_rate * reached, self.net_samples(k, a, reached, vreached)
        return reached, saved, net, method

    def bootstrap(self, k: int, a: Assumptions, *, n_boot: int = 300, level: float = 0.9,
                  seed: int = 0, max_cells: int = 4_000_000, predictive: bool = True) -> BootstrapResult:
        """Range for leavers reached, customers kept and net value at depth ``k``: the middle ``level``
        share of :meth:`outcome_samples`."""
        k = int(min(max(k, 0), self.n))
        reached, saved, net, method = self.outcome_samples(k, a, n_boot=n_boot, seed=seed, max_cells=max_cells,
                                                           predictive=predictive)
        return middle_ranges(k, reached, saved, net, level=level, method=method)


def middle_ranges(k: int, reached: np.ndarray, saved: np.ndarray, net: np.ndarray, *, level: float,
                  method: str) -> BootstrapResult:
    """The middle ``level`` share of resampled leavers reached, customers kept and net value."""
    q = [(1 - level) / 2, 1 - (1 - level) / 2]

    def middle(x: np.ndarray) -> Range:
        lo, hi = (float(v) for v in np.quantile(x, q))
        return Range(lo, hi, level)

    return BootstrapResult(contacted=k, reached=middle(reached), saved=middle(saved), net=middle(net),
                           n_boot=len(net), method=method)
