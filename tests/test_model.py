"""Baseline model: time-aware, no leakage, scores used as given when present."""

import numpy as np
import pandas as pd
import pytest

from storytelling.data import DataError, infer_roles, prepare
from storytelling.model import evaluate, model_input

TODAY = pd.Timestamp("2026-11-23")


def test_no_label_from_the_future(sample_data, sample_eval):
    ev = sample_eval
    assert ev.source == "baseline"
    assert ev.train_end + pd.Timedelta(days=30) <= ev.as_of
    assert ev.as_of == sample_data.latest_labelled_date
    expected_rows = (
        sample_data.labelled["snapshot_date"] + pd.Timedelta(days=30) <= ev.as_of
    ).sum()
    assert ev.train_rows == expected_rows
    assert (ev.frame["snapshot_date"] == ev.as_of).all()
    assert ev.current is not None and ev.current["churned"].isna().all()


def test_model_ranks_better_than_chance(sample_eval):
    from sklearn.metrics import roc_auc_score

    f = sample_eval.frame
    auc = roc_auc_score(f["churned"], f["score"])
    assert auc == pytest.approx(sample_eval.auc)
    assert 0.65 < auc < 0.95
    assert f["score"].between(0, 1).all()


def test_given_scores_are_used_as_is(small_panel):
    df = small_panel.copy()
    df["churn_score"] = np.random.default_rng(0).random(len(df))
    d = prepare(df, today=TODAY)
    ev = evaluate(d)
    assert ev.source == "given" and ev.model is None
    latest = d.latest_labelled_date
    src = df[df["snapshot_date"] == latest]
    # each customer keeps their own score (not just the same set of scores)
    got = ev.frame.set_index(ev.frame["customer_id"].astype(str))["score"]
    want = src.set_index(src["customer_id"].astype(str))["churn_score"]
    assert len(got) == len(want) and got.sort_index().to_numpy() == pytest.approx(want.sort_index().to_numpy())


def test_neither_score_nor_features(small_panel):
    df = small_panel[["customer_id", "snapshot_date", "churned_next_30d"]]
    with pytest.raises(DataError, match="neither a model score nor"):
        evaluate(prepare(df, today=TODAY))


def test_single_month_needs_history(small_panel):
    first = small_panel[small_panel["snapshot_date"] == small_panel["snapshot_date"].min()]
    with pytest.raises(DataError, match="earlier month"):
        evaluate(prepare(first, today=TODAY))


def test_undated_data_scores_every_customer_out_of_fold(small_panel):
    df = small_panel.dropna(subset=["churned_next_30d"]).drop(columns="snapshot_date")
    df = df.drop_duplicates("customer_id")
    roles = infer_roles(df)
    ev = evaluate(prepare(df, roles, today=TODAY))
    assert ev.as_of is None and ev.notes and "scored by a model trained on the other customers" in ev.notes[0]
    assert len(ev.frame) == len(df) and ev.train_rows == len(df)  # the whole file, not a check sample
    # the list comes from one model trained on everyone; the measured scores are out of fold (they differ)
    assert len(ev.current) == len(df)
    full = ev.model.predict_proba(model_input(ev.current, ev.model.feature_names_in_.tolist()))[:, 1]
    assert np.allclose(full, ev.current["score"])
    assert not np.allclose(ev.frame["score"].to_numpy(), ev.current.set_index("_row").loc[ev.frame["_row"], "score"])


def test_auc_matches_scikit_learn(rng):
    from sklearn.metrics import roc_auc_score

    from storytelling.model import roc_auc

    y = rng.random(500) < 0.2
    s = np.round(rng.random(500), 1)  # ties
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))


def test_scores_cached_on_disk_give_the_same_evaluation(small_panel, tmp_path):
    from storytelling.model import evaluate_cached

    d = prepare(small_panel, today=TODAY)
    first = evaluate_cached(d, directory=tmp_path)
    assert len(list(tmp_path.glob("*.parquet"))) == 1
    second = evaluate_cached(d, directory=tmp_path)
    assert second.model is None  # rebuilt from the cache, not retrained
    pd.testing.assert_frame_equal(first.frame.drop(columns="_row"), second.frame.drop(columns="_row"),
                                  check_dtype=False, check_categorical=False)
    assert second.auc == pytest.approx(first.auc)
    assert second.train_end == first.train_end and second.as_of == first.as_of
    pd.testing.assert_series_equal(first.current["score"], second.current["score"])
    # A damaged cache is ignored.
    for p in tmp_path.glob("*.json"):
        p.write_text("{not json")
    third = evaluate_cached(d, directory=tmp_path)
    assert third.model is not None
