import numpy as np
import pandas as pd
import pytest

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
