"""Sensitive columns: recognised by name and values, described but kept out of the model.

A column that says who a customer *is* (sex or gender, age, a senior flag, ethnicity, religion,
marital or family status, disability, nationality) or stands in for it (a postcode) is
*sensitive*: a retention offer given or withheld because of it can be unlawful, and is bad for the
brand either way. The app describes whom the list picks in each group of such a column (see
:mod:`storytelling.fairness`) and keeps the column out of the baseline model unless the user opts
in on the Data page (``Roles.use_sensitive``).

Recognition is by name first (whole words of the normalised name, so ``usage`` is not an age and
``account_age`` is not a person's age) and then by values (``Male``/``Female``, ``Married``/
``Single``, age bands such as ``18-24`` ... ``65+``).
"""

from __future__ import annotations

import re

import pandas as pd

#: Kinds of sensitive column, as said in sentences ("a sensitive column: age").
SEX, AGE, SENIOR, ETHNICITY, RELIGION, FAMILY, DISABILITY, NATIONALITY, POSTCODE, ORIENTATION, CHOSEN = (
    "sex or gender", "age", "age: a senior flag", "ethnicity or race", "religion", "marital or family status",
    "disability", "nationality or citizenship", "postcode: stands in for where people live",
    "sexual orientation", "marked sensitive on the Data page")

#: Why they are kept out, in one line (the Data page and the README say it).
REASON = ("Columns that say who a customer is (sex, age, ethnicity, religion, family status, disability, "
          "nationality) or stand in for it (postcode) are described, not used: an offer given or withheld "
          "because of them can be unlawful, and nobody in the room would notice.")

# whole words (or whole names once underscores are dropped) that name each kind
_WORDS: list[tuple[str, set[str]]] = [
    (SENIOR, {"senior", "seniorcitizen", "pensioner", "retired", "retiree", "elderly", "oap"}),
    (SEX, {"sex", "gender", "male", "female", "ismale", "isfemale"}),
    (AGE, {"age", "ageband", "agegroup", "agerange", "agebracket", "agecategory", "dob", "dateofbirth", "birthdate",
           "birthday", "yearofbirth", "birthyear"}),
    (ETHNICITY, {"ethnicity", "ethnic", "ethnicgroup", "ethnicorigin", "race"}),
    (RELIGION, {"religion", "religious", "faith", "denomination"}),
    (FAMILY, {"marital", "maritalstatus", "married", "marriage", "spouse", "civilstatus", "relationshipstatus",
              "dependents", "dependants", "children", "kids", "numchildren", "haschildren", "familystatus",
              "pregnant", "pregnancy", "maternity"}),
    (DISABILITY, {"disability", "disabled", "handicap", "handicapped", "impairment"}),
    (NATIONALITY, {"nationality", "citizenship", "countryofbirth", "birthcountry", "birthplace", "placeofbirth",
                   "immigrant", "immigration", "ethnicorigin"}),
    (POSTCODE, {"postcode", "postalcode", "zip", "zipcode", "postcodes"}),
    (ORIENTATION, {"sexualorientation", "orientation"}),
]
#: Words that make 'age' the age of something else (an account, a contract, a device).
_NOT_A_PERSON = {"account", "contract", "subscription", "device", "phone", "handset", "product", "plan",
                 "tenure", "membership", "relationship", "car", "vehicle", "home", "house", "loan", "debt",
                 "balance", "days", "months", "policy", "card", "data", "file", "line", "sim", "service", "router", "equipment", "bill", "invoice", "ticket"}
#: Words that make a column a person's age after all ('account_holder_age').
_PERSON = {"holder", "owner", "customer", "client", "member", "person", "subscriber", "user", "primary"}
#: Words that make a column a product or a thing, not who the customer is ('kids_plan', 'senior_tier').
_PRODUCT = {"plan", "package", "bundle", "tariff", "product", "offer", "tier", "pack", "promo", "channel", "colour",
            "color", "phone", "device", "handset"}
#: 'partner' is a family status only when it is a yes/no (not a sales partner's name).
_FLAG_ONLY = {"partner": FAMILY, "haspartner": FAMILY, "citizen": NATIONALITY}

_SEX_VALUES = {"male", "female", "m", "f", "man", "woman", "men", "women", "other", "non-binary", "nonbinary",
               "x", "u", "diverse", "prefer not to say"}
_MARITAL_VALUES = {"married", "single", "divorced", "widowed", "separated", "unmarried", "cohabiting",
                   "never married", "civil partnership", "domestic partnership", "engaged", "widow", "widower"}
_ETHNIC_VALUES = {"white", "black", "asian", "hispanic", "latino", "latina", "latinx", "caucasian",
                  "african american", "mixed", "indigenous", "native american", "pacific islander", "arab",
                  "middle eastern", "black or african american", "american indian"}
_RELIGION_VALUES = {"christian", "muslim", "hindu", "jewish", "buddhist", "sikh", "catholic", "protestant",
                    "atheist", "agnostic", "orthodox", "no religion"}
_AGE_BAND = re.compile(r"^(\d{1,2})\s*(?:-|–|to)\s*(\d{2,3})(?:\s*(?:years|yrs|y))?$|^(\d{2})\s*\+$|"
                       r"^(?:under|below|over|above)\s*(\d{2})$|^(\d{2})\s*(?:and|or)\s*(?:over|above|older)$")


def name_kind(name) -> str | None:
    """The kind of sensitive column a column's name alone says it is, or None."""
    from storytelling.values import normalise_name

    norm = normalise_name(name)
    words = set(norm.split("_")) - {""}
    whole = norm.replace("_", "")
    for kind, names in _WORDS:
        hit = words & names or ({whole} & names)
        if not hit:
            continue
        if kind == AGE and words & _NOT_A_PERSON and not words & _PERSON:
            continue
        if kind == ORIENTATION and "sexual" not in norm and whole != "sexualorientation":
            continue
        if words & _PRODUCT and not words & _PERSON:
            continue
        return kind
    return None


def _texts(s: pd.Series) -> set[str]:
    vals = s.dropna().astype(str).str.strip().str.lower()
    return set(pd.unique(vals[vals != ""]))


def _value_kind(s: pd.Series) -> str | None:
    """A kind recognised from a text column's values alone (at least two groups of one vocabulary)."""
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s) or s.nunique(dropna=True) > 40:
        return None
    vals = _texts(s.head(20_000))
    if len(vals) < 2:
        return None
    if vals <= _SEX_VALUES and (vals & {"male", "female", "man", "woman", "men", "women"} or {"m", "f"} <= vals):
        return SEX
    for kind, vocab in ((FAMILY, _MARITAL_VALUES), (ETHNICITY, _ETHNIC_VALUES), (RELIGION, _RELIGION_VALUES)):
        if len(vals & vocab) >= 2 and len(vals & vocab) >= 0.6 * len(vals):
            if kind == ETHNICITY and not vals & (vocab - {"white", "black"}):
                continue  # black and white alone are colours (a phone's, a plan's)
            return kind
    bands = [m for v in vals if (m := _AGE_BAND.match(v))]
    if len(bands) >= 3 and len(bands) >= 0.8 * len(vals):
        nums = [int(x) for m in bands for x in m.groups() if x]
        tops = [int(m.group(3) or m.group(5)) for m in bands if m.group(3) or m.group(5)]
        if min(nums) >= 16 and max(nums) <= 110 and tops and 50 <= max(tops) <= 85:
            return AGE  # '65+' or '65 and over' marks a person's age (days or tenure bands end otherwise)
    return None


def _is_flag(s: pd.Series) -> bool:
    from storytelling.values import binary_values

    return binary_values(s) is not None


def kind_of(s: pd.Series, name) -> str | None:
    """The kind of sensitive column ``s`` (named ``name``) is, or None."""
    from storytelling.values import normalise_name

    norm = normalise_name(name)
    for word, kind in _FLAG_ONLY.items():
        if (word in norm.split("_") or norm.replace("_", "") == word) and _is_flag(s) and not name_kind(name):
            return kind
    return name_kind(name) or _value_kind(s)


def recognise(df: pd.DataFrame, skip: set | None = None) -> dict[str, str]:
    """Sensitive columns of ``df`` (column -> kind), in table order; ``skip``: columns with a role."""
    skip = skip or set()
    return {c: kind for c in df.columns if c not in skip and (kind := kind_of(df[c], c))}


# ---------------------------------------------------------------------------------------------
# Groups of a sensitive column


AGE_EDGES = (0, 25, 35, 45, 55, 65, 200)
AGE_LABELS = ("under 25", "25-34", "35-44", "45-54", "55-64", "65 and over")
MAX_GROUPS = 8
MIN_GROUP_CUSTOMERS = 30  # smaller groups are put together as "other"


def groups(s: pd.Series, kind: str | None = None) -> pd.Series:
    """Each customer's group in ``s`` as text: ages in bands, numbers with many values in quarters,
    yes/no as yes/no, postcodes by area (their first three characters), and groups of fewer than
    30 customers (and all beyond the largest 7) together as 'other'."""
    if kind == POSTCODE:  # an area: the first three characters (a whole code is one household or street)
        s = s.astype("string").str.strip().str[:3]
    elif not pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        number = pd.to_numeric(s, errors="coerce")
        if number.notna().sum() >= 0.9 * s.notna().sum() > 0:  # numbers written as text ('34', 'unknown')
            s = number
    if pd.api.types.is_datetime64_any_dtype(s):
        years = s.dt.year
        out = (years // 10 * 10).astype("Int64").astype("string") + "s"
        return out.fillna("(missing)")
    if pd.api.types.is_bool_dtype(s):
        s = s.astype(float)
    if pd.api.types.is_numeric_dtype(s):
        v = pd.to_numeric(s, errors="coerce")
        uniq = set(pd.unique(v.dropna()))
        if uniq <= {0, 1}:
            out = v.map({1.0: "yes", 0.0: "no"}).astype("string")
        elif kind == AGE and v.dropna().between(0, 120).all() and len(uniq) > 8:
            out = pd.cut(v, AGE_EDGES, right=False, labels=AGE_LABELS).astype("string")
        elif len(uniq) <= 8:
            out = v.map(lambda x: f"{x:g}" if pd.notna(x) else None).astype("string")
        else:
            cut = pd.qcut(v, 4, duplicates="drop")
            out = cut.map(lambda iv: f"{iv.left:g} to {iv.right:g}").astype("string")
        return out.fillna("(missing)")
    from storytelling.values import binary_values

    flag = binary_values(s)
    if flag is not None and set(pd.unique(flag.dropna())) == {0.0, 1.0}:
        return flag.map({1.0: "yes", 0.0: "no"}).astype("string").fillna("(missing)")
    out = s.astype("string").str.strip().replace("", pd.NA).fillna("(missing)")
    counts = out.value_counts()
    keep = set(counts.index[: MAX_GROUPS - 1]) & set(counts.index[counts >= MIN_GROUP_CUSTOMERS])
    if len(counts) > len(keep):
        out = out.where(out.isin(keep), "other")
    return out


def group_order(label: str) -> tuple:
    """Sort key for groups: by the number they start with ('under 25' first, then '25-34' ...),
    else by name; 'other' and '(missing)' last."""
    if label in ("other", "(missing)"):
        return (2, label)
    if label.startswith("under"):
        return (0, -1.0, label)
    m = re.match(r"^-?\d+(\.\d+)?", label)
    return (0, float(m.group(0)), label) if m else (1, label)
