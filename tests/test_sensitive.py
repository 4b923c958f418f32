"""Sensitive columns: recognised by name and by values, kept out of the model unless allowed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storytelling import sensitive as S
from storytelling.config import parse_config, to_toml
from storytelling.data import Roles, infer_roles, prepare


def _table(n: int = 400, seed: int = 0, **extra) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = {"customer_id": [f"C{i}" for i in range(n)], "tenure": rng.integers(1, 72, n),
            "churned": rng.choice(["Yes", "No"], n, p=[0.2, 0.8])}
    return pd.DataFrame({**base, **{k: (v(rng, n) if callable(v) else v) for k, v in extra.items()}})


@pytest.mark.parametrize(("name", "values", "kind"), [
    ("gender", ["Female", "Male"], S.SEX),
    ("Sex", ["F", "M"], S.SEX),
    ("SeniorCitizen", [0, 1], S.SENIOR),
    ("Age", list(range(18, 90)), S.AGE),
    ("age_band", ["18-24", "25-34", "65+"], S.AGE),
    ("customerAge", list(range(18, 90)), S.AGE),
    ("account_holder_age", list(range(18, 90)), S.AGE),
    ("date_of_birth", ["1970-01-02", "1985-03-04"], S.AGE),
    ("Ethnicity", ["A", "B", "C"], S.ETHNICITY),
    ("religion", ["x", "y"], S.RELIGION),
    ("MaritalStatus", ["a", "b"], S.FAMILY),
    ("Partner", ["Yes", "No"], S.FAMILY),
    ("Dependents", ["Yes", "No"], S.FAMILY),
    ("num_children", [0, 1, 2, 3], S.FAMILY),
    ("disability_flag", [0, 1], S.DISABILITY),
    ("nationality", ["FR", "DE", "UK"], S.NATIONALITY),
    ("post_code", ["AB1", "CD2"], S.POSTCODE),
    ("ZIP", [10001, 94103], S.POSTCODE),
])
def test_recognised_by_name(name, values, kind):
    s = pd.Series(values * 5)
    assert S.kind_of(s, name) == kind


@pytest.mark.parametrize(("name", "values"), [
    ("usage", [1.0, 2.5]), ("account_age", [1, 2, 30]), ("account_age_days", [3, 40]), ("page_views", [1, 9]),
    ("partner_name", ["Acme", "Globex", "Initech"]), ("region", ["North", "South"]), ("contract", ["A", "B"]),
    ("package", ["basic", "max"]), ("storage_gb", [10, 20]), ("tenure_band", ["0-12", "13-24", "25-48"]),
    ("device_age", [1, 2, 3]), ("plan", ["M", "L", "XL"]), ("kids_plan", ["Yes", "No"]),
    ("phone_colour", ["Black", "White", "Gold"]), ("days_band", ["15-30", "31-60", "61-90", "90+"]),
])
def test_not_recognised(name, values):
    assert S.kind_of(pd.Series(values * 5), name) is None


@pytest.mark.parametrize(("values", "kind"), [
    (["Male", "Female", "Female"], S.SEX),
    (["m", "f"], S.SEX),
    (["M", "F", "U"], S.SEX),
    (["Married", "Single", "Divorced"], S.FAMILY),
    (["18-24", "25-34", "35-44", "65+"], S.AGE),
    (["White", "Black", "Asian", "Hispanic"], S.ETHNICITY),
    (["Christian", "Muslim", "Hindu", "None"], S.RELIGION),
])
def test_recognised_by_values_under_any_name(values, kind):
    assert S.kind_of(pd.Series(values * 10), "col_7") == kind


def test_groups_band_ages_flags_and_rare_values():
    ages = pd.Series([18, 24, 25, 40, 64, 65, 90, 33, 47, 52])
    assert list(S.groups(ages, S.AGE)) == ["under 25", "under 25", "25-34", "35-44", "55-64", "65 and over",
                                           "65 and over", "25-34", "45-54", "45-54"]
    assert set(S.groups(pd.Series(["Yes", "No", None]), S.FAMILY)) == {"yes", "no", "(missing)"}
    many = pd.Series(["a"] * 500 + ["b"] * 400 + [f"r{i}" for i in range(20)])
    assert set(S.groups(many, None)) == {"a", "b", "other"}


def test_kept_out_of_the_model_by_default_and_in_when_allowed():
    df = _table(gender=lambda r, n: r.choice(["Female", "Male"], n), plan=lambda r, n: r.choice(["a", "b"], n))
    roles = infer_roles(df)
    assert roles.sensitive == ["gender"] and "gender" not in roles.features and not roles.use_sensitive
    data = prepare(df, roles)
    assert "gender" not in data.features and data.sensitive == {"gender": S.SEX}
    assert "gender" in data.frame  # described: whom the list picks in each group
    allowed = prepare(df, Roles.from_dict({**roles.to_dict(), "use_sensitive": True}))
    assert "gender" in allowed.features


def test_an_older_config_listing_a_sensitive_feature_still_keeps_it_out():
    """A [roles] table written before sensitive columns existed names gender as a feature."""
    df = _table(gender=lambda r, n: r.choice(["Female", "Male"], n))
    old = {"id": "customer_id", "label": "churned", "features": ["tenure", "gender"]}
    data = prepare(df, Roles.from_dict(old))
    assert data.features == ["tenure"] and data.sensitive == {"gender": S.SEX}


def test_a_column_marked_sensitive_by_hand_and_none_marked():
    df = _table(plan=lambda r, n: r.choice(["a", "b"], n), gender=lambda r, n: r.choice(["Female", "Male"], n))
    roles = infer_roles(df)
    mine = prepare(df, Roles.from_dict({**roles.to_dict(), "sensitive": ["plan"], "features": ["tenure", "gender"]}))
    assert mine.sensitive == {"plan": S.CHOSEN} and mine.features == ["tenure", "gender"]
    none = prepare(df, Roles.from_dict({**roles.to_dict(), "sensitive": []}))
    assert none.sensitive == {}


def test_story_toml_keeps_the_sensitive_columns_and_the_choice():
    cfg = parse_config('[roles]\nlabel = "churned"\nsensitive = ["gender"]\nuse_sensitive = true\n')
    assert cfg.roles["sensitive"] == ["gender"] and cfg.roles["use_sensitive"] is True
    assert parse_config(to_toml(cfg)).roles == cfg.roles
    none = parse_config('[roles]\nlabel = "churned"\nsensitive = []\n')
    assert parse_config(to_toml(none)).roles["sensitive"] == []  # "none is sensitive" is kept, not re-guessed
    assert "sensitive" not in parse_config('[roles]\nlabel = "churned"\n').roles


@pytest.mark.parametrize("bad", ['sensitive = "gender"', "use_sensitive = 1", "sensitive = [1, 2]"])
def test_story_toml_refuses_a_malformed_sensitive_entry(bad):
    from storytelling.data import DataError

    with pytest.raises(DataError, match="sensitive"):
        parse_config(f'[roles]\nlabel = "churned"\n{bad}\n')


def test_real_shaped_tables():
    """The telco-shaped table's gender is recognised and kept out; the mobile-shaped one has none."""
    from tests.odd_tables import mobile_like, telco_like

    roles = infer_roles(telco_like())
    assert roles.sensitive == ["gender"] and "gender" not in roles.features
    assert infer_roles(mobile_like()).sensitive == []


def test_a_date_of_birth_is_not_the_snapshot_date():
    df = _table(date_of_birth=lambda r, n: pd.to_datetime("1950-01-01") + pd.to_timedelta(r.integers(0, 15000, n), "D"))
    roles = infer_roles(df)
    assert roles.date is None and roles.sensitive == ["date_of_birth"]


def test_groups_of_numbers_written_as_text_and_of_postcodes():
    ages = pd.Series([str(a) for a in range(18, 88)] * 3 + ["unknown"])
    assert set(S.groups(ages, S.AGE)) >= {"under 25", "65 and over", "(missing)"}
    zips = pd.Series(["11162", "11190", "29724", "29701"] * 20)
    assert set(S.groups(zips, S.POSTCODE)) == {"111", "297"}
    assert sorted(["65 and over", "under 25", "25-34", "other"], key=S.group_order) == [
        "under 25", "25-34", "65 and over", "other"]
