"""Build the Redis client the settings ask for: a server, a Cluster, a Sentinel-watched master,
or the embedded one.

URL forms (`--redis-url` / OPSQKV_REDIS_URL):
    redis://[user:password@]host:port/db     one server; if it says `cluster_enabled:1`
    rediss://...                             (INFO cluster), a Redis Cluster client seeded
                                             from it instead (db must be 0)
    unix:///path/redis.sock?db=N             one server over a socket
    redis+sentinel://[user:password@]host:port[,host:port...]/service[/db]
                                             the master Sentinel names `service`, found
                                             again after every fail-over; the password is
                                             the master's (sentinels without auth)

A Cluster client is handed out typed as `redis.Redis`: it takes the same keyed commands,
and the places where the two differ (the key layout, scripts inside a MULTI, reading many
streams at once, describing the server) ask `state.keys.is_cluster`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.exceptions import ClusterError, RedisClusterException
from redis.retry import Retry
from redis.sentinel import MasterNotFoundError, Sentinel

from errors import ConfigError, StateError
from settings import Settings
from state.embedded import EmbeddedRedis

_SCHEMES = ("redis://", "rediss://", "unix://", "redis+sentinel://")
_SENTINEL = "redis+sentinel://"
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
            f"Redis URL {shown!r} is not redis://, rediss:// or unix:// (nor redis+sentinel://); "
            "fix --redis-url / OPSQKV_REDIS_URL (e.g. redis://localhost:6379/0)"
        )
    options: dict[str, Any] = {
        "socket_connect_timeout": 3,
        "socket_timeout": socket_timeout_s,
        "health_check_interval": 30,
    }
    try:
        if url.startswith(_SENTINEL):
            client = _sentinel_master(url, options)
        else:
            client = redis.Redis.from_url(url, **options)
    except ValueError as e:
        raise ConfigError(
            f"Redis URL {shown!r} is malformed ({e}); fix --redis-url / OPSQKV_REDIS_URL"
        ) from e
    with _checking(shown):
        try:
            client.ping()
        except redis.ResponseError as e:
            if "cluster mode" not in str(e):  # "SELECT is not allowed in cluster mode"
                raise
            client.close()
            raise _cluster_db_error(shown) from e
        clustered = not url.startswith(("unix://", _SENTINEL)) and _cluster_enabled(client)
    if clustered:
        client.close()
        return _cluster(url, shown, options)
    return client


def _cluster(url: str, shown: str, options: dict[str, Any]) -> redis.Redis:
    """A Redis Cluster client seeded from the node at `url`; it learns the others itself."""
    if urlsplit(url).path.strip("/") not in ("", "0"):
        raise _cluster_db_error(shown)
    options = {k: v for k, v in options.items() if k != "health_check_interval"}
    with _checking(shown):
        client = RedisCluster.from_url(url, **options)
        client.ping()
    return cast(redis.Redis, client)  # same keyed commands; see the module docstring


def _cluster_db_error(shown: str) -> ConfigError:
    return ConfigError(
        f"Redis URL {shown!r} names a database, but that server is a Redis Cluster node "
        "and a cluster has only database 0; drop the /N from the URL"
    )


def _sentinel_master(url: str, options: dict[str, Any]) -> redis.Redis:
    """The master that the sentinels in `url` name; the pool asks them again on a failure."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    hosts: list[tuple[str, int]] = []
    for item in filter(None, netloc.split(",")):
        host, _, port = item.rpartition(":") if ":" in item else (item, "", "26379")
        if not port.isdigit():
            raise ValueError(f"sentinel address {item!r} has no numeric port")
        hosts.append((host or "localhost", int(port)))
    path = [p for p in parts.path.split("/") if p]
    if not hosts or not path or len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
        raise ValueError(
            "expected redis+sentinel://host:port[,host:port...]/service[/db] "
            "(e.g. redis+sentinel://127.0.0.1:26379/mymaster/0)"
        )
    credentials = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else ""
    username, _, password = credentials.partition(":")
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        hosts,
        # One quick retry per sentinel: an unreachable one is skipped for the next, not
        # waited on with the default backoff (seconds each).
        sentinel_kwargs={
            "socket_connect_timeout": 3,
            "socket_timeout": 3,
            "retry": Retry(NoBackoff(), 1),
        },
        **options,
    )
    master = sentinel.master_for(  # type: ignore[no-untyped-call]
        path[0],
        db=int(path[1]) if len(path) == 2 else 0,
        username=unquote(username) or None,
        password=unquote(password) or None,
    )
    return cast(redis.Redis, master)


def _cluster_enabled(client: redis.Redis) -> bool:
    info = client.info("cluster")
    return bool(int(info.get("cluster_enabled", 0)))


@contextmanager
def _checking(shown: str) -> Iterator[None]:
    """Turn the errors of a first contact into one StateError line naming the URL."""
    try:
        yield
    except redis.AuthenticationError as e:
        raise StateError(
            f"Redis at {shown} refused the credentials ({e}); put the right user/password "
            "in the URL"
        ) from e
    except MasterNotFoundError as e:
        raise StateError(
            f"no sentinel at {shown} names a reachable master ({e}); check the service name "
            "and that the sentinels run"
        ) from e
    except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
        raise StateError(
            f"Redis at {shown} is unreachable ({e}); start it, fix --redis-url / "
            "OPSQKV_REDIS_URL, or unset both to use the embedded Redis"
        ) from e
    except (RedisClusterException, ClusterError) as e:
        raise StateError(
            f"the Redis Cluster at {shown} is not usable ({e}); check that `CLUSTER INFO` "
            "on its nodes says cluster_state:ok"
        ) from e
    except redis.ResponseError as e:
        raise StateError(f"Redis at {shown} answered PING with an error ({e})") from e
