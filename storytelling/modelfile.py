"""Opening model files without running code from them.

Uploaded models are accepted only as ``.skops`` files (scikit-learn objects stored as data).
Before loading, every type inside the file is checked: classes defined by scikit-learn (estimators
and the few classes holding a fitted model's state, checked by where the class is defined, not by
the name it is reached through) and a short list of harmless functions are allowed; anything else (arbitrary functions, other libraries) is refused
with a clear message. Pickle and joblib files can run any code when opened, so they are never
accepted as uploads; they are opened only from a local path named in the story config with
``allow_pickle = true``.
"""

from __future__ import annotations

import importlib
import io
from pathlib import Path
from typing import Any

import pandas as pd

from storytelling.data import DataError

#: Functions a scikit-learn model may reference (through functools.partial) and that only read data.
ALLOWED_FUNCTIONS = frozenset({"sklearn.utils.validation.check_array"})
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".sav")
MAX_MODEL_BYTES = 200 * 1024 * 1024


#: scikit-learn classes that hold a fitted model's state without being estimators themselves.
FITTED_STATE = frozenset({"sklearn.tree._tree.Tree", "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"})


def _trusted(type_name: str) -> bool:
    """Whether a type named in a .skops file may be built: a class *defined* by scikit-learn (not one
    its modules merely import: ``sklearn.datasets._covtype.GzipFile`` is gzip's, and building it
    with arguments from the file can create or truncate files), that is an estimator or one of the
    classes holding a fitted model's state; or a harmless function from a short list."""
    if type_name == "functools.partial" or type_name in ALLOWED_FUNCTIONS:
        return True
    if not type_name.startswith("sklearn."):
        return False
    module, _, attr = type_name.rpartition(".")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return False
    if not isinstance(obj, type) or f"{obj.__module__}.{obj.__qualname__}" != type_name:
        return False  # functions could do anything when called; re-exported classes are not scikit-learn's
    from sklearn.base import BaseEstimator

    return issubclass(obj, BaseEstimator) or type_name in FITTED_STATE


def load_skops(raw: bytes, *, name: str = "The model file") -> Any:
    """Load a ``.skops`` model, refusing any type that is not a scikit-learn class."""
    import skops.io as sio

    if len(raw) > MAX_MODEL_BYTES:
        raise DataError(f"{name} is larger than {MAX_MODEL_BYTES // 2**20} MB. Save a smaller model.")
    try:
        found = sio.get_untrusted_types(data=raw)
    except Exception as exc:
        raise DataError(f"{name} is not a readable .skops model file ({type(exc).__name__}). Save your "
                        "scikit-learn model with skops.io.dump(model, 'model.skops') and upload that file.") from None
    refused = [t for t in found if not _trusted(t)]
    if refused:
        raise DataError(f"{name} contains parts we do not open, for safety: {', '.join(sorted(refused)[:6])}. "
                        "Only scikit-learn models (pipelines, encoders, tree ensembles, linear models) can be "
                        "uploaded. Remove custom functions or classes, or use the stand-in model instead.")
    try:
        return sio.loads(raw, trusted=found)
    except Exception as exc:
        raise DataError(f"{name} could not be opened ({type(exc).__name__}: {str(exc)[:120]}). It may have "
                        "been saved with another scikit-learn version; save it again with this one.") from None


def dump_skops(model: Any) -> bytes:
    import skops.io as sio

    return sio.dumps(model)


def load_model_upload(raw: bytes, filename: str) -> Any:
    """A model uploaded in the app: ``.skops`` only."""
    if not str(filename).lower().endswith(".skops"):
        raise DataError(f"'{filename}' is not a .skops file. Models can be uploaded only in the .skops format "
                        "(skops.io.dump(model, 'model.skops')), because pickle and joblib files can run any code "
                        "when opened. To use a pickle from your own machine, name it in story.toml under [model] "
                        "with allow_pickle = true.")
    return load_skops(raw, name=f"'{filename}'")


def load_model_path(path: str | Path, *, allow_pickle: bool = False) -> Any:
    """A model named in the story config: ``.skops``, or pickle/joblib with ``allow_pickle``."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataError(f"The model file '{p}' named in the config does not exist. Check the path under [model].")
    if p.suffix.lower() == ".skops":
        return load_skops(p.read_bytes(), name=f"'{p.name}'")
    if p.suffix.lower() in PICKLE_SUFFIXES:
        if not allow_pickle:
            raise DataError(f"'{p.name}' is a pickle/joblib file, which can run any code when opened. If you "
                            "trust it, set allow_pickle = true under [model] in the config; better, save the "
                            "model as .skops.")
        import joblib  # a scikit-learn dependency

        try:
            return joblib.load(io.BytesIO(p.read_bytes()))
        except Exception as exc:
            raise DataError(f"'{p.name}' could not be opened ({type(exc).__name__}).") from None
    raise DataError(f"'{p.name}' is not a model file we know (.skops, or .pkl/.joblib with allow_pickle).")


def model_columns(model: Any, available: list[str]) -> list[str]:
    """The input columns a model expects, checked against the data's columns."""
    if not (hasattr(model, "predict_proba") or hasattr(model, "predict")):
        raise DataError("The model file holds no model that can predict (no predict_proba or predict).")
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        raise DataError("The model does not record which columns it was trained on. Train it on a pandas "
                        "DataFrame (scikit-learn then stores the column names) and save it again.")
    names = [str(c) for c in names]
    missing = [c for c in names if c not in available]
    if missing:
        raise DataError(f"The model needs columns the data does not have: {', '.join(missing[:8])}. Load data "
                        "with those columns, or rename them on the Data page.")
    return names


def check_predicts(model: Any, X: pd.DataFrame) -> None:
    """Run the model on a few rows and turn its failure into a message."""
    try:
        if hasattr(model, "predict_proba"):
            p = model.predict_proba(X.head(5))
            if p.ndim != 2 or p.shape[1] != 2:
                raise DataError("The model predicts more than two outcomes; a churn model predicts leave / stay.")
        else:
            model.predict(X.head(5))
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"The model could not score these customers ({type(exc).__name__}: {str(exc)[:160]}). "
                        "Check that the data has the same columns and types the model was trained on.") from None
