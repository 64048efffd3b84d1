"""A real `opsqkv serve` process on a free loopback port, for the service tests (no mocks)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import redis

from service.tokens import TokenStore
from settings import Settings
from tests.support.env import REPO, TEST_REDIS_URL, settings_env


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def service_settings(home: Path, redis_url: str = TEST_REDIS_URL) -> Settings:
    """Settings on a built home with a fresh key prefix of their own."""
    prefix = f"opsqkv-test:svc-{uuid.uuid4().hex[:10]}:"
    return Settings(home=home, redis_url=redis_url, redis_prefix=prefix)


def drop_prefix(settings: Settings) -> None:
    """Delete every key under the settings' prefix (and only those)."""
    client = redis.Redis.from_url(str(settings.redis_url))
    keys = list(client.scan_iter(match=f"{settings.redis_prefix}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


class ServiceProcess:
    """`python -m cli serve` as a subprocess; its output goes to a log file."""

    def __init__(self, settings: Settings, log: Path, *args: str) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "cli", "serve", "--port", str(self.port), *args]
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                command, cwd=REPO, env=settings_env(settings), stdout=out, stderr=out
            )

    def wait_ready(self, timeout_s: float = 180.0) -> None:
        """Wait for /readyz to answer 200 (the model, KB and CMDB are loaded)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"opsqkv serve exited {self.proc.returncode}:\n{self.output}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"opsqkv serve was not ready in {timeout_s}s:\n{self.output}")

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def token(self, tenant: str, rate_per_min: int | None = None) -> str:
        """A new token of `tenant` in the server's Redis."""
        client = redis.Redis.from_url(str(self.settings.redis_url))
        try:
            store = TokenStore(client, prefix=self.settings.redis_prefix)
            return store.create(tenant, rate_per_min=rate_per_min)
        finally:
            client.close()

    def client(self, token: str | None, timeout_s: float = 120.0) -> httpx.Client:
        """An HTTP client of this server, with the bearer token when given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout_s)

    def stop(self) -> int:
        """SIGTERM, then wait; SIGKILL if it will not go. Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_service(settings: Settings, log: Path, *args: str) -> ServiceProcess:
    """A ready server; a failed start is stopped before the error is raised."""
    server = ServiceProcess(settings, log, *args)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server
