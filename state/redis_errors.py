"""Where redis-py errors enter: wrapped once into StateError naming the server and what to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis
from redis.cluster import RedisCluster
from redis.exceptions import ClusterError, RedisClusterException
from redis.sentinel import SentinelConnectionPool

from errors import StateError


def describe(client: redis.Redis) -> str:
    """The server a client talks to, as a URL without its password."""
    if isinstance(client, RedisCluster):
        node = client.get_default_node()
        return f"the cluster of redis://{node.host}:{node.port}" if node else "the cluster"
    pool = client.connection_pool
    if isinstance(pool, SentinelConnectionPool):
        hosts = ",".join(f"{h}:{p}" for h, p in _sentinel_hosts(pool))
        return f"redis+sentinel://{hosts}/{pool.service_name}"
    kw = pool.connection_kwargs
    if kw.get("path"):
        return f"unix://{kw['path']}"
    scheme = "rediss" if kw.get("ssl") or "ssl_cert_reqs" in kw else "redis"
    return f"{scheme}://{kw.get('host', 'localhost')}:{kw.get('port', 6379)}/{kw.get('db', 0)}"


@contextmanager
def redis_errors(client: redis.Redis, doing: str) -> Iterator[None]:
    """Turn a redis-py error raised while `doing` into one StateError line."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as e:
        raise StateError(
            f"Redis at {describe(client)} is unreachable while {doing} ({e}); "
            "start it, or point --redis-url / OPSQKV_REDIS_URL at a running server"
        ) from e
    except (ClusterError, RedisClusterException) as e:
        # ClusterDownError, TryAgain, a slot without a master: mostly a fail-over in progress.
        raise StateError(
            f"Redis at {describe(client)} could not serve a slot while {doing} "
            f"({_first_line(e)}); a fail-over may be under way: retry in a few seconds, and "
            "check `CLUSTER INFO` says cluster_state:ok"
        ) from e
    except redis.ResponseError as e:
        if _cannot_persist(e):
            raise StateError(
                f"Redis at {describe(client)} cannot write its data to disk while {doing} "
                f"({_first_line(e)}); nothing was saved: free disk space where that Redis "
                "keeps its data (the embedded one: the data dir's redis/ folder) and retry"
            ) from e
        raise StateError(
            f"Redis at {describe(client)} refused a command while {doing} ({e}); "
            "check that the URL names a Redis server this user may write to"
        ) from e


def _sentinel_hosts(pool: SentinelConnectionPool) -> list[tuple[str, int]]:
    sentinels = getattr(pool.sentinel_manager, "sentinels", [])
    found = []
    for sentinel in sentinels:
        kw = sentinel.connection_pool.connection_kwargs
        found.append((str(kw.get("host", "?")), int(kw.get("port", 26379))))
    return found


def _cannot_persist(error: redis.ResponseError) -> bool:
    """MISCONF: Redis refuses writes because it could not write its AOF or RDB file."""
    text = str(error)
    return "MISCONF" in text or "writing to the AOF" in text


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def text_of(raw: bytes | str) -> str:
    """A reply as text, whether or not the client decodes responses."""
    return raw.decode() if isinstance(raw, bytes) else raw
