import os
import tempfile

import numpy as np
import pandas as pd
import pytest

# builds record their figures in a history folder: the tests' go to a folder of their own, never the checkout
os.environ.setdefault("STORY_HISTORY", tempfile.mkdtemp(prefix="story-history-"))

from storytelling.data import prepare
from storytelling.model import evaluate
from storytelling.sample import SampleSpec, generate, load_sample


@pytest.fixture(scope="session")
def sample_panel() -> pd.DataFrame:
    return load_sample()


@pytest.fixture(scope="session")
def sample_data(sample_panel):
    return prepare(sample_panel)


@pytest.fixture(scope="session")
def sample_eval(sample_data):
    return evaluate(sample_data)


@pytest.fixture(scope="session")
def sample_lift_drivers(sample_data, sample_eval):
    from tests.sample_story import lift_and_drivers

    return lift_and_drivers(sample_data, sample_eval)


@pytest.fixture(scope="session")
def small_panel() -> pd.DataFrame:
    return generate(SampleSpec(customers=1500, months=8, seed=7))[0]


@pytest.fixture()
def rng():
    return np.random.default_rng(12345)


# Keep the app's on-disk score cache out of the user's home during tests.
import os as _os  # noqa: E402
import tempfile as _tempfile  # noqa: E402

_os.environ.setdefault("STORYTELLING_CACHE", _tempfile.mkdtemp(prefix="storytelling-cache-"))


def scored_table(n: int = 20_000, months: int = 4, seed: int = 3) -> pd.DataFrame:
    """Scored customers as a warehouse holds them: ``months`` labelled monthly snapshots and today's
    (unlabelled) month, with a score, a value, today's rule and a few features."""
    rng = np.random.default_rng(seed)
    parts = []
    dates = pd.date_range("2026-11-01", periods=months + 1, freq="MS") - pd.DateOffset(months=months)
    for i, month in enumerate(dates):
        score = rng.beta(1.3, 11, n).round(6)
        labelled = i < months
        parts.append(pd.DataFrame({
            "customer_id": np.arange(n),
            "snapshot_date": month,
            "churned": np.where(rng.random(n) < score, 1, 0) if labelled else None,
            "churn_score": score,
            "monthly_charge": rng.gamma(3, 20, n).round(2),
            "flagged": (rng.random(n) < 0.1 + 0.3 * (score > 0.25)).astype(int),
            "plan": np.where(score > 0.2, rng.choice(["Basic", "Plus"], n), rng.choice(["Plus", "Pro"], n)),
            "tenure_months": rng.integers(1, 80, n),
        }))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="session")
def warehouse_db(tmp_path_factory) -> str:
    """A DuckDB file with table ``scores`` (see :func:`scored_table`)."""
    import duckdb

    path = tmp_path_factory.mktemp("warehouse") / "scores.duckdb"
    frame = scored_table()
    with duckdb.connect(str(path)) as con:
        con.register("frame", frame)
        con.execute("CREATE TABLE scores AS SELECT * FROM frame")
    return str(path)


@pytest.fixture(autouse=True, scope="session")
def _faults_raise():
    """Pages re-raise unexpected errors after showing their error id, so no test passes on a fault
    hidden behind the friendly message (tests of the message itself unset it)."""
    import os

    from storytelling.ui.guard import RAISE_ENV

    os.environ[RAISE_ENV] = "1"
    yield
