"""The tickets streams, read through one consumer group.

Every process that delivers is a consumer of the group `opsqkv-delivery` on each stream:
XREADGROUP hands each new entry to one consumer; the entry stays pending until XACK. A
consumer that dies leaves its entries pending; after `claim_idle_s` without a sign of life
another takes them over with XAUTOCLAIM. A live consumer shows life by XCLAIMing its own
entries (`touch`) while it works on them, so a long retry is never stolen.

Which streams: `<prefix>tickets` (the CLI and `OpsBot`) and, for the service's tenants,
every `<prefix>tenant:<name>:tickets`. They are found by SCAN over stream-typed keys
rather than from the token store: a tenant whose tokens were revoked may still have
tickets to deliver, and a stream is exactly what the worker needs to read.

On a Redis Cluster each prefix has one stream per slot group (`<prefix>{<tag>}tickets`,
state/keys.py), each a queue of its own. One XREADGROUP cannot name streams in different
slots, so there the worker reads each stream without blocking and, when none had
anything, waits a short poll interval instead of a blocking read.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import redis

from state.keys import KeyLayout, is_cluster
from state.redis_errors import redis_errors, text_of

GROUP = "opsqkv-delivery"
CLUSTER_POLL_S = 0.1  # on a cluster: the wait between rounds of non-blocking reads
Fields = dict[bytes | str, bytes | str]


@dataclass(frozen=True)
class Entry:
    """One stream entry handed to this consumer."""

    stream_id: str
    fields: Fields


class TicketQueue:
    """One tickets stream as the delivery group sees it."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str,
        tenant: str | None,
        consumer: str,
        key: str | None = None,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.tenant = tenant
        self.consumer = consumer
        self.key = key or KeyLayout.of(client, prefix).ticket_streams()[0]

    def ensure_group(self) -> None:
        """Create the group at the start of the stream (and the stream) unless it exists.

        At the start, not at `$`: tickets submitted before delivery was set up are delivered
        too, since someone submitted each of them expecting it to reach a ticket system.
        """
        with redis_errors(self.client, f"creating the delivery group on {self.key}"):
            try:
                self.client.xgroup_create(self.key, GROUP, id="0", mkstream=True)
            except redis.ResponseError as e:
                if "BUSYGROUP" not in str(e):
                    raise

    def claim_stale(self, min_idle_s: float, count: int) -> list[Entry]:
        """Entries other consumers left pending for `min_idle_s` or more, now ours."""
        with redis_errors(self.client, f"claiming stale entries of {self.key}"):
            reply = self.client.xautoclaim(
                self.key, GROUP, self.consumer, int(min_idle_s * 1000), "0-0", count=count
            )
        entries = reply[1] if len(reply) > 1 else []
        gone = reply[2] if len(reply) > 2 else []
        if gone:  # pending ids whose entries were deleted from the stream: nothing to deliver
            with redis_errors(self.client, f"acknowledging deleted entries of {self.key}"):
                self.client.xack(self.key, GROUP, *gone)
        return [Entry(text_of(i), f or {}) for i, f in entries if i is not None]

    def touch(self, stream_ids: list[str]) -> None:
        """Reset the idle time of entries we are still working on (JUSTID: no retry count)."""
        if stream_ids:
            with redis_errors(self.client, f"renewing entries of {self.key}"):
                ids: list[Any] = list(stream_ids)
                self.client.xclaim(self.key, GROUP, self.consumer, 0, ids, justid=True)

    def ack(self, stream_id: str) -> None:
        """The entry is finished: every sink has a result."""
        with redis_errors(self.client, f"acknowledging {stream_id} of {self.key}"):
            self.client.xack(self.key, GROUP, stream_id)

    def pending(self) -> int:
        """Entries handed out and not yet acknowledged, by any consumer."""
        with redis_errors(self.client, f"counting pending entries of {self.key}"):
            try:
                summary = self.client.xpending(self.key, GROUP)
            except redis.ResponseError as e:
                if "NOGROUP" in str(e):
                    return 0
                raise
        return int(summary["pending"])

    def forget_idle_consumers(self, idle_s: float) -> None:
        """Drop consumers with nothing pending that were idle this long (dead processes)."""
        with redis_errors(self.client, f"listing the consumers of {self.key}"):
            for info in self.client.xinfo_consumers(self.key, GROUP):
                name = text_of(info["name"])
                if name != self.consumer and info["pending"] == 0 and info["idle"] > idle_s * 1000:
                    self.client.xgroup_delconsumer(self.key, GROUP, name)


def queues_of(
    client: redis.Redis, *, prefix: str, tenant: str | None, consumer: str
) -> list[TicketQueue]:
    """A queue for each tickets stream under `prefix` (one, or one per slot group)."""
    return [
        TicketQueue(client, prefix=prefix, tenant=tenant, consumer=consumer, key=key)
        for key in KeyLayout.of(client, prefix).ticket_streams()
    ]


def read_new(
    client: redis.Redis,
    queues: list[TicketQueue],
    consumer: str,
    *,
    count: int,
    block_s: float | None,
) -> list[tuple[TicketQueue, Entry]]:
    """New entries of any of `queues` for this consumer, waiting up to `block_s` for one."""
    if not queues or count <= 0:
        return []
    if is_cluster(client):
        return _read_each(client, queues, consumer, count=count, block_s=block_s)
    by_key = {q.key: q for q in queues}
    block = None if block_s is None else max(1, int(block_s * 1000))
    streams: dict[Any, Any] = dict.fromkeys(by_key, ">")
    reply: Any
    with redis_errors(client, "reading the tickets streams"):
        try:
            reply = client.xreadgroup(GROUP, consumer, streams, count=count, block=block)
        except redis.ResponseError as e:
            if "NOGROUP" not in str(e):
                raise
            for queue in queues:  # a stream was deleted under us: start it again
                queue.ensure_group()
            reply = client.xreadgroup(GROUP, consumer, streams, count=count, block=block)
    found: list[tuple[TicketQueue, Entry]] = []
    for raw_key, entries in reply or []:
        queue = by_key[text_of(raw_key)]
        found += [(queue, Entry(text_of(i), f or {})) for i, f in entries if i is not None]
    return found


def _read_each(
    client: redis.Redis,
    queues: list[TicketQueue],
    consumer: str,
    *,
    count: int,
    block_s: float | None,
) -> list[tuple[TicketQueue, Entry]]:
    """`read_new` on a cluster: one non-blocking XREADGROUP per stream (each its own slot)."""
    deadline = None if block_s is None else time.monotonic() + block_s
    while True:
        found: list[tuple[TicketQueue, Entry]] = []
        for queue in queues:
            if len(found) >= count:
                break
            reply: Any
            with redis_errors(client, f"reading the tickets stream {queue.key}"):
                try:
                    reply = client.xreadgroup(
                        GROUP, consumer, {queue.key: ">"}, count=count - len(found)
                    )
                except redis.ResponseError as e:
                    if "NOGROUP" not in str(e):
                        raise
                    queue.ensure_group()  # the stream was deleted under us: start it again
                    continue
            for _key, entries in reply or []:
                found += [(queue, Entry(text_of(i), f or {})) for i, f in entries if i is not None]
        if found or deadline is None or time.monotonic() >= deadline:
            return found
        time.sleep(min(CLUSTER_POLL_S, max(0.0, deadline - time.monotonic())))


def find_prefixes(client: redis.Redis, prefix: str) -> list[tuple[str, str | None]]:
    """(prefix, tenant) of the root stream and of every tenant's stream under `prefix`."""
    found: list[tuple[str, str | None]] = [(prefix, None)]
    tag = r"\{[^}]*\}" if is_cluster(client) else ""
    pattern = f"{_glob_escape(prefix)}tenant:*:{'{*}' if tag else ''}tickets"
    tenant_of = re.compile(rf"^{re.escape(prefix)}tenant:([^:]+):{tag}tickets$")
    with redis_errors(client, "looking for tenants' ticket streams"):
        keys = sorted(
            text_of(k) for k in client.scan_iter(match=pattern, count=1000, _type="STREAM")
        )
    for key in keys:
        match = tenant_of.match(key)
        if match and (f"{prefix}tenant:{match.group(1)}:", match.group(1)) not in found:
            found.append((f"{prefix}tenant:{match.group(1)}:", match.group(1)))
    return found


def _glob_escape(text: str) -> str:
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)
