"""A Redis Cluster master, and a Sentinel-watched master, SIGKILLed mid-conversation.

What must hold: the replica is promoted (by the cluster itself, by the sentinels) and the
conversations go on through the same URL; a turn that failed while the fail-over was under
way is sent again with its message id and applied once; every turn that was answered is
in its session afterwards, exactly once and in order, and a ticket submitted before the
kill is still read back.

Replication is asynchronous: what these tests guarantee is that nothing the replica had
received is lost. The window between a master answering a write and sending it to its
replica is microseconds on loopback (the tests would catch a loss there as a missing
turn); over a network it is what Redis documents as the fail-over write-loss window.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cluster_redis import LocalCluster, LocalSentinel

from agents import OpsBot
from errors import StateError
from knowledge.encoder import Encoder
from settings import Settings
from state.keys import KeyLayout, slot_of

pytestmark = pytest.mark.faults

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TURNS = 6
KILL_AFTER = 2  # turns each conversation has had when the master dies


def _open(url: str, bot_settings: Settings, encoder: Encoder) -> OpsBot:
    settings = bot_settings.model_copy(
        update={"redis_url": url, "redis_prefix": f"opsqkv-test:{uuid.uuid4().hex[:6]}:"}
    )
    opened = OpsBot.open(settings=settings, encoder=encoder)
    # A turn cut off by the kill leaves its lock on the promoted replica: a short lock
    # lets its retry in after 5 s instead of the default 30.
    return opened.for_prefix(settings.redis_prefix, lock_ttl_ms=5000, lock_wait_s=60)


def _send(bot: OpsBot, sid: str, text: str, message_id: str, retries: list[str]) -> None:
    """One turn, sent again with the same message id until the store answers (60 s at most)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            bot.handle(sid, text, message_id=message_id)
            return
        except StateError as e:
            if time.monotonic() > deadline:
                raise
            retries.append(str(e))
            time.sleep(0.2)


def _converse(
    bot: OpsBot, sids: list[str], kill: threading.Event, killed: threading.Event
) -> tuple[ThreadPoolExecutor, list[Future[None]], list[str]]:
    """Run TURNS turns on each session at once; `kill` is set when all had KILL_AFTER."""
    reached = threading.Barrier(len(sids), action=kill.set)
    retries: list[str] = []

    def talk(sid: str) -> None:
        for n in range(TURNS):
            if n == KILL_AFTER:
                reached.wait()
                killed.wait(30)  # the master dies while every conversation is open
            _send(bot, sid, f"how many hosts are in idc sh-{n % 3 + 1}", f"{sid}-{n}", retries)

    pool = ThreadPoolExecutor(max_workers=len(sids))
    futures = [pool.submit(talk, sid) for sid in sids]
    return pool, futures, retries


def _assert_every_turn_once(bot: OpsBot, sids: list[str]) -> None:
    for sid in sids:
        stored = bot.session(sid)
        assert stored is not None, sid
        users = [t.text for t in stored.history if t.role == "user"]
        assert users == [f"how many hosts are in idc sh-{n % 3 + 1}" for n in range(TURNS)], sid
        assert [t.role for t in stored.history] == ["user", "bot"] * TURNS


def _submit_ticket(bot: OpsBot) -> str:
    sid = f"ticket-{uuid.uuid4().hex[:6]}"
    bot.handle(sid, "billing-api is down since 09:00, sev3", now=NOW, template="incident")
    bot.handle(sid, "invoices fail to render", now=NOW)
    submitted = bot.handle(sid, "yes", now=NOW).submitted
    assert submitted is not None
    return submitted.id


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    running = LocalCluster(tmp_path / "cluster", node_timeout_ms=1000).start()
    yield running
    running.stop()


def test_faults_cluster_master_killed_mid_conversation_loses_nothing(
    cluster: LocalCluster, bot: OpsBot, bot_settings: Settings, encoder: Encoder
) -> None:
    clustered = _open(cluster.url, bot_settings, encoder)
    ticket_id = _submit_ticket(clustered)
    sids = [f"talk-{uuid.uuid4().hex[:6]}-{n}" for n in range(6)]
    layout = KeyLayout(clustered.settings.redis_prefix, cluster=True)
    victim = cluster.master_of_slot(slot_of(layout.session(sids[0])))
    on_victim = [s for s in sids if cluster.master_of_slot(slot_of(layout.session(s))) == victim]
    kill, killed = threading.Event(), threading.Event()
    pool, futures, _retries = _converse(clustered, sids, kill, killed)
    try:
        assert kill.wait(120)
        replica = cluster.replica_of(victim)
        killed.set()
        time.sleep(0.05)  # let the next turns start: some are in flight when it dies
        cluster.kill(victim)
        for future in futures:
            future.result(timeout=180)
    finally:
        killed.set()
        pool.shutdown(wait=True)
    cluster.wait_ok()
    assert cluster.roles()[replica] == "master" and victim not in cluster.live_ports()
    assert on_victim, "at least one conversation lived on the killed master"
    _assert_every_turn_once(clustered, sids)
    assert ticket_id in [e.ticket.id for e in clustered.tickets() if e.ticket]


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[LocalSentinel]:
    running = LocalSentinel(tmp_path / "sentinel").start()
    yield running
    running.stop()


def test_faults_sentinel_master_killed_mid_conversation_loses_nothing(
    sentinel: LocalSentinel, bot: OpsBot, bot_settings: Settings, encoder: Encoder
) -> None:
    watched = _open(sentinel.url, bot_settings, encoder)
    ticket_id = _submit_ticket(watched)
    sids = [f"talk-{uuid.uuid4().hex[:6]}-{n}" for n in range(3)]
    kill, killed = threading.Event(), threading.Event()
    pool, futures, _retries = _converse(watched, sids, kill, killed)
    try:
        assert kill.wait(120)
        killed.set()
        time.sleep(0.05)
        sentinel.master.kill()
        for future in futures:
            future.result(timeout=180)
    finally:
        killed.set()
        pool.shutdown(wait=True)
    sentinel.wait_failed_over()
    _assert_every_turn_once(watched, sids)
    assert ticket_id in [e.ticket.id for e in watched.tickets() if e.ticket]
