"""One wording per role's problem, whether the table is a file or a warehouse table.

Each bad table below is given to ``data.prepare`` (every row) and to ``warehouse.read_warehouse``
(the database's counts); both must refuse it with the same message, written by the role's
validator in ``storytelling.validate``.
"""

import duckdb
import numpy as np
import pandas as pd
import pytest

from storytelling import validate
from storytelling.data import DataError, Roles, prepare
from storytelling.warehouse import SqlSource, read_warehouse

ROLES = Roles(id="customer_id", date="snapshot_date", label="churned", score="churn_score", value="monthly_charge",
              status_quo="flagged", features=["plan"])


def table(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    score = rng.uniform(0.01, 0.6, 2 * n).round(4)
    return pd.DataFrame({
        "customer_id": np.tile(np.arange(n), 2),
        "snapshot_date": np.repeat(["2026-08-01", "2026-09-01"], n),
        "churned": np.where(rng.random(2 * n) < score, "yes", "no").astype(object),
        "churn_score": score,
        "monthly_charge": rng.gamma(3, 20, 2 * n).round(2),
        "flagged": (rng.random(2 * n) < 0.2).astype(int),
        "plan": rng.choice(["Basic", "Pro"], 2 * n),
    })


def spoil(how: str) -> tuple[pd.DataFrame, Roles]:
    df, roles = table(), ROLES
    if how == "score as percent":
        df["churn_score"] *= 100
    elif how == "odd label":
        df.loc[3, "churned"] = "maybe"
    elif how == "one outcome":
        df["churned"] = "no"
    elif how == "few outcomes":
        df.loc[30:, "churned"] = None
    elif how == "missing column":
        roles = Roles(**{**ROLES.to_dict(), "value": "gone"})
    elif how == "two roles, one column":
        roles = Roles(**{**ROLES.to_dict(), "status_quo": "churn_score"})
    elif how == "no label":
        roles = Roles(**{**ROLES.to_dict(), "label": None})
    elif how == "bad dates":
        df.loc[df["snapshot_date"] == "2026-08-01", "snapshot_date"] = "Aug-ish"
    elif how == "missing score":
        df.loc[df.index[-5:], "churn_score"] = np.nan
    return df, roles


CASES = ["score as percent", "odd label", "one outcome", "few outcomes", "missing column", "two roles, one column",
         "no label", "bad dates", "missing score"]


def message(read) -> str:
    with pytest.raises(DataError) as err:
        read()
    return str(err.value)


@pytest.mark.parametrize("how", CASES)
def test_a_file_and_a_warehouse_are_refused_in_the_same_words(tmp_path, how):
    df, roles = spoil(how)
    path = tmp_path / "bad.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("df", df)
        con.execute("CREATE TABLE scores AS SELECT * FROM df")
    from_file = message(lambda: prepare(df, roles, today=pd.Timestamp("2026-11-01")))
    from_db = message(lambda: read_warehouse(SqlSource(f"duckdb:///{path}", table="scores"), roles))
    if how == "missing score":  # the warehouse checks the evaluated month's scores: it says which month
        assert from_db.replace(" of the evaluated month", "") == from_file
    else:
        assert from_db == from_file


def test_each_message_names_the_column_and_the_fix():
    checks = {
        "score as percent": ("'churn_score'", "divide by 100"),
        "odd label": ("'churned'", "'maybe'"),
        "one outcome": ("'churned'", "every customer stayed"),
        "few outcomes": ("Only 30 rows", "at least 50"),
        "missing column": ("'gone'", "Pick one of the table's columns"),
        "bad dates": ("400 value(s)", "'Aug-ish'"),
        "missing score": ("5 row(s)", "Score every customer"),
    }
    for how, words in checks.items():
        df, roles = spoil(how)
        text = message(lambda df=df, roles=roles: prepare(df, roles, today=pd.Timestamp("2026-11-01")))
        assert all(w in text for w in words), (how, text)


def test_validators_pass_good_summaries():
    validate.outcomes("c", labelled=50, leavers=1)
    validate.score_range("s", 0.0, 1.0)
    validate.score_complete("s", 0)
    validate.dates_readable("d", 0, [])
    validate.rule_readable("r", 0.5)
    with pytest.raises(DataError, match="between 0 and 1"):
        validate.score_range("s", -0.01, 0.5)
    with pytest.raises(DataError, match="every customer left"):
        validate.outcomes("c", labelled=60, leavers=60)
