"""`RateLimiter`: requests per token per minute, counted in Redis so it holds across workers.

Keys, under the settings' prefix:
    <prefix>rate:<token id>:<minute>    a counter that expires with its minute

A fixed one-minute window: INCR and the first PEXPIRE run in one Lua script, so two workers
counting the same token at once never lose an increment or leave a counter without expiry.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import redis

from errors import RateLimited
from state.redis_errors import redis_errors

_WINDOW_MS = 60_000

# Returns the count after this request and the milliseconds left in the window.
_COUNT = """
local n = redis.call('incr', KEYS[1])
if n == 1 then
    redis.call('pexpire', KEYS[1], ARGV[1])
end
return {n, redis.call('pttl', KEYS[1])}
"""


class RateLimiter:
    """Counts requests per token and refuses those over the limit."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "opsqkv:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.clock = clock
        self._count = client.register_script(_COUNT)

    def hit(self, token_id: str, limit: int) -> int:
        """Count one request; returns how many are left, raises RateLimited past `limit`."""
        window = int(self.clock() * 1000) // _WINDOW_MS
        key = f"{self.prefix}rate:{token_id}:{window}"
        with redis_errors(self.client, "counting the request against the rate limit"):
            count, ttl_ms = self._count(keys=[key], args=[_WINDOW_MS])
        if int(count) > limit:
            retry = max(1, math.ceil(max(int(ttl_ms), 0) / 1000))
            raise RateLimited(
                f"this token is limited to {limit} requests per minute; "
                f"retry in {retry} s or ask for a token with a higher --rate",
                retry_after_s=retry,
            )
        return limit - int(count)
