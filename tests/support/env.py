"""Where the tests run: the repo, the real test Redis, and the environment for subprocesses."""

from __future__ import annotations

import os
from pathlib import Path

from settings import Settings

REPO = Path(__file__).resolve().parent.parent.parent
TEST_REDIS_URL = os.environ.get("OPSQKV_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a real `opsqkv` subprocess needs to see these settings."""
    return {
        **os.environ,
        "OPSQKV_HOME": str(settings.home),
        "OPSQKV_REDIS_URL": str(settings.redis_url),
        "OPSQKV_REDIS_PREFIX": settings.redis_prefix,
    }
