"""Shared fixtures: the real model once per session, a real Redis under a private prefix, a temp home."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fault_redis import RedisProcess

from agents import OpsBot
from knowledge.default_encoder import shared_encoder
from knowledge.encoder import Encoder
from settings import Settings
from tests.support.env import TEST_REDIS_URL


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The shipped all-MiniLM-L6-v2, loaded once for the whole run: the process's shared default
    encoder, so the CLI, OpsBot and every `open(...)` without an encoder get this one too."""
    return shared_encoder()


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix no other test (or other user of this Redis) writes under."""
    return f"opsqkv-test:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def redis_client(redis_prefix: str) -> Iterator[redis.Redis]:
    """A client of the real test Redis; deletes only the keys written under this test's prefix."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as e:
        pytest.fail(f"the test Redis at {TEST_REDIS_URL} does not answer ({e}); run ./go test")
    yield client
    keys = list(client.scan_iter(match=f"{redis_prefix}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh OPSQKV_HOME, so nothing a test writes lands in the user's data dir."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("OPSQKV_HOME", str(path))
    monkeypatch.delenv("OPSQKV_REDIS_URL", raising=False)
    return path


@pytest.fixture
def settings(home: Path, redis_prefix: str) -> Settings:
    """Settings on the temp home and the test Redis."""
    return Settings(home=home, redis_url=TEST_REDIS_URL, redis_prefix=redis_prefix)


@pytest.fixture(scope="session")
def bot_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One home (demo KB and CMDB built once) and one Redis prefix for every OpsBot test."""
    prefix = f"opsqkv-test:bot-{uuid.uuid4().hex[:10]}:"
    home = tmp_path_factory.mktemp("bot-home")
    yield Settings(home=home, redis_url=TEST_REDIS_URL, redis_prefix=prefix)
    client = redis.Redis.from_url(TEST_REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="session")
def bot(bot_settings: Settings, encoder: Encoder) -> OpsBot:
    """The whole bot on the demo KB, the demo CMDB and the real test Redis."""
    return OpsBot.open(settings=bot_settings, encoder=encoder)


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A private redis-server with AOF on (for the fault tests, which kill it), stopped after."""
    proc = RedisProcess(tmp_path / "redis").start()
    yield proc
    proc.stop()


@pytest.fixture
def built_home(bot: OpsBot) -> Path:
    """The session's data dir, with the demo KB and CMDB already built."""
    return bot.settings.home
