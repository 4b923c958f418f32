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


def _crafted(module: str, cls: str) -> bytes:
    """A real .skops file whose top object is renamed to ``module.cls``, as an attacker would write it
    (skops then builds that class from the stored state)."""
    import io
    import json
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(sio.dumps(LogisticRegression().fit([[0.0], [1.0]], [0, 1]))))
    schema = json.loads(src.read("schema.json"))
    schema["__class__"], schema["__module__"] = cls, module
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in src.namelist():
            z.writestr(name, json.dumps(schema) if name == "schema.json" else src.read(name))
    return buf.getvalue()


@pytest.mark.parametrize("module,cls", [
    ("sklearn.datasets._covtype", "GzipFile"),  # gzip's class, imported by scikit-learn: opens files
    ("sklearn.datasets._covtype", "TemporaryDirectory"),
    ("sklearn.externals.array_api_compat.numpy", "memmap"),  # numpy's: creates or zeroes files
    ("sklearn.callback._transport", "Connection"),  # closes the server's descriptors
    ("sklearn.callback._progressbar", "Thread"),
])
def test_classes_scikit_learn_only_imports_are_refused(module, cls, tmp_path):
    target = tmp_path / "victim.txt"
    target.write_text("keep me")
    raw = _crafted(module, cls)
    import skops.io as skio

    assert f"{module}.{cls}" in skio.get_untrusted_types(data=raw)  # the attack reaches the type check
    with pytest.raises(DataError, match="do not open, for safety"):
        load_skops(raw)
    assert target.read_text() == "keep me"  # nothing was built
    assert not (tmp_path / "new.bin").exists()


def test_real_models_still_load():
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, RandomForestClassifier

    X = pd.DataFrame({"a": np.arange(200.0), "b": np.arange(200.0) % 3})
    y = (X["a"] > 100).astype(int)
    for m in (RandomForestClassifier(n_estimators=3), GradientBoostingClassifier(n_estimators=3),
              HistGradientBoostingClassifier(max_iter=3)):
        m.fit(X, y)
        assert np.allclose(load_skops(sio.dumps(m)).predict_proba(X), m.predict_proba(X))
