"""The story config (``story.toml``): the whole setup of a story, saved and loaded.

It holds the data source, column roles, business assumptions, scenario, glossary, chosen
findings and export options, so the app can hand a story to the nightly CLI. Only a config on
the server's own disk (``$STORYTELLING_CONFIG``, ``./story.toml`` or ``--config``) may name a
pickle/joblib model with ``allow_pickle = true``; a config uploaded in the app never can.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storytelling.confvalues import flag, number, shown, string
from storytelling.data import DataError
from storytelling.scenarios import MAX_SCENARIOS, Scenario, from_dict, to_dict, unique_names
from storytelling.sqlguard import QUERY_SECONDS, check_seconds
from storytelling.story import AUDIENCES, EXECUTIVE, is_hex_colour
from storytelling.targeting import STARTING, Assumptions

DEFAULT_TITLE = "Keeping more customers with the churn model"
ROLE_KEYS = ("id", "date", "label", "score", "value", "status_quo", "contacted")

MAX_FEATURES = 2000


@dataclass(frozen=True)
class ModelConfig:
    path: str | None = None
    allow_pickle: bool = False


@dataclass
class StoryConfig:
    title: str = DEFAULT_TITLE
    audience: str = EXECUTIVE
    data_path: str | None = None  # None: the embedded sample
    data_sheet: str | None = None
    data_name: str = ""
    data_sql: str | None = None  # a warehouse: SQLAlchemy URL, local DuckDB/Parquet path, or a connection name
    data_table: str | None = None
    data_query: str | None = None
    query_seconds: float = QUERY_SECONDS  # each warehouse query's time limit
    roles: dict[str, Any] | None = None  # None: inferred from the data
    value_per_saved: float = STARTING.value_per_saved
    cost_per_contact: float = STARTING.cost_per_contact
    save_rate: float = STARTING.save_rate
    fixed_cost: float = 0.0
    capacity: int | None = STARTING.capacity
    value_months: float | None = STARTING.value_months  # months of the customer's own charge; None: value_per_saved for all
    contacts: int | None = None  # None: capacity, or the most profitable list size
    threshold: float | None = None  # contact everyone at or above this risk (0-1) instead of a count
    glossary: dict[str, dict[str, str]] = field(default_factory=dict)
    findings: list[str] | None = None  # None: the default story
    backtest_months: int = 12  # replay the latest N months when the data has dates (0: no backtest)
    drivers: bool = True
    ab_results: str | None = None
    ab_design: str = "picks"
    ab_test_share: float = 0.5  # the planned share of customers in the test group (0.9 for a 90/10 split)
    ab_planned_total: int | None = None  # customers the test planned to enrol (warns when stopped early)
    ab_confidence: float = 0.95
    ab_power: float = 0.8  # the chance the planned test catches the expected effect
    ab_sided: str = "two-sided"  # or "one-sided": only a drop in churn counts
    ab_counts: list[int] | None = None  # the test's result as counts: comparison customers, leavers, test customers, leavers
    brand_colour: str | None = None
    template: str | None = None
    model: ModelConfig = field(default_factory=ModelConfig)
    analyses: dict[str, dict[str, Any]] = field(default_factory=dict)  # [analyses.<key>]: an analysis's own options
    history: str | None = None  # [history] folder: where builds record their figures (None: story_history; "": none)
    contacted: str | None = None  # [feedback] contacted: the column marking customers marketing called (the role)
    contacted_file: str | None = None  # [feedback] contacted_file: or a file of them (customer id, date called)
    options: list[Scenario] = field(default_factory=list)  # [[options]]: scenarios to compare side by side

    @property
    def ab_ratio(self) -> float:
        """The planned split as test / control (9.0 for 90/10)."""
        return self.ab_test_share / (1 - self.ab_test_share)

    def assumptions(self) -> Assumptions:
        return Assumptions(value_per_saved=self.value_per_saved, cost_per_contact=self.cost_per_contact,
                           save_rate=self.save_rate, fixed_cost=self.fixed_cost, capacity=self.capacity,
                           value_months=self.value_months)


# ---------------------------------------------------------------------------------------------
# Reading


def read_toml(text: str, *, name: str = "story.toml") -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{name} is not valid TOML: {exc}. Fix the line named, or download a fresh config "
                        "from the app.") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits (Python's limit on reading them)
        raise DataError(f"{name} holds a value that cannot be read ({str(exc)[:120]}). Download a fresh config "
                        "from the app.") from None
    except RecursionError:  # arrays or tables nested thousands deep
        raise DataError(f"{name} nests lists or tables too deeply to read. Download a fresh config from the "
                        "app.") from None


def _table(doc: dict, key: str) -> dict:
    t = doc.get(key, {})
    if not isinstance(t, dict):
        raise DataError(f"[{key}] in the config must be a table (a [{key}] section).")
    return t


def _roles(roles: dict) -> dict[str, Any]:
    bad = [k for k in roles if k not in (*ROLE_KEYS, "features", "sensitive", "use_sensitive")]
    if bad:
        raise DataError(f"[roles] has unknown entries: {', '.join(bad)}. Use {', '.join(ROLE_KEYS)}, features, "
                        "sensitive, use_sensitive.")
    for k in ROLE_KEYS:
        if roles.get(k) is not None and not isinstance(roles[k], str):
            raise DataError(f"roles.{k} in the config must be one column name in quotes (got {shown(roles[k])}).")
    features = roles.get("features", [])
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise DataError(f"roles.features in the config must be a list of column names in quotes, like "
                        f'["tenure", "plan"] (got {shown(features)}).')
    if len(features) > MAX_FEATURES:
        raise DataError(f"roles.features lists {len(features):,} columns; at most {MAX_FEATURES:,} can be used.")
    sens = roles.get("sensitive")
    if sens is not None and (not isinstance(sens, list) or not all(isinstance(c, str) for c in sens)):
        raise DataError(f"roles.sensitive in the config must be a list of column names in quotes, like "
                        f'["gender", "age"] (got {shown(sens)}).')
    out = {k: roles.get(k) or None for k in ROLE_KEYS} | {"features": list(features)}
    if sens is not None:  # absent: the table's sensitive columns are recognised when it is read
        out["sensitive"] = list(sens)
    if "use_sensitive" in roles:
        out["use_sensitive"] = flag(roles, "roles", "use_sensitive", False)
    return out


def model_config(doc: dict, *, base: Path | None = None, trusted: bool = False) -> ModelConfig:
    """The [model] table; ``allow_pickle`` counts only in a ``trusted`` (server-side) config."""
    m = _table(doc, "model")
    path = string(m, "model", "path")
    if path is not None and base is not None and not Path(path).expanduser().is_absolute():
        path = str(base / path)
    return ModelConfig(path=path, allow_pickle=flag(m, "model", "allow_pickle", False) and trusted)


def parse_config(text: str, *, base: Path | None = None, trusted: bool = False, name: str = "story.toml") -> StoryConfig:
    """A :class:`StoryConfig` from TOML text; relative paths are taken from ``base``."""
    doc = read_toml(text, name=name)
    cfg = StoryConfig()

    def path(v):
        return str(base / v) if v and base is not None and not Path(v).expanduser().is_absolute() else v

    story = _table(doc, "story")
    _story_section(cfg, story)
    cfg.template = path(string(story, "story", "template"))
    _data_section(cfg, _table(doc, "data"), path)
    roles = _table(doc, "roles")
    if roles:
        cfg.roles = _roles(roles)
    _assumptions_section(cfg, _table(doc, "assumptions"), _table(doc, "scenario"))
    cfg.options = _options_section(doc.get("options", []), cfg.assumptions())
    gl = _table(doc, "glossary")
    for col, term in gl.items():
        if not isinstance(term, dict) or not all(isinstance(term.get(k, ""), str) for k in ("name", "unit")):
            raise DataError(f"glossary.{shown(col)} must be a table with a name and a unit in quotes.")
        cfg.glossary[str(col)] = {"name": str(term.get("name", ""))[:80], "unit": str(term.get("unit", ""))[:20]}
    _ab_section(cfg, _table(doc, "ab"), path)
    cfg.model = model_config(doc, base=base, trusted=trusted)
    cfg.analyses = _analyses_section(_table(doc, "analyses"))
    feedback = _table(doc, "feedback")
    cfg.contacted = string(feedback, "feedback", "contacted")
    cfg.contacted_file = path(string(feedback, "feedback", "contacted_file"))
    if sum(map(bool, (cfg.contacted, cfg.contacted_file, (cfg.roles or {}).get("contacted")))) > 1:
        raise DataError("More than one of [feedback] contacted, [feedback] contacted_file and [roles] contacted name "
                        "who marketing called; keep one.")
    if trusted:  # a folder to write into: only a config from the server's own disk may name it
        cfg.history = path(string(_table(doc, "history"), "history", "folder"))
    return cfg


def _options_section(items, base: Assumptions) -> list[Scenario]:
    """[[options]] tables: scenarios to compare, each priced at the [assumptions] it does not set itself."""
    if not isinstance(items, list) or len(items) > MAX_SCENARIOS:
        raise DataError(f"options in the config must be up to {MAX_SCENARIOS} [[options]] tables.")
    return unique_names([from_dict(d, base, where=f"options[{i}]") for i, d in enumerate(items, 1)])


def _analyses_section(t: dict) -> dict[str, dict[str, Any]]:
    """[analyses.<key>] tables: options an analysis reads itself (numbers, text, true/false, lists of them)."""
    scalar = (str, int, float, bool)
    out = {}
    for key, opts in t.items():
        ok = isinstance(opts, dict) and all(
            isinstance(v, scalar) or (isinstance(v, list) and all(isinstance(x, scalar) for x in v))
            for v in opts.values())
        if not ok:
            raise DataError(f"analyses.{shown(key)} must be a table of numbers, text, true/false or lists of them.")
        out[str(key)] = dict(opts)
    return out


def _story_section(cfg: StoryConfig, story: dict) -> None:
    cfg.title = string(story, "story", "title", cfg.title)[:200]
    cfg.audience = string(story, "story", "audience", cfg.audience)
    if cfg.audience not in AUDIENCES:
        raise DataError(f"story.audience must be one of {', '.join(AUDIENCES)} (got {cfg.audience!r}).")
    findings = story.get("findings")
    if findings is not None:
        if not isinstance(findings, list) or not all(isinstance(x, str) for x in findings):
            raise DataError("story.findings must be a list of finding names in quotes.")
        cfg.findings = list(findings)
    cfg.backtest_months = number(story, "story", "backtest_months", cfg.backtest_months, lo=0, hi=240, integer=True)
    cfg.drivers = flag(story, "story", "drivers", True)
    cfg.brand_colour = string(story, "story", "brand_colour")
    if cfg.brand_colour and not is_hex_colour(cfg.brand_colour):
        raise DataError(f"story.brand_colour must look like #0072B2 (got {cfg.brand_colour!r}).")


def _data_section(cfg: StoryConfig, data: dict, path) -> None:
    cfg.data_path = path(string(data, "data", "path"))
    cfg.data_sheet = string(data, "data", "sheet")
    cfg.data_name = string(data, "data", "name", "")
    sql = string(data, "data", "sql")
    cfg.data_sql = path(sql) if sql and "://" not in sql and Path(sql).suffix else sql
    cfg.data_table, cfg.data_query = string(data, "data", "table"), string(data, "data", "query")
    if cfg.data_sql and bool(cfg.data_table) == bool(cfg.data_query):
        raise DataError("[data] with sql = ... needs either table = \"...\" or query = \"SELECT ...\" (one of the two).")
    if "query_seconds" in data:
        cfg.query_seconds = check_seconds(data["query_seconds"], "data.query_seconds in the config")
    if cfg.data_sql and cfg.data_path:
        raise DataError("[data] names both a file (path) and a database (sql); keep one.")


def _assumptions_section(cfg: StoryConfig, a: dict, sc: dict) -> None:
    cfg.value_per_saved = number(a, "assumptions", "value_per_saved", cfg.value_per_saved)
    cfg.cost_per_contact = number(a, "assumptions", "cost_per_contact", cfg.cost_per_contact)
    cfg.save_rate = number(a, "assumptions", "save_rate", cfg.save_rate)
    cfg.fixed_cost = number(a, "assumptions", "fixed_cost", cfg.fixed_cost)
    cfg.capacity = number(a, "assumptions", "capacity", cfg.capacity, integer=True) or None  # 0: no limit
    if not flag(a, "assumptions", "use_value", True):
        cfg.value_months = None
    else:
        cfg.value_months = number(a, "assumptions", "value_months", cfg.value_months)
    cfg.contacts = number(sc, "scenario", "contacts", None, integer=True)
    cfg.threshold = number(sc, "scenario", "threshold", None, lo=0, hi=1, inside=True)
    if cfg.contacts is not None and cfg.threshold is not None:
        raise DataError("[scenario] sets both contacts and threshold; keep one (a list size, or a risk threshold).")


def _ab_section(cfg: StoryConfig, ab: dict, path) -> None:
    cfg.ab_results = path(string(ab, "ab", "results"))
    cfg.ab_design = string(ab, "ab", "design", "picks")
    if cfg.ab_design not in ("picks", "everyone"):
        raise DataError("ab.design must be 'picks' or 'everyone'.")
    cfg.ab_test_share = number(ab, "ab", "test_share", 0.5, lo=0.01, hi=0.99)
    cfg.ab_planned_total = number(ab, "ab", "planned_total", None, lo=1, integer=True)
    cfg.ab_confidence = number(ab, "ab", "confidence", 0.95, lo=0.5, hi=0.999)
    cfg.ab_power = number(ab, "ab", "power", 0.8, lo=0.5, hi=0.99)
    cfg.ab_sided = string(ab, "ab", "sided", "two-sided")
    if cfg.ab_sided not in ("two-sided", "one-sided"):
        raise DataError("ab.sided must be 'two-sided' or 'one-sided'.")
    counts = ab.get("counts")
    if counts is not None:
        ok = (isinstance(counts, list) and len(counts) == 4 and all(isinstance(c, int) and c >= 0 for c in counts)
              and counts[0] >= counts[1] and counts[2] >= counts[3] and counts[0] > 0 and counts[2] > 0)
        if not ok:
            raise DataError("ab.counts must be four whole numbers: comparison customers, of whom left, test "
                            "customers, of whom left (for example [2000, 300, 2000, 250]).")
        cfg.ab_counts = list(counts)
    if cfg.ab_counts and cfg.ab_results:
        raise DataError("[ab] names both a results file (results) and counts; keep one.")


def load_config(path: str | Path) -> StoryConfig:
    """A config from the server's disk (trusted: it may allow a pickle model)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataError(f"The config file '{p}' does not exist.")
    return parse_config(p.read_text(encoding="utf-8"), base=p.parent, trusted=True, name=p.name)


def server_config_path() -> Path | None:
    p = os.environ.get("STORYTELLING_CONFIG")
    if p:
        return Path(p)
    local = Path("story.toml")
    return local if local.is_file() else None


def server_model_config() -> ModelConfig:
    """The model named in the server's config, if any (a missing config is fine)."""
    p = server_config_path()
    if p is None or not p.is_file():
        return ModelConfig()
    return load_config(p).model


# ---------------------------------------------------------------------------------------------
# Writing (a small TOML writer: strings, numbers, booleans, lists of strings, tables)


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _value(k)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else "0.0"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    s = "".join(c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}" for c in s)
    return f'"{s}"'


def _section(name: str, items: dict) -> list[str]:
    rows = [f"{_key(k)} = {_value(v)}" for k, v in items.items() if v is not None]
    return [f"[{name}]", *rows, ""] if rows else []


def _option_tables(d: dict) -> list[str]:
    """One [[options]] table (its focus inline, its offers as [[options.offers]])."""
    focus, offers = d.pop("focus", None), d.pop("offers", [])
    out = ["[[options]]", *(f"{_key(k)} = {_value(v)}" for k, v in d.items())]
    if focus:
        out.append("focus = { " + ", ".join(f"{_key(c)} = {_value(v)}" for c, v in focus.items()) + " }")
    for o in offers:
        out += ["", "[[options.offers]]", *(f"{_key(k)} = {_value(v)}" for k, v in o.items())]
    return [*out, ""]


def to_toml(cfg: StoryConfig) -> str:
    """The config as TOML text that :func:`parse_config` reads back to the same config."""
    out = ["# storytelling story config: load it in the app (Export page) or run", "#   storytelling build --config story.toml", ""]
    out += _section("story", {"title": cfg.title, "audience": cfg.audience, "findings": cfg.findings,
                              "backtest_months": cfg.backtest_months, "drivers": cfg.drivers,
                              "brand_colour": cfg.brand_colour, "template": cfg.template})
    out += _section("data", {"path": cfg.data_path, "sheet": cfg.data_sheet, "sql": cfg.data_sql,
                             "table": cfg.data_table, "query": cfg.data_query, "name": cfg.data_name or None,
                             "query_seconds": cfg.query_seconds if cfg.query_seconds != QUERY_SECONDS else None})
    if cfg.roles:  # an empty list of sensitive columns is a choice (none is sensitive), kept as []
        out += _section("roles", {k: v for k, v in cfg.roles.items()
                                  if v or (k == "sensitive" and v == []) or (k == "use_sensitive" and v is False)})
    out += _section("assumptions", {"value_per_saved": cfg.value_per_saved, "cost_per_contact": cfg.cost_per_contact,
                                    "save_rate": cfg.save_rate, "fixed_cost": cfg.fixed_cost,
                                    "capacity": cfg.capacity if cfg.capacity else 0,
                                    "use_value": cfg.value_months is not None, "value_months": cfg.value_months})
    out += _section("scenario", {"contacts": cfg.contacts, "threshold": cfg.threshold})
    for col, term in cfg.glossary.items():
        out += _section(f"glossary.{_key(col)}", term)
    out += _section("ab", {"results": cfg.ab_results, "design": cfg.ab_design, "test_share": cfg.ab_test_share,
                           "planned_total": cfg.ab_planned_total, "confidence": cfg.ab_confidence,
                           "power": cfg.ab_power, "sided": cfg.ab_sided, "counts": cfg.ab_counts})
    out += _section("model", {"path": cfg.model.path})
    out += _section("history", {"folder": cfg.history})
    out += _section("feedback", {"contacted": cfg.contacted, "contacted_file": cfg.contacted_file})
    for key, opts in cfg.analyses.items():
        out += _section(f"analyses.{_key(key)}", opts)
    for s in cfg.options:
        out += _option_tables(to_dict(s))
    return "\n".join(out).rstrip() + "\n"
