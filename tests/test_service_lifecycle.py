"""A server's life over real HTTP: its Redis going away and coming back, and SIGTERM mid-turn."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from service_server import ServiceProcess, free_port, service_settings, start_service

from agents import OpsBot
from service.config import tenant_prefix
from settings import Settings
from state.embedded import redis_server_binary


class PrivateRedis:
    """A redis-server of our own on a free port, so the test may stop it."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [str(redis_server_binary()), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(
    bot: OpsBot,
    bot_settings: Settings,
    private_redis: PrivateRedis,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServiceProcess]:
    """A server on the private Redis; a turn waits up to 20 s for a busy session."""
    settings = service_settings(bot_settings.home, redis_url=private_redis.url)
    log = tmp_path_factory.mktemp("svc-life") / "serve.log"
    proc = start_service(settings, log, "--lock-wait", "20")
    yield proc
    proc.stop()


def test_service_redis_outage_is_503_then_recovers(
    server: ServiceProcess, private_redis: PrivateRedis
) -> None:
    token = server.token("life")
    private_redis.stop()
    try:
        with server.client(token, timeout_s=30) as http:
            started = time.monotonic()
            down = http.post(f"/v1/sessions/s-{uuid.uuid4().hex[:6]}/messages", json={"text": "hi"})
            elapsed = time.monotonic() - started
            ready = http.get("/readyz")
    finally:
        private_redis.start()
    assert down.status_code == 503 and elapsed < 10, down.text
    error = down.json()["error"]
    assert error["code"] == "unavailable" and "unreachable" in error["message"]
    assert "Traceback" not in down.text
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
    with server.client(None) as http:
        assert http.get("/readyz").status_code == 200  # the same process, Redis back


def test_service_sigterm_finishes_the_turn_in_flight(server: ServiceProcess) -> None:
    token = server.token("life")  # the Redis restarted empty: a fresh token
    sid = f"term-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(str(server.settings.redis_url))
    lock = f"{tenant_prefix(server.settings, 'life')}lock:{sid}"
    client.set(lock, "held-by-the-test", px=30_000)  # the turn will wait for this lock
    answer: list[httpx.Response] = []

    def post() -> None:
        with server.client(token) as http:
            answer.append(http.post(f"/v1/sessions/{sid}/messages", json={"text": "hello"}))

    sender = threading.Thread(target=post)
    sender.start()
    time.sleep(2.0)  # the request is in, its turn waiting for the session lock
    server.proc.send_signal(signal.SIGTERM)
    time.sleep(1.0)
    with pytest.raises(httpx.TransportError):  # no new connections once stopping
        httpx.get(f"{server.url}/healthz", timeout=2)
    client.delete(lock)
    sender.join(timeout=60)
    code = server.proc.wait(timeout=60)
    stored = client.get(f"{tenant_prefix(server.settings, 'life')}session:{sid}")
    client.close()
    assert answer and answer[0].status_code == 200, answer[0].text if answer else "no answer"
    # uvicorn re-raises the signal once it has shut down cleanly, as a daemon should.
    assert code in (0, -signal.SIGTERM), server.output
    assert stored is not None and b'"hello"' in stored
