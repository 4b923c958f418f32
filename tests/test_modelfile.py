import os

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from storytelling.config import model_config, read_toml
from storytelling.data import DataError
from storytelling.modelfile import check_predicts, load_model_path, load_model_upload, load_skops, model_columns


@pytest.fixture(scope="module")
def model():
    X = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 3})
    return LogisticRegression().fit(X, (X["a"] > 20).astype(int)), X


def test_skops_upload_round_trip(model):
    m, X = model
    loaded = load_model_upload(sio.dumps(m), "churn.skops")
    assert np.allclose(loaded.predict_proba(X), m.predict_proba(X))
    assert model_columns(loaded, ["a", "b", "c"]) == ["a", "b"]
    check_predicts(loaded, X)


def test_pickle_uploads_are_refused(model):
    with pytest.raises(DataError, match="only in the .skops format"):
        load_model_upload(b"\x80\x04junk", "model.pkl")


def test_untrusted_types_are_refused(model):
    m, X = model
    bad = Pipeline([("f", FunctionTransformer(os.getcwd)), ("m", m)])
    with pytest.raises(DataError, match="do not open, for safety"):
        load_skops(sio.dumps(bad))


def test_junk_skops_gives_a_message():
    with pytest.raises(DataError, match="not a readable .skops"):
        load_skops(b"not a zip file")


def test_missing_columns_are_named(model):
    m, _ = model
    with pytest.raises(DataError, match="does not have: b"):
        model_columns(m, ["a"])


def test_pickle_from_config_needs_the_flag(model, tmp_path):
    m, X = model
    path = tmp_path / "m.joblib"
    joblib.dump(m, path)
    with pytest.raises(DataError, match="allow_pickle"):
        load_model_path(path)
    assert np.allclose(load_model_path(path, allow_pickle=True).predict_proba(X), m.predict_proba(X))


def test_allow_pickle_counts_only_in_a_trusted_config(tmp_path):
    doc = read_toml('[model]\npath = "m.joblib"\nallow_pickle = true\n')
    assert model_config(doc, base=tmp_path, trusted=True).allow_pickle
    assert not model_config(doc, base=tmp_path, trusted=False).allow_pickle
    assert model_config(doc, base=tmp_path).path == str(tmp_path / "m.joblib")
    with pytest.raises(DataError, match="not valid TOML"):
        read_toml("[model\npath=")
