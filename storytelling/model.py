"""Baseline churn model and the time-aware evaluation set.

When the data has a score column the scores are used as given. Otherwise a scikit-learn
pipeline (ordinal-encoded text columns, ``HistGradientBoostingClassifier``) is trained on
older snapshots whose labels were already known when the evaluated snapshot was taken, and it
scores that snapshot (the hold-out month). Nothing from the hold-out month, or from any month
whose outcome was still unknown at the time, is used for training. Without dates, every customer is
measured on a score from a model that did not see them (cross-fitting), and one model trained on all
of them scores the call list.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from storytelling import diskcache
from storytelling.data import CustomerData, DataError
from storytelling.story import Period, fmt_date

if TYPE_CHECKING:  # scikit-learn is imported only when a model is trained (it takes ~1 s)
    from sklearn.pipeline import Pipeline

#: Above this ranking quality the results look too good to be true (possible leakage).
SUSPICIOUS_AUC = 0.95
#: Bump when the model or the evaluation changes, so cached scores are not reused.
MODEL_VERSION = "hgb-3"


def categorical_columns(X: pd.DataFrame) -> list[str]:
    return [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]


def make_pipeline(X: pd.DataFrame, *, seed: int = 0) -> Pipeline:
    """Ordinal-encode text columns, then gradient-boosted trees."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    cats = categorical_columns(X)
    nums = [c for c in X.columns if c not in cats]
    prep = ColumnTransformer(
        [
            (
                "cat",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                               encoded_missing_value=np.nan),
                cats,
            ),
            ("num", "passthrough", nums),
        ],
        verbose_feature_names_out=False,
    )
    clf = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=100,
        max_leaf_nodes=31,
        min_samples_leaf=80,
        l2_regularization=1.0,
        # Categories enter as ordinal codes split like numbers, not as native categorical splits:
        # as accurate here, and SHAP's tree explainer handles them exactly (it mis-adds native ones).
        categorical_features=None,
        early_stopping=False,
        random_state=seed,
    )
    return Pipeline([("prep", prep), ("model", clf)])


def feature_frame(data: CustomerData, rows: pd.DataFrame) -> pd.DataFrame:
    return model_input(rows, data.features)


def model_input(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns a model reads, with categories as text and yes/no as 0/1."""
    X = rows[columns].copy()
    for c in X.columns:
        if isinstance(X[c].dtype, pd.CategoricalDtype):  # a blank is NaN: the encoder refuses pd.NA among text
            X[c] = X[c].astype("object").where(X[c].notna(), np.nan)
        elif pd.api.types.is_bool_dtype(X[c]):
            X[c] = X[c].astype(float)
    return X


@dataclass
class Population:
    """Counts over every customer when :attr:`Evaluation.frame` is only a sample (a warehouse)."""

    customers: int  # customers of the evaluated month whose outcome is known
    leavers: int
    value_lost: float | None  # monthly value of the leavers (None without values)
    current_customers: int | None  # today's customers (None without a later month)
    top: Callable[[int], pd.DataFrame]  # the top k by score, columns as in ``frame``, riskiest first
    sample_note: str | None = None  # what comes from the sample rather than from every customer


@dataclass
class Evaluation:
    """The customers on which the story is measured, with a score for each.

    ``frame`` holds ``customer_id``, ``churned``, ``score`` and any ``value``, ``status_quo`` and
    feature columns for the evaluated snapshot. ``current`` holds today's (unlabelled) customers
    with their scores, when the data has them.
    """

    frame: pd.DataFrame
    source: str  # "given" (the data's own scores) or "baseline" (trained here)
    as_of: pd.Timestamp | None
    train_end: pd.Timestamp | None
    train_rows: int
    auc: float
    model: Pipeline | None = None
    current: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    population: Population | None = None  # set when ``frame`` is a sample of a larger table
    value_column: str | None = None  # the user's column behind ``value`` (for the appendix)
    value_guessed: bool = False  # chosen from its name alone (said so in the appendix)

    @property
    def period(self) -> Period:
        """How sentences about these customers speak of time (see :class:`~storytelling.story.Period`)."""
        return Period(fmt_date(self.as_of) if self.as_of is not None else None)

    @property
    def looks_too_good(self) -> bool:
        return self.auc >= SUSPICIOUS_AUC


def roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    """Ranking quality: the chance a random leaver scores above a random stayer (ties half)."""
    y = np.asarray(y).astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(s, dtype=float)).rank(method="average").to_numpy()
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


MIN_EACH_OUTCOME = 2  # leavers and stayers the evaluated customers need, at the least (cross-fitting needs 2)


def _check_measurable(hold: pd.DataFrame, as_of) -> None:
    """The evaluated customers must hold a few leavers and a few stayers: with (almost) only one
    kind, no list can be measured against what happened."""
    left = int((hold["churned"] == 1).sum())
    stayed = len(hold) - left
    if min(left, stayed) < MIN_EACH_OUTCOME:
        when = f"In {as_of:%B %Y}" if as_of is not None else "In this file"
        raise DataError(
            f"{when}, {left:,} customer{'s' if left != 1 else ''} left and {stayed:,} stayed. At least "
            f"{MIN_EACH_OUTCOME} of each are needed to measure how well a list finds the leavers; check the "
            "churn column (is it the right one, the right way round?) or load more customers."
        )


def train_baseline(data: CustomerData, train_rows: pd.DataFrame, *, seed: int = 0) -> Pipeline:
    """Fit the baseline pipeline on ``train_rows`` (labelled rows of ``data``)."""
    X = feature_frame(data, train_rows)
    y = train_rows["churned"].to_numpy().astype(int)
    if len(np.unique(y)) < 2:
        raise DataError(
            "The months available for training contain no leavers (or only leavers), so no model "
            "can be trained. Load more months of history."
        )
    return make_pipeline(X, seed=seed).fit(X, y)


def evaluate(data: CustomerData, *, horizon_days: int = 30, seed: int = 0) -> Evaluation:
    """Score the latest labelled snapshot, time-aware (see module docstring)."""
    ev = _with_value(data, _evaluate(data, horizon_days=horizon_days, seed=seed))
    if data.set_aside is not None:
        from storytelling.feedback import evaluation_notes

        ev.notes += evaluation_notes(data.set_aside, ev.as_of)
    return ev


def _with_value(data: CustomerData, ev: Evaluation) -> Evaluation:
    if data.has_value:
        ev.value_column = data.roles.value
        ev.value_guessed = data.value_guessed
    return ev


def _evaluate(data: CustomerData, *, horizon_days: int, seed: int) -> Evaluation:
    f = data.frame.assign(_row=np.arange(len(data.frame)))  # position in data.frame
    lab = f[f["churned"].notna()]
    notes: list[str] = []
    current = None
    if data.has_dates:
        as_of = data.latest_labelled_date
        hold = lab[lab["snapshot_date"] == as_of]
        later = f[(f["snapshot_date"] > as_of) & f["churned"].isna()]
        if len(later):
            current = later[later["snapshot_date"] == later["snapshot_date"].max()]
    else:
        as_of, hold = None, lab
    _check_measurable(hold, as_of)

    if data.has_score:
        y = hold["churned"].to_numpy().astype(int)
        return Evaluation(
            frame=hold.reset_index(drop=True), source="given", as_of=as_of, train_end=None, train_rows=0,
            auc=roc_auc(y, hold["score"].to_numpy()), current=None if current is None else current.reset_index(drop=True),
            notes=notes,
        )
    if not data.features:
        raise DataError(
            "The table has neither a model score nor customer features to train one. Add a score "
            "column (a churn probability per customer) or columns describing the customers."
        )
    if data.has_dates:
        train = lab[lab["snapshot_date"] + pd.Timedelta(days=horizon_days) <= as_of]
        if len(train) == 0 or train["churned"].nunique() < 2:
            raise DataError(
                "To train a model without peeking at the answers we need at least one earlier month "
                f"whose outcome was known {horizon_days} days before {as_of:%d %b %Y}. Load more months "
                "of history, or add a score column from your own model."
            )
        train_end = train["snapshot_date"].max()
    else:
        return _evaluate_undated(data, f, lab, seed=seed)
    model = train_baseline(data, train, seed=seed)
    hold = hold.reset_index(drop=True).copy()
    hold["score"] = model.predict_proba(feature_frame(data, hold))[:, 1]
    if current is not None:
        current = current.reset_index(drop=True).copy()
        current["score"] = model.predict_proba(feature_frame(data, current))[:, 1]
    y = hold["churned"].to_numpy().astype(int)
    return Evaluation(
        frame=hold, source="baseline", as_of=as_of, train_end=train_end, train_rows=len(train),
        auc=roc_auc(y, hold["score"].to_numpy()), model=model, current=current, notes=notes,
    )


CROSS_FIT_FOLDS = 5


def cross_fit_scores(data: CustomerData, rows: pd.DataFrame, *, folds: int = CROSS_FIT_FOLDS,
                     seed: int = 0) -> np.ndarray:
    """Every row's score from a model that never saw it: ``folds`` models, each trained on the
    other rows (folds keep the share of leavers)."""
    from sklearn.model_selection import StratifiedKFold

    y = rows["churned"].to_numpy().astype(int)
    folds = int(max(2, min(folds, np.bincount(y, minlength=2).min())))
    out = np.empty(len(rows))
    for fit, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        model = train_baseline(data, rows.iloc[fit], seed=seed)
        out[held] = model.predict_proba(feature_frame(data, rows.iloc[held]))[:, 1]
    return out


def _evaluate_undated(data: CustomerData, f: pd.DataFrame, lab: pd.DataFrame, *, seed: int) -> Evaluation:
    """Undated data: every customer is measured (cross-fitted scores, so none is scored by a model
    that saw their outcome), and the list is picked by one model trained on all of them."""
    hold = lab.reset_index(drop=True).copy()
    hold["score"] = cross_fit_scores(data, hold, seed=seed)
    model = train_baseline(data, lab, seed=seed)
    # today's list: every customer, with those the file marks as gone known as gone (called or not)
    current = (f if data.set_aside is None else data.set_aside.restored(f)).reset_index(drop=True).copy()
    current["score"] = model.predict_proba(feature_frame(data, current))[:, 1]
    notes = [f"The data has no dates, so each of the {len(hold):,} customers was scored by a model trained on "
             f"the other customers ({CROSS_FIT_FOLDS} rounds); the call list comes from one model trained on all "
             "of them. Without dates we cannot check how the model holds up over time."]
    y = hold["churned"].to_numpy().astype(int)
    return Evaluation(frame=hold, source="baseline", as_of=None, train_end=None, train_rows=len(lab),
                      auc=roc_auc(y, hold["score"].to_numpy()), model=model, current=current, notes=notes)


# ---------------------------------------------------------------------------------------------
# Scores cached on disk (data, not code: nothing is unpickled)


def cache_dir() -> Path:
    return Path(os.environ.get("STORYTELLING_CACHE", Path.home() / ".cache" / "storytelling"))


def data_fingerprint(data: CustomerData, horizon_days: int, seed: int) -> str:
    h = hashlib.sha1()
    h.update(f"{MODEL_VERSION}|{horizon_days}|{seed}|{sorted(data.features)}".encode())
    h.update(pd.util.hash_pandas_object(data.frame, index=False).to_numpy().tobytes())
    return h.hexdigest()[:20]


def evaluate_cached(data: CustomerData, *, horizon_days: int = 30, seed: int = 0,
                    directory: Path | None = None) -> Evaluation:
    """:func:`evaluate`, with the baseline model's scores kept on disk between app starts.

    The scores and summary figures are stored as Parquet + JSON and the fitted model as a
    ``.skops`` file (data, not pickle), keyed by a fingerprint of the data and the model version.
    The model is read back only when a page needs it (:func:`baseline_model`, for the drivers).
    """
    if data.has_score or not data.features:
        return evaluate(data, horizon_days=horizon_days, seed=seed)
    directory = directory or cache_dir()
    key = data_fingerprint(data, horizon_days, seed)
    scores_path, meta_path = directory / f"{key}.parquet", directory / f"{key}.json"
    if scores_path.exists() and meta_path.exists() and (directory / f"{key}.skops").exists():
        try:
            meta = json.loads(meta_path.read_text())
            scores = pd.read_parquet(scores_path)
            diskcache.touch(directory, key)
            return _with_value(data, _rebuild(data, meta, scores))
        except Exception:  # a damaged cache is ignored and rewritten
            pass
    ev = evaluate(data, horizon_days=horizon_days, seed=seed)
    _save(ev, directory, key)
    return ev


def _save(ev: Evaluation, directory: Path, key: str) -> None:
    from storytelling.modelfile import dump_skops

    scores_path, meta_path = directory / f"{key}.parquet", directory / f"{key}.json"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{key}.skops").write_bytes(dump_skops(ev.model))
        parts = [pd.DataFrame({"part": "hold", "row": ev.frame["_row"], "score": ev.frame["score"]})]
        if ev.current is not None:
            parts.append(pd.DataFrame({"part": "current", "row": ev.current["_row"], "score": ev.current["score"]}))
        pd.concat(parts, ignore_index=True).to_parquet(scores_path, index=False)
        meta_path.write_text(json.dumps({
            "as_of": None if ev.as_of is None else str(ev.as_of), "train_end": None if ev.train_end is None else str(ev.train_end),
            "train_rows": ev.train_rows, "auc": ev.auc, "notes": ev.notes,
        }))
        diskcache.prune(directory, keep=key)
    except OSError:
        pass  # a read-only home is fine: we just retrain next time


def baseline_model(data: CustomerData, evaluation: Evaluation, *, horizon_days: int = 30, seed: int = 0,
                   directory: Path | None = None) -> Pipeline:
    """The fitted baseline model behind ``evaluation``.

    Scores loaded from the disk cache come without the model; it is read from the same cache
    (a ``.skops`` file: data, checked type by type, never unpickled) or, failing that, trained again.
    """
    if evaluation.model is not None:
        return evaluation.model
    if evaluation.source != "baseline":
        raise DataError("These scores come from the data, not from a model trained here.")
    from storytelling.modelfile import load_skops

    directory = directory or cache_dir()
    key = data_fingerprint(data, horizon_days, seed)
    path = directory / f"{key}.skops"
    if path.exists():
        try:
            evaluation.model = load_skops(path.read_bytes())
            return evaluation.model
        except (DataError, OSError):
            pass  # damaged: train again
    ev = evaluate(data, horizon_days=horizon_days, seed=seed)
    _save(ev, directory, key)
    evaluation.model = ev.model
    return ev.model


def _rebuild(data: CustomerData, meta: dict, scores: pd.DataFrame) -> Evaluation:
    restored = data.frame if data.set_aside is None else data.set_aside.restored(data.frame)

    def take(part: str) -> pd.DataFrame | None:
        s = scores[scores["part"] == part]
        if s.empty:
            return None
        f = data.frame if part == "hold" else restored  # today's list knows who is gone, called or not
        rows = f.loc[s["row"].to_numpy()].copy()
        rows["score"] = s["score"].to_numpy()
        rows["_row"] = s["row"].to_numpy()
        return rows.reset_index(drop=True)
    ts = lambda v: None if v is None else pd.Timestamp(v)  # noqa: E731
    return Evaluation(frame=take("hold"), source="baseline", as_of=ts(meta["as_of"]), train_end=ts(meta["train_end"]),
                      train_rows=int(meta["train_rows"]), auc=float(meta["auc"]), model=None, current=take("current"),
                      notes=list(meta["notes"]))
