"""`FirstSeen`: a short memory in Redis that tells a first delivery from a repeat."""

from __future__ import annotations

import redis

from state.redis_errors import redis_errors


class FirstSeen:
    """`first(key)` is True for exactly one caller while the key lives, across all workers.

    SET NX is one atomic command: two workers that receive the same Slack retry at the same
    moment cannot both see "first" (a GET-then-SET could).
    """

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def first(self, key: str, ttl_s: int) -> bool:
        """Remember `key` for `ttl_s` seconds; True when nobody had it in mind already."""
        with redis_errors(self.client, "checking for a repeated chat request"):
            return bool(self.client.set(f"{self.prefix}{key}", b"1", nx=True, ex=ttl_s))
