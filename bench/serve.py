"""Load on `opsqkv serve`: N concurrent sessions over HTTP against 2 workers, vs in-process.

    python -m bench.serve                                  # 50 sessions x 20 turns, 2 workers
    python -m bench.serve --sessions 10 --turns 6          # a quick look
    python -m bench.serve --redis-url redis://127.0.0.1:6379/13 --skip-baseline

Starts `python -m cli serve --workers W` on a free loopback port and a real Redis (keys
under a private prefix, deleted at the end), then drives every session at once with
httpx's async client: each session sends its turns one after another (a person waits for
the answer), mixing Q&A, CMDB and ticket turns, each with a message_id. Reports p50/p99 per
agent and turns per second. The same workload then runs through `OpsBot.handle` in this
process (one thread per core) as the baseline. Last, Redis is read back: every session must
hold exactly its user turns, in order, each once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis

from bench.common import console, print_footer, summarize, table, write_result
from service.config import tenant_prefix
from service.tokens import TokenStore
from settings import Settings, settings_from_env

QA = [
    "how do I fix a full disk",
    "nginx returns 502 bad gateway, what should I check",
    "we ran out of inodes although df shows free space",
    "how do I deal with mysql replication lag",
    "what should I do about pods stuck in CrashLoopBackOff",
    "how do I renew a TLS certificate that expires tomorrow",
    "the OOM killer keeps killing java, how do I fix it",
    "how do I fix mysql too many connections",
]
CMDB = [
    "how many hosts per idc",
    "prod mysql hosts in idc sh-1 with cpu over 80%",
    "count prod hosts by os",
    "staging redis hosts in sh-1",
    "how many mysql hosts per env",
]
TICKET = ["open an incident: {service} is down since 10:30", "sev1", "customers cannot pay", "yes"]
SERVICES = ["payment-api", "order-service", "checkout-web", "user-service"]


def script(session: int, turns: int) -> list[str]:
    """The turns of one session: Q&A, CMDB, then a four-turn incident, and again."""
    out: list[str] = []
    k = session
    while len(out) < turns:
        service = SERVICES[k % len(SERVICES)]
        block = [QA[k % len(QA)], CMDB[k % len(CMDB)], *[t.format(service=service) for t in TICKET]]
        out.extend(block)
        k += 1
    return out[:turns]


@dataclass
class Load:
    """What one run measured."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    turns: int = 0


async def drive_http(url: str, token: str, sids: list[str], turns: int, budget_s: float) -> Load:
    """Every session at once, each turn after the previous answer; stops at the budget."""
    load = Load()
    deadline = time.monotonic() + budget_s
    limits = httpx.Limits(max_connections=len(sids), max_keepalive_connections=len(sids))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=budget_s, limits=limits
    ) as http:

        async def session(i: int, sid: str) -> None:
            for n, text in enumerate(script(i, turns)):
                if time.monotonic() > deadline:
                    load.failures.append(f"{sid}: out of time before turn {n}")
                    return
                start = time.perf_counter()
                body = {"text": text, "message_id": f"{sid}-{n}"}
                r = await http.post(f"/v1/sessions/{sid}/messages", json=body)
                if r.status_code != 200:
                    load.failures.append(f"{sid} turn {n}: {r.status_code} {r.text[:200]}")
                    return
                load.latencies[r.json()["agent"]].append(time.perf_counter() - start)
                load.turns += 1

        start = time.perf_counter()
        await asyncio.gather(*(session(i, sid) for i, sid in enumerate(sids)))
        load.wall_s = time.perf_counter() - start
    return load


def drive_in_process(settings: Settings, sids: list[str], turns: int, threads: int) -> Load:
    """The same sessions through `OpsBot.handle` in this process, `threads` at a time."""
    from agents import OpsBot

    bot = OpsBot.open(settings=settings)
    for text in ("how many hosts", "how do I fix a full disk", "open an incident"):
        bot.handle(f"warm-{uuid.uuid4().hex[:6]}", text)
    load = Load()

    def session(i: int) -> None:
        for n, text in enumerate(script(i, turns)):
            start = time.perf_counter()
            reply = bot.handle(sids[i], text, message_id=f"{sids[i]}-{n}")
            load.latencies[reply.agent].append(time.perf_counter() - start)
            load.turns += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(session, range(len(sids))))
    load.wall_s = time.perf_counter() - start
    return load


def check_sessions(
    client: redis.Redis, prefix: str, sids: list[str], turns: int, history_limit: int
) -> dict[str, int]:
    """Read every session back: its user turns must be its script, in order, each once."""
    lost = duplicated = reordered = ok = 0
    for i, sid in enumerate(sids):
        raw = client.get(f"{prefix}session:{sid}")
        history = [] if raw is None else json.loads(raw)["history"]
        users = [t["text"] for t in history if t["role"] == "user"]
        want = script(i, turns)
        if len(history) >= history_limit:  # the oldest turns were trimmed on purpose
            want = want[len(want) - len(users) :] if len(users) <= len(want) else want
        if users == want:
            ok += 1
            continue
        lost += max(0, len(want) - len(users))
        duplicated += max(0, len(users) - len(want))
        reordered += int(len(users) == len(want))
    return {"sessions_ok": ok, "lost": lost, "duplicated": duplicated, "reordered": reordered}


def start_server(
    settings: Settings, workers: int, log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m cli serve --workers N` on a free loopback port, once /readyz answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "OPSQKV_HOME": str(settings.home),
        "OPSQKV_REDIS_URL": str(settings.redis_url),
        "OPSQKV_REDIS_PREFIX": settings.redis_prefix,
    }
    command = [sys.executable, "-m", "cli", "serve", "--port", str(port)]
    command += ["--workers", str(workers), "--rate", "1000000", "--lock-wait", "60"]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=out)  # noqa: S603 (argv list, no shell)
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        if proc.poll() is not None:
            raise SystemExit(f"opsqkv serve exited {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    proc.terminate()
    raise SystemExit(f"opsqkv serve was not ready in 300 s:\n{log.read_text()}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20, help="turns per session")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="baseline")
    parser.add_argument("--budget-s", type=float, default=900.0, help="HTTP run time limit")
    parser.add_argument("--redis-url", default=None, help="default: OPSQKV_REDIS_URL")
    parser.add_argument("--skip-baseline", action="store_true")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    base = settings_from_env(redis_url=args.redis_url)
    if not base.redis_url:
        raise SystemExit("bench.serve needs a real Redis: --redis-url or OPSQKV_REDIS_URL")
    run = uuid.uuid4().hex[:8]
    settings = base.model_copy(update={"redis_prefix": f"opsqkv-bench:serve-{run}:"})
    client = redis.Redis.from_url(str(settings.redis_url))
    log = Path(tempfile.mkdtemp(prefix="opsqkv-bench-serve-")) / "serve.log"
    sids = [f"load-{run}-{i}" for i in range(args.sessions)]
    try:
        with console.status(f"starting opsqkv serve --workers {args.workers}"):
            proc, url = start_server(settings, args.workers, log)
        try:
            token = TokenStore(client, prefix=settings.redis_prefix).create("bench")
            with console.status(f"{args.sessions} sessions x {args.turns} turns over HTTP"):
                http = asyncio.run(drive_http(url, token, sids, args.turns, args.budget_s))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
        tenant = tenant_prefix(settings, "bench")
        checks = {"http": check_sessions(client, tenant, sids, args.turns, base.history_limit)}
        local = None
        if not args.skip_baseline:
            with console.status(f"the same workload in-process, {args.threads} threads"):
                local = drive_in_process(settings, sids, args.turns, args.threads)
            checks["in_process"] = check_sessions(
                client, settings.redis_prefix, sids, args.turns, base.history_limit
            )
    finally:
        keys = list(client.scan_iter(match=f"{settings.redis_prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        client.close()
    payload: dict[str, Any] = {"http": _summary(http)}
    payload["in_process"] = None if local is None else _summary(local)
    payload["checks"] = checks
    payload["failures"] = http.failures[:20]
    if local is not None and local.wall_s and http.wall_s:
        payload["throughput_ratio"] = (http.turns / http.wall_s) / (local.turns / local.wall_s)
    _print(payload)
    print_footer(write_result("serve", vars(args), payload))


def _summary(load: Load) -> dict[str, Any]:
    every = [s for samples in load.latencies.values() for s in samples]
    return {
        "turns": load.turns,
        "wall_s": load.wall_s,
        "turns_per_s": load.turns / load.wall_s if load.wall_s else 0.0,
        "all": summarize(every).as_dict(),
        "by_agent": {k: summarize(v).as_dict() for k, v in sorted(load.latencies.items())},
    }


def _print(payload: dict[str, Any]) -> None:
    rows = []
    for name in ("http", "in_process"):
        run = payload[name]
        if run is None:
            continue
        for agent, t in [("all", run["all"]), *run["by_agent"].items()]:
            rows.append((name, agent, t["n"], t["p50_ms"], t["p99_ms"], None))
        rows.append((name, "throughput (turns/s)", run["turns"], None, None, run["turns_per_s"]))
    console.print(table("bench.serve", ["run", "agent", "n", "p50 ms", "p99 ms", "turns/s"], rows))
    if "throughput_ratio" in payload:
        console.print(f"HTTP (workers) / in-process throughput: {payload['throughput_ratio']:.2f}")
    console.print(f"Redis check: {payload['checks']}")
    for failure in payload["failures"]:
        console.print(f"[red]failed:[/] {failure}")


if __name__ == "__main__":
    main()
