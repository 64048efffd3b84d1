"""The delivery worker on real Redis and real HTTP: exactly once per sink, retries, dead letters."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from delivery.backoff import backoff_delay, parse_retry_after
from delivery.config import RetryPolicy, WorkerOptions, load_sinks
from delivery.records import DeliveryRecords
from delivery.redeliver import redeliver
from delivery.sinks import Sink, open_sinks
from delivery.worker import DeliveryWorker
from state.models import Ticket
from state.tickets import TicketSink
from tests.delivery_fakes import (
    SECRETS_ENV,
    FakeJira,
    FakeService,
    FakeServiceNow,
    FakeWebhook,
    sinks_yaml,
)

Fakes = tuple[FakeJira, FakeServiceNow, FakeWebhook]


def ticket(n: int, template: str = "incident") -> Ticket:
    return Ticket(
        id=f"{template}-20260101-{n:06x}",
        template=template,
        values={"service": f"svc-{n}", "severity": "P2", "symptom": "errors", "change_type": "std"},
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        session_id=f"s-{n}",
    )


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    jira, snow, hook = FakeJira().start(), FakeServiceNow().start(), FakeWebhook().start()
    yield jira, snow, hook  # type: ignore[misc]
    for service in (jira, snow, hook):
        service.stop()


def _sinks(tmp_path: Path, *services: FakeService, **kw: float) -> list[Sink]:
    path = tmp_path / "sinks.yaml"
    path.write_text(sinks_yaml(*services, **kw), encoding="utf-8")
    return open_sinks(load_sinks(path, SECRETS_ENV))


def _worker(
    client: redis.Redis, prefix: str, sinks: list[Sink], **options: float
) -> DeliveryWorker:
    return DeliveryWorker(client, sinks, prefix=prefix, options=WorkerOptions(**options))


def test_delivery_backoff_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(backoff_s=1.0, backoff_max_s=8.0)
    highs = [backoff_delay(n, policy, rand=lambda: 1.0) for n in range(1, 7)]
    assert highs == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    lows = {backoff_delay(3, policy, rand=lambda: 0.0)}
    assert lows == {2.0}  # equal jitter: never less than half the step
    assert backoff_delay(1, policy, retry_after_s=30.0, rand=lambda: 0.5) == 30.0


def test_delivery_backoff_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("12") == 12.0
    now = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 10:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_delivery_worker_200_tickets_failing_twice_each_are_created_exactly_once(
    tmp_path: Path, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    hook = fakes[2]
    for service in fakes:
        service.knobs.fail_first = 2
    source = TicketSink(redis_client, prefix=redis_prefix)
    tickets = [ticket(n) for n in range(200)]
    for t in tickets:
        source.append(t)
    summary = _worker(redis_client, redis_prefix, _sinks(tmp_path, *fakes)).run_once(within_s=60)
    for service in fakes:
        assert set(service.created) == {t.id for t in tickets}, service.kind
        assert set(service.created.values()) == {1}, service.kind
        assert set(service.create_attempts.values()) == {3}, service.kind
    assert sum(hook.replays.values()) == 0  # a sink that succeeded is never called again
    assert summary.created == {"jira": 200, "servicenow": 200, "hook": 200}
    assert summary.dead == {} and summary.pending == 0
    records = DeliveryRecords(redis_client, prefix=redis_prefix)
    external = records.results(tickets[7].id)
    assert external["servicenow"].external_id and external["jira"].external_id.startswith("OPS-")
    assert records.dead_letters() == []
    assert redis_client.xpending(source.key, "opsqkv-delivery")["pending"] == 0


def test_delivery_worker_honours_retry_after(
    tmp_path: Path, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    jira = fakes[0]
    jira.knobs.rate_limit_first, jira.knobs.retry_after = 1, "1"
    TicketSink(redis_client, prefix=redis_prefix).append(ticket(1))
    _worker(redis_client, redis_prefix, _sinks(tmp_path, jira)).run_once(within_s=20)
    first, second = jira.creates_of(ticket(1).id)
    assert second.at - first.at >= 0.95  # the backoff is 1 ms; the wait is Retry-After's
    assert jira.created[ticket(1).id] == 1


def test_delivery_worker_slow_answer_past_the_timeout_is_created_once(
    tmp_path: Path, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    jira, snow, _ = fakes
    for service in (jira, snow):
        service.knobs.slow_first_s = 1.0  # created, but answered after the client gave up
    TicketSink(redis_client, prefix=redis_prefix).append(ticket(1))
    sinks = _sinks(tmp_path, jira, snow, timeout_s=0.3)
    summary = _worker(redis_client, redis_prefix, sinks).run_once(within_s=20)
    assert jira.created[ticket(1).id] == 1 and snow.created[ticket(1).id] == 1
    assert summary.existing == {"jira": 1, "servicenow": 1}  # found by label / correlation_id


def test_delivery_worker_always_failing_sink_fills_dead_letters_then_redelivers(
    tmp_path: Path, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    jira, snow, _ = fakes
    snow.knobs.down = True
    source = TicketSink(redis_client, prefix=redis_prefix)
    tickets = [ticket(n) for n in range(20)]
    for t in tickets:
        source.append(t)
    sinks = _sinks(tmp_path, jira, snow, max_attempts=3)
    summary = _worker(redis_client, redis_prefix, sinks).run_once(within_s=30)
    assert summary.dead == {"servicenow": 20} and summary.created == {"jira": 20}
    records = DeliveryRecords(redis_client, prefix=redis_prefix)
    dead = records.dead_letters()
    assert sorted(d.ticket_id for d in dead) == sorted(t.id for t in tickets)
    assert {d.sink for d in dead} == {"servicenow"} and {d.attempts for d in dead} == {3}
    assert all("HTTP 503" in d.error and "maintenance" in d.error for d in dead)
    assert redis_client.xpending(source.key, "opsqkv-delivery")["pending"] == 0

    snow.knobs.down = False
    results = redeliver(redis_client, sinks, prefix=redis_prefix, ticket_id=None, within_s=20)
    assert [r.status for r in results] == ["created"] * 20
    assert set(snow.created.values()) == {1} and len(snow.created) == 20
    assert set(jira.created.values()) == {1}  # the sink that had succeeded is not called again
    assert records.dead_letters() == []
    assert records.results(tickets[3].id)["servicenow"].external_id.startswith("INC")


def test_delivery_worker_redeliver_one_ticket_while_still_down_keeps_it_dead(
    tmp_path: Path, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    hook = fakes[2]
    hook.knobs.down = True
    TicketSink(redis_client, prefix=redis_prefix).append(ticket(1))
    sinks = _sinks(tmp_path, hook, max_attempts=2)
    _worker(redis_client, redis_prefix, sinks).run_once(within_s=20)
    results = redeliver(
        redis_client, sinks, prefix=redis_prefix, ticket_id=ticket(1).id, within_s=5
    )
    assert [r.status for r in results] == ["dead"]
    (dead,) = DeliveryRecords(redis_client, prefix=redis_prefix).dead_letters()
    assert dead.attempts == 4 and dead.ticket_id == ticket(1).id


def test_delivery_worker_client_error_is_not_retried(
    tmp_path: Path, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    jira = fakes[0]
    bad = ticket(1)
    bad.values["severity"] = "P7"  # no such Jira priority: 400 with Jira's error body
    TicketSink(redis_client, prefix=redis_prefix).append(bad)
    summary = _worker(redis_client, redis_prefix, _sinks(tmp_path, jira)).run_once(within_s=20)
    assert summary.dead == {"jira": 1}
    assert len(jira.seen) == 2  # one search, one create: a 4xx is never tried again
    (dead,) = DeliveryRecords(redis_client, prefix=redis_prefix).dead_letters()
    assert dead.attempts == 1 and "Priority name 'P7' is not valid" in dead.error


def test_delivery_worker_covers_every_tenant_stream(
    tmp_path: Path, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    hook = fakes[2]
    for n, tenant in enumerate(["payments", "search", "team_x-1"]):
        TicketSink(redis_client, prefix=f"{redis_prefix}tenant:{tenant}:").append(ticket(n))
    TicketSink(redis_client, prefix=redis_prefix).append(ticket(9))
    summary = _worker(redis_client, redis_prefix, _sinks(tmp_path, hook)).run_once(within_s=20)
    assert summary.created == {"hook": 4}
    tenants = sorted(str(r.json()["tenant"]) for r in hook.seen)
    assert tenants == ["None", "payments", "search", "team_x-1"]
    tenant_records = DeliveryRecords(redis_client, prefix=f"{redis_prefix}tenant:search:")
    assert tenant_records.results(ticket(1).id)["hook"].external_id


def test_delivery_worker_run_stops_on_the_event_and_delivers_new_tickets(
    tmp_path: Path, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    hook = fakes[2]
    worker = _worker(redis_client, redis_prefix, _sinks(tmp_path, hook), block_s=0.1)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        TicketSink(redis_client, prefix=redis_prefix).append(ticket(1))
        deadline = time.monotonic() + 10
        while not hook.created and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive() and hook.created[ticket(1).id] == 1


def test_delivery_worker_takes_over_entries_a_dead_consumer_left_pending(
    tmp_path: Path, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    hook = fakes[2]
    source = TicketSink(redis_client, prefix=redis_prefix)
    for n in range(3):
        source.append(ticket(n))
    sinks = _sinks(tmp_path, hook)
    # A consumer that read the entries and died before delivering any of them.
    redis_client.xgroup_create(source.key, "opsqkv-delivery", id="0", mkstream=True)
    redis_client.xreadgroup("opsqkv-delivery", "dead-one", {source.key: ">"})
    time.sleep(0.3)
    summary = _worker(redis_client, redis_prefix, sinks, claim_idle_s=0.2).run_once(within_s=20)
    assert summary.created == {"hook": 3} and set(hook.created.values()) == {1}


def test_delivery_worker_deliver_now_waits_for_one_ticket(
    tmp_path: Path, redis_client: redis.Redis, redis_prefix: str, fakes: Fakes
) -> None:
    snow = fakes[1]
    TicketSink(redis_client, prefix=redis_prefix).append(ticket(5))
    worker = _worker(redis_client, redis_prefix, _sinks(tmp_path, snow))
    results = worker.deliver_now(ticket(5), wait_s=5)
    assert results["servicenow"].status == "created"
    assert results["servicenow"].external_id == "INC0010001"
