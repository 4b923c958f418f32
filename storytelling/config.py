"""The story config (``story.toml``) read from the server's own disk.

Only a config on the server's disk (``$STORYTELLING_CONFIG`` or ``./story.toml``) may name a
pickle/joblib model with ``allow_pickle = true``; a config uploaded in the app never can.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from storytelling.data import DataError


@dataclass(frozen=True)
class ModelConfig:
    path: str | None = None
    allow_pickle: bool = False


def server_config_path() -> Path | None:
    p = os.environ.get("STORYTELLING_CONFIG")
    if p:
        return Path(p)
    local = Path("story.toml")
    return local if local.is_file() else None


def read_toml(text: str, *, name: str = "story.toml") -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{name} is not valid TOML: {exc}. Fix the line named, or download a fresh config "
                        "from the app.") from None


def model_config(doc: dict, *, base: Path | None = None, trusted: bool = False) -> ModelConfig:
    """The [model] table; ``allow_pickle`` counts only in a ``trusted`` (server-side) config."""
    m = doc.get("model") or {}
    if not isinstance(m, dict):
        raise DataError("[model] in the config must be a table with 'path' (and optionally 'allow_pickle').")
    path = m.get("path")
    if path is not None:
        path = str(path)
        if base is not None and not Path(path).expanduser().is_absolute():
            path = str(base / path)
    return ModelConfig(path=path, allow_pickle=bool(m.get("allow_pickle", False)) and trusted)


def server_model_config() -> ModelConfig:
    """The model named in the server's config, if any (a missing config is fine)."""
    p = server_config_path()
    if p is None or not p.is_file():
        return ModelConfig()
    return model_config(read_toml(p.read_text(encoding="utf-8"), name=p.name), base=p.parent, trusted=True)
