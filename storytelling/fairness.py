"""Who the list singles out: each group of a sensitive column on the list, among customers and
among leavers, with ranges; and what other ways of building the list would keep and make.

A group *leans* onto the list when its share of the list is above its share of the leavers by
more than :data:`MIN_GAP` and the range of that difference (a bootstrap over the evaluated
customers: the list re-drawn at the same share of customers each time) lies wholly above zero;
below, the same way round. The leavers' share is what the group's leaving explains: a list that
found every leaver in turn would hold each group in that share.

The other lists (:class:`ListOption`) are priced exactly as the story's list is (the same
assumptions, the same number of calls): the model with or without the sensitive columns (a
second model, trained the same way), and the story's scores with the same share of each group
called ("equal contact rates").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from storytelling import sensitive
from storytelling.story import Period
from storytelling.targeting import Assumptions, Outcome, outcome_of

LEVEL = 0.9
N_BOOT = 200
MIN_GAP = 0.05  # five percentage points: a smaller lean is not worth a sentence
MIN_GROUP = 50  # customers a group needs before anything is said about it


@dataclass
class GroupMix:
    """One column's groups: customers, leavers and listed customers, their shares and ranges.

    ``table`` has one row per group: ``group``, ``customers``, ``leavers``, ``listed``,
    ``reached`` (leavers on the list), ``share_customers``, ``share_leavers``, ``share_list`` (and
    ``_lo``/``_hi`` for the last two), ``gap`` (list share - leaver share) with ``gap_lo``/``gap_hi``,
    ``reach`` (the share of the group's leavers on the list) and ``reach_others`` (of the other
    groups' leavers), and ``lean``: "over", "under" or "" (see the module notes).
    """

    column: str
    name: str
    kind: str | None  # its sensitive kind; None for a column the user picked
    table: pd.DataFrame

    def describable(self) -> bool:
        """At least two groups of customers with a value (not only 'other' or '(missing)')."""
        named = self.table[~self.table["group"].isin(["other", "(missing)"])]
        return len(named) >= 2 and int((named["customers"] >= MIN_GROUP).sum()) >= 2

    def leaning(self) -> pd.DataFrame:
        """The groups that lean on or off the list, the largest difference first (of two as large, as
        in a column of two groups, the smaller group)."""
        t = self.table[self.table["lean"] != ""]
        key = pd.DataFrame({"size": -t["gap"].abs().round(9), "customers": t["customers"]}, index=t.index)
        return t.loc[key.sort_values(["size", "customers"], kind="stable").index]


@dataclass(frozen=True)
class ListOption:
    """One way of building a list of the same length, priced with the story's assumptions.

    ``differs``: (kept, net) differ from the story's list beyond chance: the paired difference
    over the same customers is outside its 90% range (a Poisson bootstrap's variance of a sum of
    per-customer differences is the sum of their squares)."""

    key: str  # "story", "with", "without" or "equal"
    label: str
    outcome: Outcome
    group_share: float | None = None  # the focus group's share of this list
    differs: tuple[bool, bool] = (True, True)


@dataclass
class FairnessResult:
    mixes: list[GroupMix]
    options: list[ListOption]  # the story's list first
    sensitive: dict[str, str]  # frame column -> kind
    used: list[str]  # sensitive columns the story's model uses (names)
    scores: str  # "baseline" (trained here) or "given" (the data's own)
    contacts: int
    period: Period
    currency: str = "$"
    focus: tuple[str, str] | None = None  # (column, group) the options' group share is of
    notes: list[str] = field(default_factory=list)
    other_uses: list[str] = field(default_factory=list)  # names of the columns the other model adds or drops
    skipped: list[str] = field(default_factory=list)  # columns with too few groups to describe (names)
    equal_column: str | None = None  # the column whose groups the equal-rates list calls alike

    def mix(self, column: str) -> GroupMix:
        return next(m for m in self.mixes if m.column == column)


# ---------------------------------------------------------------------------------------------
# Shares


def list_positions(frame: pd.DataFrame, contacts: int, n: int, order: np.ndarray | None) -> np.ndarray:
    """Rows of ``frame`` on the list: the curve's own top ``contacts`` (``order``), or, when the
    frame is a sample of ``n`` customers, its riskiest rows in the same share."""
    if order is not None:
        return order[: max(int(contacts), 0)]
    m = round(len(frame) * min(max(contacts, 0), n) / n)
    return np.argsort(-frame["score"].to_numpy(), kind="stable")[:m]


def group_mix(frame: pd.DataFrame, on_list: np.ndarray, column: str, *, name: str, kind: str | None,
              n_boot: int = N_BOOT, seed: int = 0) -> GroupMix:
    """Each group of ``column``: its share of customers, of leavers and of the list (rows
    ``on_list`` of ``frame``), with bootstrap ranges for the last two and their difference."""
    labels = sensitive.groups(frame[column], kind)
    uniq = np.array(sorted(pd.unique(labels), key=sensitive.group_order), dtype=object)
    codes = pd.Categorical(labels, categories=uniq).codes.astype(np.int64)
    left = frame["churned"].to_numpy() == 1
    listed = np.zeros(len(frame), bool)
    listed[on_list] = True
    k = len(uniq)
    t = pd.DataFrame({"group": [str(u) for u in uniq],
                      "customers": np.bincount(codes, minlength=k),
                      "leavers": np.bincount(codes, weights=left, minlength=k).astype(int),
                      "listed": np.bincount(codes, weights=listed, minlength=k).astype(int),
                      "reached": np.bincount(codes, weights=listed & left, minlength=k).astype(int)})
    t["share_customers"] = t["customers"] / len(frame)
    t["share_leavers"] = t["leavers"] / max(int(left.sum()), 1)
    t["share_list"] = t["listed"] / max(int(listed.sum()), 1)
    t["gap"] = t["share_list"] - t["share_leavers"]
    # the share of the group's leavers the list reaches, and of everyone else's
    t["reach"] = t["reached"] / t["leavers"].where(t["leavers"] > 0)
    others = (t["leavers"].sum() - t["leavers"]).where(lambda x: x > 0)
    t["reach_others"] = (t["reached"].sum() - t["reached"]) / others
    boot = boot_shares(frame["score"].to_numpy(), codes, left.astype(np.int64), int(listed.sum()), k, n_boot, seed)
    lo, hi = (1 - LEVEL) / 2 * 100, (1 + LEVEL) / 2 * 100
    for col, draws in zip(("share_list", "share_leavers", "gap"), boot, strict=True):
        t[f"{col}_lo"], t[f"{col}_hi"] = np.percentile(draws, lo, axis=0), np.percentile(draws, hi, axis=0)
    t["lean"] = np.select(
        [(t["gap_lo"] > 0) & (t["gap"] >= MIN_GAP), (t["gap_hi"] < 0) & (t["gap"] <= -MIN_GAP)], ["over", "under"], "")
    t.loc[t["customers"] < MIN_GROUP, "lean"] = ""
    return GroupMix(column=column, name=name, kind=kind, table=t)


MAX_BINS = 5000  # customers are grouped in this many slices of the score order for resampling


def boot_shares(score: np.ndarray, codes: np.ndarray, left: np.ndarray, listed: int, k: int, n_boot: int,
                 seed: int, bins: int = MAX_BINS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resampled shares of the list and of the leavers per group, and their difference (a Poisson
    bootstrap: each customer counted a Poisson(1) number of times; each draw lists the riskiest up
    to the same share of its customers, the last one in part).

    The customers are counted in ``bins`` slices of the score order by group and outcome; a sum
    of Poisson(1) weights is Poisson(count), so a draw is one Poisson number per cell. Up to
    ``bins`` customers each slice is one customer (the plain bootstrap); beyond, a slice holds a
    few neighbours in the order, which changes the cut by less than a slice."""
    rng = np.random.default_rng(seed)
    n = len(score)
    bins = min(bins, n)
    slice_of = np.empty(n, np.int64)
    slice_of[np.argsort(-score, kind="stable")] = np.arange(n) * bins // n
    cells = np.bincount((slice_of * k + codes) * 2 + left, minlength=bins * k * 2).reshape(bins, k, 2)
    lists, leavers = np.empty((n_boot, k)), np.empty((n_boot, k))
    for b in range(n_boot):
        draw = rng.poisson(cells).astype(float)
        per_slice = draw.sum(axis=(1, 2))
        cum = np.cumsum(per_slice)
        target = listed / n * cum[-1]
        j = min(int(np.searchsorted(cum, target)), bins - 1)  # the slice where the list ends
        before = cum[j - 1] if j else 0.0
        part = (target - before) / per_slice[j] if per_slice[j] else 0.0
        on = draw[:j].sum(axis=(0, 2)) + part * draw[j].sum(axis=1)
        lists[b] = on / max(on.sum(), 1e-12)
        gone = draw[:, :, 1].sum(axis=0)
        leavers[b] = gone / max(gone.sum(), 1e-12)
    return lists, leavers, lists - leavers


# ---------------------------------------------------------------------------------------------
# Other lists of the same length


def equal_rate_positions(frame: pd.DataFrame, column: str, kind: str | None, contacts: int) -> np.ndarray:
    """The same number of calls, each group called in its share of customers (largest remainders),
    its riskiest customers first."""
    labels = sensitive.groups(frame[column], kind).to_numpy()
    uniq, counts = np.unique(labels, return_counts=True)
    quota = contacts * counts / counts.sum()
    take = np.floor(quota).astype(int)
    rest = int(contacts - take.sum())
    take[np.argsort(-(quota - take), kind="stable")[:rest]] += 1
    score = frame["score"].to_numpy()
    picked = []
    for g, m in zip(uniq, take, strict=True):
        rows = np.flatnonzero(labels == g)
        picked.append(rows[np.argsort(-score[rows], kind="stable")[:m]])
    return np.concatenate(picked) if picked else np.array([], int)


def priced(frame: pd.DataFrame, rows: np.ndarray, a: Assumptions, *, use_value: bool) -> Outcome:
    """What calling ``rows`` of ``frame`` keeps and makes, as the story prices its own list."""
    left = frame["churned"].to_numpy()[rows] == 1
    value = float(frame["value"].to_numpy()[rows][left].sum()) if use_value else None
    return outcome_of(len(rows), float(left.sum()), value, a)


Z90 = 1.6449  # the normal quantile of a two-sided 90% range


def paired_differs(frame: pd.DataFrame, rows: np.ndarray, others: np.ndarray, a: Assumptions, *,
                   use_value: bool) -> tuple[bool, bool]:
    """Whether calling ``others`` instead of ``rows`` (the same number of the same customers'
    positions) keeps a different number and makes different money beyond chance."""
    n = len(frame)
    diff = np.zeros(n)
    np.add.at(diff, rows, -1.0)
    np.add.at(diff, others, 1.0)
    left = frame["churned"].to_numpy() == 1
    each = (a.save_rate * frame["value"].to_numpy() * (a.value_months or 1.0) if use_value
            else np.full(n, a.save_rate * a.value_per_saved))
    kept, money = diff * left * a.save_rate, diff * left * each

    def beyond(d: np.ndarray) -> bool:
        return bool(abs(d.sum()) > Z90 * np.sqrt((d ** 2).sum()))

    return beyond(kept), beyond(money)


def share_of(frame: pd.DataFrame, rows: np.ndarray, column: str, kind: str | None, group: str) -> float:
    labels = sensitive.groups(frame[column], kind).to_numpy()
    return float((labels[rows] == group).mean()) if len(rows) else float("nan")


# ---------------------------------------------------------------------------------------------
# The analysis


def analyse_fairness(lift, columns: dict[str, str | None], *, names: dict[str, str], used: list[str],
                     other=None, other_label: str = "", other_uses: list[str] = (), n_boot: int = N_BOOT
                     ) -> FairnessResult:
    """Who the story's list (``lift``) picks in each group of ``columns`` (frame column -> its
    sensitive kind, None for a column picked by the user), and the other lists: ``other`` (the
    curves of a model trained with the sensitive columns when the story's model is not, or
    without them when it is) and equal contact rates in the groups of the column that leans most."""
    curves = lift.curves
    ev = curves.evaluation
    f = ev.frame
    order = None if curves.model.binned else curves.model.order
    rows = list_positions(f, lift.contacts, curves.n, order)
    every = [group_mix(f, rows, c, name=names.get(c, c), kind=kind, n_boot=n_boot)
             for c, kind in columns.items() if c in f]
    mixes = [m for m in every if m.describable()]
    result = FairnessResult(mixes=mixes, options=[], sensitive={m.column: m.kind for m in mixes if m.kind},
                            used=[names.get(c, c) for c in used], scores=ev.source, contacts=int(lift.contacts),
                            period=ev.period, currency=lift.currency, focus=_focus(mixes),
                            other_uses=[names.get(c, c) for c in other_uses],
                            skipped=[m.name for m in every if not m.describable()])
    if ev.population is not None and ev.population.sample_note:
        result.notes.append(ev.population.sample_note)
    if order is not None and mixes:  # the list's own customers are at hand (not a warehouse's sample)
        result.options = _options(lift, rows, result, other, other_label)
    return result


def _focus(mixes: list[GroupMix]) -> tuple[str, str] | None:
    """The group the other lists are compared on: the one leaning most (else the largest gap of
    the first sensitive column)."""
    leaning = [(abs(r.gap), m.column, r.group) for m in mixes for r in m.leaning().itertuples()]
    if leaning:
        return max(leaning, key=lambda x: x[0])[1:]  # ties: the first, as the finding names them
    return None  # nothing leans: no group to follow across the lists


def _first_column(mixes: list[GroupMix]) -> tuple[str, str] | None:
    """Without a leaning group, the equal-rates list is built on the first sensitive column."""
    first = next((m for m in mixes if m.kind), None)
    if first is None or first.table.empty:
        return None
    r = first.table.loc[first.table["gap"].abs().idxmax()]
    return first.column, str(r["group"])


def _options(lift, rows: np.ndarray, result: FairnessResult, other, other_label: str) -> list[ListOption]:
    f, a = lift.curves.evaluation.frame, lift.assumptions
    share = (lambda frame, r: share_of(frame, r, result.focus[0], result.sensitive.get(result.focus[0]),
                                       result.focus[1])) if result.focus else (lambda frame, r: None)
    label = ("The story's list: your scores" if result.scores == "given" else
             "The story's list: the model " + ("with" if result.used else "without") + " sensitive columns")
    out = [ListOption("story", label, lift.model, share(f, rows))]
    uses_value = lift.curves.uses_value
    if other is not None:
        k = min(lift.contacts, other.model.n)
        o_rows = other.model.order[:k]
        at = pd.Series(np.arange(len(f)), index=f["_row"].to_numpy()) if "_row" in f else None
        same = (at.reindex(other.evaluation.frame["_row"].to_numpy()[o_rows]).to_numpy()
                if at is not None and "_row" in other.evaluation.frame else None)
        differs = (paired_differs(f, rows, same.astype(int), a, use_value=uses_value)
                   if same is not None and not np.isnan(same).any() else (True, True))
        out.append(ListOption("without" if result.used else "with", other_label, other.model.outcome(k, a),
                              share(other.evaluation.frame, o_rows), differs))
    equal_on = result.focus or _first_column(result.mixes)
    if equal_on:
        col = result.equal_column = equal_on[0]
        eq = equal_rate_positions(f, col, result.sensitive.get(col), lift.contacts)
        name = result.mix(col).name
        out.append(ListOption("equal", f"The story's scores, each {name} group called in its share of customers",
                              priced(f, eq, a, use_value=uses_value), share(f, eq),
                              paired_differs(f, rows, eq, a, use_value=uses_value)))
    return out
