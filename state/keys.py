"""Where each record lives in Redis: one key layout for a single server, one for a Cluster.

A Redis Cluster runs a MULTI/EXEC (or a Lua script) only when all its keys hash to one
slot. The session commit writes the session, its reply log and -- when the turn submitted
a ticket -- a tickets stream entry in one MULTI/EXEC, with the session key WATCHed; the
lock guards the same session. Those keys must share a slot, yet one global stream cannot
share a slot with every session (all sessions would live on one master).

So on a cluster the tickets stream is split in `SHARDS` streams, one per slot group, and a
session belongs to the group its id hashes to (crc32 % SHARDS). Every key of the session
and its group's stream carry the group's hash tag:

    <prefix>{<tag>}session:<id>   <prefix>{<tag>}lock:<id>   <prefix>{<tag>}replies:<id>
    <prefix>{<tag>}quarantine:<id>:<ms>                       <prefix>{<tag>}tickets

The commit stays one MULTI/EXEC on one master, so "no lost update" (WATCH on the session
key) and "a ticket is appended exactly when its session commits" hold as on one server:
no relay, no outbox, no window where one is written and not the other. Readers (export,
`GET /v1/tickets`, the delivery worker) read every group's stream. The tags are chosen so
the SHARDS slots are spread evenly over the 16384 (the 3 masters `redis-cli --cluster
create` makes get 6, 5 and 5 groups). SHARDS bounds the spread (sessions use at most 16
masters) and is fixed: changing it would move sessions to other keys.

Delivery bookkeeping (results, attempts, dead letters) is per prefix, not per session:
its keys share the tag `{<prefix>}`, so one tenant's records change together in a script.

On a single server (or behind Sentinel) there is one group and no tags: the key names
are exactly those of earlier versions, so existing data keeps working.
"""

from __future__ import annotations

import zlib
from functools import cache

import redis
from redis.cluster import RedisCluster
from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot

SHARDS = 16


def is_cluster(client: redis.Redis) -> bool:
    """True for a Redis Cluster client (connect.py hands one out typed as redis.Redis)."""
    return isinstance(client, RedisCluster)


@cache
def shard_tags() -> tuple[str, ...]:
    """SHARDS hash tags; tag k hashes into the k-th of SHARDS equal slot ranges."""
    width = REDIS_CLUSTER_HASH_SLOTS // SHARDS
    tags = []
    for shard in range(SHARDS):
        candidate = 0
        while key_slot(f"s{shard}.{candidate}".encode()) // width != shard:
            candidate += 1
        tags.append(f"s{shard}.{candidate}")
    return tuple(tags)


def shard_of(session_id: str) -> int:
    """The slot group of a session: stable across processes and versions."""
    return zlib.crc32(session_id.encode()) % SHARDS


class KeyLayout:
    """Key names under one prefix, for a cluster (tagged, sharded) or a single server."""

    def __init__(self, prefix: str, *, cluster: bool) -> None:
        self.prefix = prefix
        self.cluster = cluster

    @classmethod
    def of(cls, client: redis.Redis, prefix: str) -> KeyLayout:
        """The layout the client's server needs."""
        return cls(prefix, cluster=is_cluster(client))

    def _group(self, session_id: str) -> str:
        """`<prefix>{<tag>}` on a cluster, `<prefix>` on one server."""
        if not self.cluster:
            return self.prefix
        return f"{self.prefix}{{{shard_tags()[shard_of(session_id)]}}}"

    def session(self, session_id: str) -> str:
        return f"{self._group(session_id)}session:{session_id}"

    def lock(self, session_id: str) -> str:
        return f"{self._group(session_id)}lock:{session_id}"

    def replies(self, session_id: str) -> str:
        return f"{self._group(session_id)}replies:{session_id}"

    def quarantine(self, session_id: str, ms: int) -> str:
        return f"{self._group(session_id)}quarantine:{session_id}:{ms}"

    def tickets_of(self, session_id: str) -> str:
        """The stream a session's tickets go to (in its slot, so its commit can append)."""
        return f"{self._group(session_id)}tickets"

    def ticket_streams(self) -> list[str]:
        """Every tickets stream under the prefix, in shard order."""
        if not self.cluster:
            return [f"{self.prefix}tickets"]
        return [f"{self.prefix}{{{tag}}}tickets" for tag in shard_tags()]

    def pattern(self, kind: str) -> str:
        """A SCAN pattern for every `kind` key (`session`, `quarantine`) under the prefix."""
        group = f"{_glob_escape(self.prefix)}{{*}}" if self.cluster else _glob_escape(self.prefix)
        return f"{group}{kind}:*"

    def id_in(self, key: str, kind: str) -> str:
        """What follows `<kind>:` in a key `pattern(kind)` matched."""
        return key.split(f"}}{kind}:" if self.cluster else f"{self.prefix}{kind}:", 1)[1]

    def delivery(self, name: str) -> str:
        """Delivery's per-prefix record `tickets:<name>` (external, attempts, dead)."""
        if not self.cluster:
            return f"{self.prefix}tickets:{name}"
        return f"{self.prefix}{{{self.prefix}}}tickets:{name}"


def slot_of(key: str) -> int:
    """The cluster slot of a key (for tests and diagnostics)."""
    return int(key_slot(key.encode()))


def _glob_escape(text: str) -> str:
    out = []
    for ch in text:
        out.append("\\" + ch if ch in "\\*?[]" else ch)
    return "".join(out)
