"""Building the Redis client from settings: named servers, bad URLs, the embedded server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from errors import ConfigError, StateError
from settings import Settings
from state.connect import connect_url, embedded_for, redact, redis_client
from state.store import SessionStore
from tests.support.env import REPO, TEST_REDIS_URL


@pytest.fixture
def embedded_settings(home: Path) -> Iterator[Settings]:
    """Settings on a temp home with no Redis URL: the embedded server; stopped after the test."""
    settings = Settings(home=home)
    yield settings
    embedded_for(settings.redis_db_path).leave()


def test_state_connect_named_server_answers() -> None:
    assert connect_url(TEST_REDIS_URL).ping()


def test_state_connect_unreachable_url_names_it_and_says_what_to_do() -> None:
    with pytest.raises(StateError, match=r"redis://127\.0\.0\.1:1/0 is unreachable.*start it"):
        connect_url("redis://127.0.0.1:1/0")


def test_state_connect_wrong_scheme_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not redis://, rediss:// or unix://"):
        connect_url("http://localhost:6379")


def test_state_connect_password_is_never_shown() -> None:
    with pytest.raises(StateError) as caught:
        connect_url("redis://user:s3cret@127.0.0.1:1/0")
    assert "s3cret" not in str(caught.value) and "***" in str(caught.value)
    assert redact("rediss://:pw@host:6380/2") == "rediss://:***@host:6380/2"


def test_state_connect_embedded_server_is_shared_within_a_data_dir(
    embedded_settings: Settings,
) -> None:
    first = redis_client(embedded_settings)
    second = redis_client(embedded_settings)
    first.set("k", "v")
    assert second.get("k") == b"v"
    assert (
        first.connection_pool.connection_kwargs["path"]
        == second.connection_pool.connection_kwargs["path"]
    )


def _child(code: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "OPSQKV_HOME": str(home), "PYTHONPATH": str(REPO)}
    env.pop("OPSQKV_REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )


_WRITE = """
    from settings import settings_from_env
    from state.connect import redis_client
    from state.store import SessionStore
    settings = settings_from_env()
    store = SessionStore.from_settings(redis_client(settings), settings)
    session = store.load_or_new("s")
    session.last_route["child"] = 1.0
    store.save(session)
    print("saved", flush=True)
"""


def test_state_connect_embedded_data_outlives_the_last_process(embedded_settings: Settings) -> None:
    """The child is the only client: it saves, exits, the server stops; a new one reloads the data."""
    child = _child(_WRITE, embedded_settings.home)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0 and "saved" in out
    store = SessionStore.from_settings(redis_client(embedded_settings), embedded_settings)
    loaded = store.load("s")
    assert loaded is not None and loaded.last_route == {"child": 1.0}


def test_state_connect_embedded_server_survives_a_killed_client(
    embedded_settings: Settings,
) -> None:
    child = _child(_WRITE + "\n    import time; time.sleep(60)\n", embedded_settings.home)
    assert child.stdout is not None and "saved" in child.stdout.readline()
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    store = SessionStore.from_settings(redis_client(embedded_settings), embedded_settings)
    loaded = store.load("s")
    assert loaded is not None and loaded.last_route == {"child": 1.0}
