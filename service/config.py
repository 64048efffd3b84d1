"""`ServiceConfig`: how `opsqkv serve` listens and guards itself; passed to every worker."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from errors import ConfigError, InputError
from settings import Settings

# uvicorn starts each extra worker process afresh: the parent hands it its settings here.
CONFIG_ENV = "OPSQKV_SERVICE_CONFIG"
_TENANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class ServiceConfig(BaseModel):
    """Listening address, workers and per-request limits of the HTTP service."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    max_text_chars: int = Field(
        default=8192, ge=1, description="longest message or question, in characters"
    )
    rate_per_min: int = Field(default=600, ge=1, description="requests per token per minute")
    lock_wait_s: float = Field(default=10.0, gt=0, description="busy session: 409 after this")
    grace_s: float = Field(default=30.0, ge=0, description="SIGTERM: wait this for turns")
    redis_timeout_s: float = Field(default=5.0, gt=0, description="one Redis command, at most")
    metrics_token: str | None = Field(default=None, description="bearer token for /metrics")
    ticket_sinks: Path | None = Field(
        default=None, description="sinks file: each worker runs a ticket delivery thread"
    )


class WorkerConfig(BaseModel):
    """What a worker process needs: the CLI's settings and the service's config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    settings: Settings
    service: ServiceConfig


def worker_config_from_env() -> WorkerConfig:
    """The config `opsqkv serve` put in the environment for its worker processes."""
    raw = os.environ.get(CONFIG_ENV)
    if not raw:
        raise ConfigError(
            f"{CONFIG_ENV} is not set; start the service with `opsqkv serve`, which sets it"
        )
    try:
        return WorkerConfig.model_validate_json(raw)
    except ValidationError as e:
        raise ConfigError(
            f"{CONFIG_ENV} is not a valid service config ({e.errors()[0]['msg']})"
        ) from e


def check_tenant(name: str) -> str:
    """A tenant name as used in keys: lowercase letters, digits, `_` and `-`, up to 63."""
    if not _TENANT.match(name):
        raise InputError(
            f"tenant {name!r} is not usable; use 1-63 lowercase letters, digits, _ or -, "
            "starting with a letter or digit (e.g. team-payments)"
        )
    return name


def tenant_prefix(settings: Settings, tenant: str) -> str:
    """The key prefix of everything one tenant's sessions and tickets write."""
    return f"{settings.redis_prefix}tenant:{check_tenant(tenant)}:"
