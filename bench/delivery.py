"""Ticket delivery under failure: 200 tickets, a flaky sink, a sink that is down and comes back.

    python -m bench.delivery                       # 200 tickets, 3 passes (burst, redeliver, steady)
    python -m bench.delivery --tickets 50 --rate 20
    python -m bench.delivery --redis-url redis://127.0.0.1:6379/13

Two local receivers on loopback sockets, shaped like ServiceNow (the flaky one: HTTP 500
on the first two attempts of every ticket) and a webhook (down: 503 to everything). A real
Redis (keys under a private prefix, deleted at the end) holds the tickets stream.

1. burst: every ticket appended, then one `DeliveryWorker.run_once`; created-exactly-once
   counts at the receivers, duplicates, dead letters, tickets per second.
2. recover: the webhook comes back; `redeliver` of every dead letter; the same counts.
3. steady: a worker runs on a thread while tickets arrive at `--rate` per second; the
   latency from XADD to "created" in the flaky sink (two failures and two backoffs each).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

from bench.common import console, print_footer, summarize, table, write_result
from delivery.config import WorkerOptions, load_sinks
from delivery.records import DeliveryRecords
from delivery.redeliver import redeliver
from delivery.retrying import DeliveryEvent
from delivery.sinks import Sink, open_sinks
from delivery.worker import DeliveryWorker
from state.models import Ticket
from state.tickets import TicketSink
from tests.delivery_fakes import SECRETS_ENV, FakeService, FakeServiceNow, FakeWebhook, sinks_yaml


def tickets(n: int, tag: str) -> list[Ticket]:
    """`n` incident tickets with distinct ids."""
    return [
        Ticket(
            id=f"incident-{tag}-{i:06d}",
            template="incident",
            values={"service": f"svc-{i % 40}", "severity": "P2", "symptom": "errors"},
            created_at=datetime.now(UTC),
            session_id=f"bench-{i}",
        )
        for i in range(n)
    ]


def counts(service: FakeService, wanted: list[Ticket]) -> dict[str, int]:
    """How many of `wanted` the receiver holds once, more than once, or not at all."""
    ids = {t.id for t in wanted}
    return {
        "created_once": sum(1 for t in ids if service.created[t] == 1),
        "duplicates": sum(max(0, service.created[t] - 1) for t in ids),
        "missing": sum(1 for t in ids if service.created[t] == 0),
        "requests": len(service.seen),
    }


@contextmanager
def private_prefix(client: redis.Redis) -> Iterator[str]:
    """A key prefix of this run; every key under it deleted afterwards."""
    prefix = f"opsqkv-bench:delivery-{uuid.uuid4().hex[:8]}:"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)


def open_bench_sinks(args: argparse.Namespace, *services: FakeService) -> list[Sink]:
    """The sinks file the receivers need, loaded the way `opsqkv ticket deliver` loads it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sinks.yaml"
        text = sinks_yaml(
            *services,
            backoff_s=args.backoff,
            max_attempts=args.attempts,
            concurrency=args.concurrency,
        )
        path.write_text(text, encoding="utf-8")
        return open_sinks(load_sinks(path, SECRETS_ENV))


def burst_and_recover(client: redis.Redis, args: argparse.Namespace) -> dict[str, Any]:
    """Passes 1 and 2."""
    flaky, down = FakeServiceNow().start(), FakeWebhook().start()
    flaky.knobs.fail_first, down.knobs.down = 2, True
    sinks = open_bench_sinks(args, flaky, down)
    batch = tickets(args.tickets, "burst")
    try:
        with private_prefix(client) as prefix:
            source = TicketSink(client, prefix=prefix)
            for ticket in batch:
                source.append(ticket)
            options = WorkerOptions(concurrency=args.concurrency)
            worker = DeliveryWorker(client, sinks, prefix=prefix, options=options)
            started = time.perf_counter()
            summary = worker.run_once(within_s=args.within)
            burst_s = time.perf_counter() - started
            records = DeliveryRecords(client, prefix=prefix)
            dead_after_burst = len(records.dead_letters())
            burst = {
                "seconds": burst_s,
                "tickets_per_s": len(batch) / burst_s,
                "flaky": counts(flaky, batch),
                "down": counts(down, batch),
                "dead_letters": dead_after_burst,
                "pending": summary.pending,
                "retries": summary.retries,
            }
            down.knobs.down = False
            started = time.perf_counter()
            again = redeliver(client, sinks, prefix=prefix, ticket_id=None, within_s=args.within)
            recover_s = time.perf_counter() - started
            recover = {
                "seconds": recover_s,
                "redelivered": sum(1 for r in again if r.status == "created"),
                "flaky": counts(flaky, batch),
                "down": counts(down, batch),
                "dead_letters": len(records.dead_letters()),
            }
    finally:
        for sink in sinks:
            sink.close()
        flaky.stop()
        down.stop()
    return {"burst": burst, "recover": recover}


def steady(client: redis.Redis, args: argparse.Namespace) -> dict[str, Any]:
    """Pass 3: latency from XADD to created while tickets arrive at `args.rate` per second."""
    flaky = FakeServiceNow().start()
    flaky.knobs.fail_first = 2
    sinks = open_bench_sinks(args, flaky)
    batch = tickets(args.tickets, "steady")
    appended: dict[str, float] = {}
    created: dict[str, float] = {}

    def on_event(event: DeliveryEvent) -> None:
        if event.kind == "created":
            created[event.ticket_id] = time.monotonic()

    try:
        with private_prefix(client) as prefix:
            source = TicketSink(client, prefix=prefix)
            options = WorkerOptions(concurrency=args.concurrency, block_s=0.2)
            worker = DeliveryWorker(
                client, sinks, prefix=prefix, options=options, on_event=on_event
            )
            worker.queues()  # the group exists before the first ticket
            stop = threading.Event()
            thread = threading.Thread(target=worker.run, args=(stop,))
            thread.start()
            for ticket in batch:
                appended[ticket.id] = time.monotonic()
                source.append(ticket)
                time.sleep(1.0 / args.rate)
            deadline = time.monotonic() + args.within
            while len(created) < len(batch) and time.monotonic() < deadline:
                time.sleep(0.05)
            stop.set()
            thread.join()
    finally:
        for sink in sinks:
            sink.close()
        flaky.stop()
    latency = summarize([created[t] - appended[t] for t in created])
    return {"latency": latency.as_dict(), "flaky": counts(flaky, batch)}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    default_url = os.environ.get("OPSQKV_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    parser.add_argument("--redis-url", default=default_url)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--attempts", type=int, default=3, help="max attempts per sink")
    parser.add_argument("--backoff", type=float, default=0.05, help="first backoff, seconds")
    parser.add_argument("--rate", type=float, default=50.0, help="steady pass: tickets/s")
    parser.add_argument("--within", type=float, default=120.0, help="bound of each pass, s")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    client = redis.Redis.from_url(args.redis_url)
    client.ping()
    result = burst_and_recover(client, args)
    result["steady"] = steady(client, args)
    client.close()
    burst, recover, flow = result["burst"], result["recover"], result["steady"]
    rows = [
        [
            "1 burst",
            burst["flaky"]["created_once"],
            burst["flaky"]["duplicates"],
            burst["down"]["created_once"],
            burst["dead_letters"],
            f"{burst['tickets_per_s']:.0f}/s",
        ],
        [
            "2 redeliver",
            recover["flaky"]["created_once"],
            recover["flaky"]["duplicates"] + recover["down"]["duplicates"],
            recover["down"]["created_once"],
            recover["dead_letters"],
            f"{recover['redelivered'] / recover['seconds']:.0f}/s",
        ],
        [
            "3 steady",
            flow["flaky"]["created_once"],
            flow["flaky"]["duplicates"],
            None,
            None,
            f"{args.rate:.0f}/s offered",
        ],
    ]
    console.print(
        table(
            f"{args.tickets} tickets · flaky sink fails 2 attempts each · webhook down, then back",
            ["pass", "flaky: once", "duplicates", "webhook: once", "dead letters", "throughput"],
            rows,
        )
    )
    lat = flow["latency"]
    console.print(
        f"steady latency, XADD → created in the flaky sink (2 failures, backoff "
        f"{args.backoff:g}s doubling): p50 {lat['p50_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms, "
        f"n={lat['n']}"
    )
    print_footer(write_result("delivery", vars(args), result))


if __name__ == "__main__":
    main()
