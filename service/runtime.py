"""`Runtime`: what one worker process holds while it serves: the bot, Redis, tokens, limits."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

import redis
import torch

from agents import OpsBot
from service.config import ServiceConfig, WorkerConfig, tenant_prefix
from service.ratelimit import RateLimiter
from service.tokens import TokenStore
from settings import Settings
from state.connect import connect_url, redis_client


@dataclass
class Runtime:
    """One per worker: the heavy bot, loaded once, and a light per-tenant view of it."""

    settings: Settings
    config: ServiceConfig
    client: redis.Redis
    bot: OpsBot
    tokens: TokenStore
    limiter: RateLimiter
    _tenants: dict[str, OpsBot] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, worker: WorkerConfig) -> Runtime:
        """Connect to Redis and load the model, the KB and the CMDB (the slow part)."""
        settings, config = worker.settings, worker.service
        # Workers share the cores: one worker's intra-op threads should not starve another's.
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // config.workers))
        if settings.redis_url:
            client = connect_url(settings.redis_url, socket_timeout_s=config.redis_timeout_s)
        else:
            client = redis_client(settings)
        bot = OpsBot.open(settings=settings, client=client)  # the settings' shared encoder
        bot.max_message_chars = config.max_text_chars
        return cls(
            settings=settings,
            config=config,
            client=client,
            bot=bot,
            tokens=TokenStore(client, prefix=settings.redis_prefix),
            limiter=RateLimiter(client, prefix=settings.redis_prefix),
        )

    def bot_for(self, tenant: str) -> OpsBot:
        """The bot keeping sessions and tickets under `tenant`'s own key prefix."""
        with self._lock:
            if tenant not in self._tenants:
                self._tenants[tenant] = self.bot.for_prefix(
                    tenant_prefix(self.settings, tenant), lock_wait_s=self.config.lock_wait_s
                )
            return self._tenants[tenant]

    def close(self) -> None:
        """Drop the Redis connections (the embedded server stays up for other processes)."""
        self.client.close()
