"""Build the Redis client the settings ask for: a named server, or the embedded one."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import redis

from errors import ConfigError, StateError
from settings import Settings
from state.embedded import EmbeddedRedis

_SCHEMES = ("redis://", "rediss://", "unix://")
_embedded: dict[Path, EmbeddedRedis] = {}
_embedded_lock = threading.Lock()


def redis_client(settings: Settings) -> redis.Redis:
    """A client that answered PING: `settings.redis_url`, else the embedded Redis."""
    if settings.redis_url:
        return connect_url(settings.redis_url)
    return embedded_for(settings.redis_db_path).connect()


def embedded_for(db_path: Path) -> EmbeddedRedis:
    """The process's one EmbeddedRedis handle per data file."""
    with _embedded_lock:
        if db_path not in _embedded:
            _embedded[db_path] = EmbeddedRedis(db_path)
        return _embedded[db_path]


def redact(url: str) -> str:
    """The URL with any password replaced by ***."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def connect_url(url: str, *, socket_timeout_s: float = 30.0) -> redis.Redis:
    """A client of the server at `url`, checked with PING; a command waits `socket_timeout_s`."""
    shown = redact(url)
    if not url.startswith(_SCHEMES):
        raise ConfigError(
            f"Redis URL {shown!r} is not redis://, rediss:// or unix://; "
            "fix --redis-url / OPSQKV_REDIS_URL (e.g. redis://localhost:6379/0)"
        )
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=3, socket_timeout=socket_timeout_s, health_check_interval=30
        )
    except ValueError as e:
        raise ConfigError(
            f"Redis URL {shown!r} is malformed ({e}); fix --redis-url / OPSQKV_REDIS_URL"
        ) from e
    try:
        client.ping()
    except redis.AuthenticationError as e:
        raise StateError(
            f"Redis at {shown} refused the credentials ({e}); put the right user/password in the URL"
        ) from e
    except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
        raise StateError(
            f"Redis at {shown} is unreachable ({e}); start it, fix --redis-url / "
            "OPSQKV_REDIS_URL, or unset both to use the embedded Redis"
        ) from e
    except redis.ResponseError as e:
        raise StateError(f"Redis at {shown} answered PING with an error ({e})") from e
    return client
